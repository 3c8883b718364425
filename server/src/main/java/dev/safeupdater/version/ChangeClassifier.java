package dev.safeupdater.version;

import dev.safeupdater.model.ChangeType;
import dev.safeupdater.model.ImageReference;

/** Classifies the move from one image tag to another, on top of {@link TagVersion}. */
public final class ChangeClassifier {
    private ChangeClassifier() {
    }

    /** True when {@code tag} is a syntactically valid image tag (letters, digits, {@code _.-}; at most 128). */
    public static boolean isValidTag(String tag) {
        return ImageReference.isTag(tag);
    }

    /** True when {@code tag} is a version with a prerelease part ({@code 1.3.0-rc.1}, {@code 3.13.0b1}). */
    public static boolean isPrerelease(String tag) {
        return tag != null && TagVersion.parse(tag).isPrerelease();
    }

    /**
     * True for a tag that names exactly one release: a version with at least three numeric parts ({@code 1.25.3},
     * {@code 1.25.3-alpine}, {@code 16.1.0-debian-12-r5}, {@code 2024.01.15}). Every other tag ({@code latest},
     * {@code stable}, {@code 1.25}, {@code 16}) is mutable: it moves to new images, and is followed by digest.
     */
    public static boolean isExactVersion(String tag) {
        if (tag == null) {
            return false;
        }
        TagVersion v = TagVersion.parse(tag);
        return v.isVersion() && v.precision() >= 3;
    }

    /**
     * The version stage's DIGEST candidate: true when the registry's digest for the running tag is known and differs
     * from the digest that runs (also known) — a new image behind the same tag.
     */
    public static boolean isDigestCandidate(String tag, String runningDigest, String registryDigest) {
        return tag != null && classify(tag, runningDigest, tag, registryDigest) == ChangeType.DIGEST;
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
