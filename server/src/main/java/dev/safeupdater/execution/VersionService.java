package dev.safeupdater.execution;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.safeupdater.version.CandidateSelector;
import dev.safeupdater.version.ChangeClassifier;
import dev.safeupdater.version.ParsedTag;
import dev.safeupdater.version.Selection;

/**
 * Candidate selection for a current tag among given tags (the version stage), or among the tags an image has in
 * its registry (through {@link TagService}).
 */
public final class VersionService {
    /** At most this many available tags in one request. */
    public static final int MAX_AVAILABLE = 20_000;

    private final TagService tags;

    /** {@code tags} may be null: then only explicit tag lists are accepted. */
    public VersionService(TagService tags) {
        this.tags = tags;
    }

    /**
     * A candidate question: the current tag, and either the tags to choose from or an image whose registry tags are
     * used; whether prereleases may be proposed (default no).
     */
    public record CandidatesRequest(String current, List<String> available, Boolean allowPrerelease, String image) {
        public CandidatesRequest(String current, List<String> available, Boolean allowPrerelease) {
            this(current, available, allowPrerelease, null);
        }
    }

    /** Where the tags came from when an image was given: its canonical name, how many, stale with the error. */
    public record ImageTags(String image, int tagCount, boolean stale, String error) {
    }

    /**
     * The answer both shells render: the parsed current tag, the candidate per class (null: none), every ignored
     * tag with its reason, and (image requests only) where the tags came from.
     */
    public record CandidatesView(ParsedTag current, Map<String, String> candidates, List<Selection.Ignored> ignored,
                                 @JsonInclude(JsonInclude.Include.NON_NULL) ImageTags image) {
        public static CandidatesView of(Selection s, ImageTags image) {
            Map<String, String> c = new LinkedHashMap<>();
            s.candidateTags().forEach((k, v) -> c.put(k.key(), v));
            return new CandidatesView(ParsedTag.of(s.current()), c, s.ignored(), image);
        }
    }

    /** Validates, looks the image's tags up when asked, and selects. */
    public CandidatesView view(CandidatesRequest r) {
        if (r.image() != null && r.available() == null && tags != null) {
            new InputCheck().required("current", r.current()).tag("current", r.current()).throwIfAny();
            TagService.Available a = tags.available(r.image());
            Selection s = candidates(new CandidatesRequest(r.current(), a.tags(), r.allowPrerelease()));
            return CandidatesView.of(s, new ImageTags(a.image(), a.tags().size(), a.stale(), a.error()));
        }
        if (r.image() != null && r.available() != null) {
            throw new InvalidInputException(List.of(new FieldError("image", "give either image or available, not both")));
        }
        return CandidatesView.of(candidates(r), null);
    }

    /** Validates and selects. Bad input: {@link InvalidInputException} naming every bad field. */
    public Selection candidates(CandidatesRequest r) {
        InputCheck check = new InputCheck().required("current", r.current()).tag("current", r.current());
        List<FieldError> errors = new ArrayList<>();
        if (r.available() == null) {
            errors.add(new FieldError("available", "is required (a list of tags, or give image)"));
        } else if (r.available().size() > MAX_AVAILABLE) {
            errors.add(new FieldError("available", "has more than " + MAX_AVAILABLE + " tags"));
        } else {
            for (int i = 0; i < r.available().size() && errors.size() < 20; i++) {
                String t = r.available().get(i);
                if (t == null || !ChangeClassifier.isValidTag(t)) {
                    errors.add(new FieldError("available[" + i + "]", "is not a valid image tag"
                            + (t == null ? "" : ": \"" + (t.length() > 80 ? t.substring(0, 77) + "..." : t) + "\"")));
                }
            }
        }
        check.add(errors).throwIfAny();
        return CandidateSelector.select(r.current(), r.available(), Boolean.TRUE.equals(r.allowPrerelease()));
    }
}
