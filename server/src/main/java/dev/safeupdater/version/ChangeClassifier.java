package dev.safeupdater.version;

import dev.safeupdater.model.ChangeType;

/** Classifies the move from one image tag to another, on top of {@link TagVersion}. */
public final class ChangeClassifier {
    private ChangeClassifier() {
    }

    /** True when {@code tag} is a syntactically valid image tag. */
    public static boolean isValidTag(String tag) {
        return TagVersion.isValidTag(tag);
    }

    /** True when {@code tag} is a version with a prerelease part ({@code 1.3.0-rc.1}, {@code 3.13.0b1}). */
    public static boolean isPrerelease(String tag) {
        return tag != null && TagVersion.parse(tag).isPrerelease();
    }

    /**
     * The change type of moving {@code fromTag}@{@code fromDigest} to {@code toTag}@{@code toDigest}. Digests may be
     * null when unknown. Same tag: NONE, or DIGEST when both digests are known and differ. Different tags: UNKNOWN
     * when either is not a version, the prefixes or schemes differ, or both are the same version written
     * differently (a variant switch); DOWNGRADE when lower; else the class of the first numeric part that differs
     * (MAJOR, MINOR, PATCH for the third and fourth), PRERELEASE when only the prerelease moves, PATCH when only the
     * build revision moves.
     */
    public static ChangeType classify(String fromTag, String fromDigest, String toTag, String toDigest) {
        if (fromTag.equals(toTag)) {
            boolean digestMoved = fromDigest != null && toDigest != null && !fromDigest.equals(toDigest);
            return digestMoved ? ChangeType.DIGEST : ChangeType.NONE;
        }
        return classify(TagVersion.parse(fromTag), TagVersion.parse(toTag));
    }

    /** The change type between two different parsed tags (see {@link #classify(String, String, String, String)}). */
    public static ChangeType classify(TagVersion from, TagVersion to) {
        if (!from.isVersion() || !to.isVersion() || !from.prefix().equals(to.prefix())
                || from.scheme() != to.scheme()) {
            return ChangeType.UNKNOWN;
        }
        int c = VersionOrder.compare(to, from);
        if (c < 0) {
            return ChangeType.DOWNGRADE;
        }
        if (c == 0) {
            return ChangeType.UNKNOWN;
        }
        return ChangeClass.of(from, to).changeType();
    }
}
