package dev.safeupdater.version;

import java.util.Objects;
import java.util.regex.Pattern;

import dev.safeupdater.model.ChangeType;
import org.semver4j.Semver;

/** Classifies the move from one image tag to another. */
public final class ChangeClassifier {
    /** The Docker/OCI tag grammar. */
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    private static final Pattern NUMERIC_PREFIX = Pattern.compile("^(\\d+)(?:\\.(\\d+))?(?:\\.(\\d+))?(.*)$");

    private ChangeClassifier() {
    }

    /** True when {@code tag} is a syntactically valid image tag. */
    public static boolean isValidTag(String tag) {
        return tag != null && TAG.matcher(tag).matches();
    }

    /** True when {@code tag} is a version with a prerelease part (e.g. {@code 1.3.0-rc.1}). */
    public static boolean isPrerelease(String tag) {
        Semver v = parse(tag);
        return v != null && !v.getPreRelease().isEmpty();
    }

    /**
     * The change type of moving {@code fromTag}@{@code fromDigest} to {@code toTag}@{@code toDigest}. Digests may be
     * null when unknown.
     */
    public static ChangeType classify(String fromTag, String fromDigest, String toTag, String toDigest) {
        if (fromTag.equals(toTag)) {
            boolean digestMoved = fromDigest != null && toDigest != null && !fromDigest.equals(toDigest);
            return digestMoved ? ChangeType.DIGEST : ChangeType.NONE;
        }
        Semver from = parse(fromTag);
        Semver to = parse(toTag);
        if (from == null || to == null) {
            return ChangeType.UNKNOWN;
        }
        if (to.isLowerThan(from)) {
            return ChangeType.DOWNGRADE;
        }
        if (from.getMajor() != to.getMajor()) {
            return ChangeType.MAJOR;
        }
        if (from.getMinor() != to.getMinor()) {
            return ChangeType.MINOR;
        }
        if (from.getPatch() != to.getPatch()) {
            return ChangeType.PATCH;
        }
        return Objects.equals(from.getPreRelease(), to.getPreRelease()) ? ChangeType.NONE : ChangeType.PRERELEASE;
    }

    /** Parses a tag as semver, accepting a {@code v} prefix and 1–3 numeric parts; null when it is not one. */
    static Semver parse(String tag) {
        String t = tag.startsWith("v") || tag.startsWith("V") ? tag.substring(1) : tag;
        var m = NUMERIC_PREFIX.matcher(t);
        if (!m.matches()) {
            return null;
        }
        String rest = m.group(4);
        if (!rest.isEmpty() && !rest.startsWith("-") && !rest.startsWith("+")) {
            return null;
        }
        String padded = m.group(1) + "." + (m.group(2) == null ? "0" : m.group(2)) + "."
                + (m.group(3) == null ? "0" : m.group(3)) + rest;
        return Semver.parse(padded);
    }
}
