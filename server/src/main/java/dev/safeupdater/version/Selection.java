package dev.safeupdater.version;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The candidates proposed for one current tag: the newest compatible candidate per change class (any may be
 * absent) and, for every other available tag, why it was ignored. The ignored list is built on demand.
 */
public final class Selection {
    /** An available tag that is not a candidate, with the reason (a code and a sentence). */
    public record Ignored(String tag, IgnoreReason code, String reason) {
    }

    private final TagVersion current;
    private final TagSet available;
    private final TagVersion[] chosen; // by ChangeClass ordinal
    private final byte[] reasons;      // per available tag: IgnoreReason ordinal, or CHOSEN
    private final byte[] classes;      // per available tag: ChangeClass ordinal when compatible and newer

    static final byte CHOSEN = -1;

    Selection(TagVersion current, TagSet available, TagVersion[] chosen, byte[] reasons, byte[] classes) {
        this.current = current;
        this.available = available;
        this.chosen = chosen;
        this.reasons = reasons;
        this.classes = classes;
    }

    public TagVersion current() {
        return current;
    }

    /** The candidate of class {@code c}, or null. */
    public TagVersion candidate(ChangeClass c) {
        return chosen[c.ordinal()];
    }

    /** Every class with its candidate tag (null when there is none), in the order patch, minor, major, prerelease. */
    public Map<ChangeClass, String> candidateTags() {
        Map<ChangeClass, String> out = new EnumMap<>(ChangeClass.class);
        for (ChangeClass c : ChangeClass.values()) {
            TagVersion v = chosen[c.ordinal()];
            out.put(c, v == null ? null : v.tag());
        }
        return out;
    }

    /** The distinct candidates, lowest change class first. */
    public List<TagVersion> candidates() {
        List<TagVersion> out = new ArrayList<>(4);
        for (TagVersion v : chosen) {
            if (v != null && !out.contains(v)) {
                out.add(v);
            }
        }
        return out;
    }

    /** The number of ignored tags. */
    public int ignoredCount() {
        int n = 0;
        for (byte r : reasons) {
            if (r != CHOSEN) {
                n++;
            }
        }
        return n;
    }

    /** The ignored tags in the order they were given, each with its reason. */
    public List<Ignored> ignored() {
        if (reasons.length == 0) {
            return Collections.emptyList();
        }
        List<Ignored> out = new ArrayList<>(reasons.length);
        IgnoreReason[] all = IgnoreReason.values();
        for (int i = 0; i < reasons.length; i++) {
            if (reasons[i] != CHOSEN) {
                TagVersion t = available.get(i);
                IgnoreReason r = all[reasons[i]];
                out.add(new Ignored(t.tag(), r, sentence(t, r, classes[i])));
            }
        }
        return out;
    }

    private String sentence(TagVersion t, IgnoreReason r, byte cls) {
        return switch (r) {
            case CURRENT -> "the current tag";
            case CURRENT_NOT_A_VERSION -> "the current tag \"" + current.tag() + "\" is not a version ("
                    + current.unversionedReason() + "): it is followed by digest";
            case NOT_A_VERSION -> t.unversionedReason().startsWith("not a version") ? t.unversionedReason()
                    : "not a version: " + t.unversionedReason();
            case PREFIX_DIFFERS -> "prefix differs: " + orNone(t.prefix()) + " (current: " + orNone(current.prefix()) + ")";
            case SCHEME_DIFFERS -> "version scheme differs: " + scheme(t) + " (current: " + scheme(current) + ")";
            case PRECISION_DIFFERS -> t.precision() != current.precision()
                    ? "precision differs: " + parts(t) + " (current: " + parts(current) + ")"
                    : t.compactDate() != current.compactDate()
                    ? "date format differs (compact vs dotted)"
                    : "revision style differs: " + revision(t) + " (current: " + revision(current) + ")";
            case VARIANT_DIFFERS -> "variant differs: " + orNone(t.variant()) + " (current: " + orNone(current.variant()) + ")";
            case OLDER -> "older than the current version";
            case SAME_VERSION -> "the same version as the current tag";
            case PRERELEASE -> "prerelease " + t.prerelease() + " (prereleases not allowed)";
            case NOT_NEWEST -> {
                ChangeClass c = ChangeClass.values()[cls];
                TagVersion winner = chosen[c.ordinal()];
                yield "not the newest " + c.key() + " candidate (" + (winner == null ? "?" : winner.tag()) + " is)";
            }
        };
    }

    private static String orNone(String s) {
        return s.isEmpty() ? "none" : s;
    }

    private static String scheme(TagVersion v) {
        return v.scheme() == TagVersion.Scheme.CALENDAR ? "calendar" : "semantic";
    }

    private static String parts(TagVersion v) {
        return v.precision() + (v.precision() == 1 ? " part" : " parts");
    }

    private static String revision(TagVersion v) {
        return v.hasRevision() ? "\"" + v.revisionMarker() + "N\"" : "none";
    }
}
