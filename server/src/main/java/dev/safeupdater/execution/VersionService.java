package dev.safeupdater.execution;

import java.util.ArrayList;
import java.util.List;

import dev.safeupdater.version.CandidateSelector;
import dev.safeupdater.version.Selection;
import dev.safeupdater.version.TagVersion;

/** Candidate selection for a current tag among given tags (the version stage, no registry). */
public final class VersionService {
    /** At most this many available tags in one request. */
    public static final int MAX_AVAILABLE = 20_000;

    /** A candidate question: current tag, the tags to choose from, whether prereleases may be proposed. */
    public record CandidatesRequest(String current, List<String> available, Boolean allowPrerelease) {
    }

    /** Validates and selects. Bad input: {@link InvalidInputException} naming every bad field. */
    public Selection candidates(CandidatesRequest r) {
        InputCheck check = new InputCheck().required("current", r.current()).tag("current", r.current());
        List<FieldError> errors = new ArrayList<>();
        if (r.available() == null) {
            errors.add(new FieldError("available", "is required (a list of tags)"));
        } else if (r.available().size() > MAX_AVAILABLE) {
            errors.add(new FieldError("available", "has more than " + MAX_AVAILABLE + " tags"));
        } else {
            for (int i = 0; i < r.available().size() && errors.size() < 20; i++) {
                String t = r.available().get(i);
                if (t == null || !TagVersion.isValidTag(t)) {
                    errors.add(new FieldError("available[" + i + "]", "is not a valid image tag"
                            + (t == null ? "" : ": \"" + (t.length() > 80 ? t.substring(0, 77) + "..." : t) + "\"")));
                }
            }
        }
        check.add(errors).throwIfAny();
        return CandidateSelector.select(r.current(), r.available(), Boolean.TRUE.equals(r.allowPrerelease()));
    }
}
