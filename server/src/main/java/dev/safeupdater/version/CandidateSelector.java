package dev.safeupdater.version;

import java.util.Collection;

/**
 * Proposes candidates for a current tag among the available ones. A candidate has the same prefix, scheme,
 * precision (and revision style) and variant as the current tag, is newer, and is a release unless prereleases are
 * allowed. Per change class (patch, minor, major, prerelease) the newest such tag is proposed; policy decides
 * which class is allowed.
 */
public final class CandidateSelector {
    private static final ChangeClass[] CLASSES = ChangeClass.values();

    private CandidateSelector() {
    }

    /** Selects among raw tags (parsed here). */
    public static Selection select(String current, Collection<String> available, boolean allowPrerelease) {
        return select(TagVersion.parse(current), TagSet.of(available), allowPrerelease);
    }

    /** Selects among an already parsed tag set: no parsing, one pass, one small allocation per call. */
    public static Selection select(TagVersion current, TagSet available, boolean allowPrerelease) {
        int n = available.size();
        byte[] reasons = new byte[n];
        byte[] classes = new byte[n];
        int[] best = {-1, -1, -1, -1};
        boolean currentIsVersion = current.isVersion();
        String tag = current.tag();
        for (int i = 0; i < n; i++) {
            TagVersion t = available.get(i);
            IgnoreReason r;
            if (t.tag().equals(tag)) {
                r = IgnoreReason.CURRENT;
            } else if (!currentIsVersion) {
                r = IgnoreReason.CURRENT_NOT_A_VERSION;
            } else if (!t.isVersion()) {
                r = IgnoreReason.NOT_A_VERSION;
            } else if (!t.prefix().equals(current.prefix())) {
                r = IgnoreReason.PREFIX_DIFFERS;
            } else if (t.scheme() != current.scheme()) {
                r = IgnoreReason.SCHEME_DIFFERS;
            } else if (!t.sameShape(current)) {
                r = IgnoreReason.PRECISION_DIFFERS;
            } else if (!t.variant().equals(current.variant())) {
                r = IgnoreReason.VARIANT_DIFFERS;
            } else {
                int c = VersionOrder.compare(t, current);
                if (c < 0) {
                    r = IgnoreReason.OLDER;
                } else if (c == 0) {
                    r = IgnoreReason.SAME_VERSION;
                } else if (t.isPrerelease() && !allowPrerelease) {
                    r = IgnoreReason.PRERELEASE;
                } else {
                    int cls = ChangeClass.of(current, t).ordinal();
                    classes[i] = (byte) cls;
                    int b = best[cls];
                    if (b < 0 || VersionOrder.compare(t, available.get(b)) > 0) {
                        if (b >= 0) {
                            reasons[b] = (byte) IgnoreReason.NOT_NEWEST.ordinal();
                        }
                        best[cls] = i;
                        reasons[i] = Selection.CHOSEN;
                        continue;
                    }
                    r = IgnoreReason.NOT_NEWEST;
                }
            }
            reasons[i] = (byte) r.ordinal();
        }
        TagVersion[] chosen = new TagVersion[CLASSES.length];
        for (int c = 0; c < CLASSES.length; c++) {
            chosen[c] = best[c] < 0 ? null : available.get(best[c]);
        }
        return new Selection(current, available, chosen, reasons, classes);
    }
}
