package dev.safeupdater.version;

import java.util.Comparator;
import java.util.List;

/**
 * Version order. {@link #compare} orders two versions by their numbers (numerically per part: 1.10 &gt; 1.9; a
 * missing part counts as 0), then a release above its prereleases (prereleases by label rank dev &lt; alpha &lt; beta
 * &lt; milestone &lt; preview &lt; rc, then the identifiers after the label by SemVer 2.0 precedence), then the build
 * revision. SemVer build metadata ({@code +build}) is ignored. {@link #TOTAL} extends that to every tag
 * (unversioned last, then prefix, variant and text) for stable listings.
 */
public final class VersionOrder {
    private VersionOrder() {
    }

    /** The version order of two parsed versions; 0 means the same version (possibly written differently). */
    public static int compare(TagVersion a, TagVersion b) {
        int n = Math.max(a.precision(), b.precision());
        for (int i = 0; i < n; i++) {
            int c = Long.compare(a.part(i), b.part(i));
            if (c != 0) {
                return c;
            }
        }
        int c = comparePrerelease(a, b);
        if (c != 0) {
            return c;
        }
        return Long.compare(a.revision(), b.revision());
    }

    /** The index of the first numeric part that differs (missing parts count as 0), or -1. */
    static int firstDifference(TagVersion a, TagVersion b) {
        int n = Math.max(a.precision(), b.precision());
        for (int i = 0; i < n; i++) {
            if (a.part(i) != b.part(i)) {
                return i;
            }
        }
        return -1;
    }

    static int comparePrerelease(TagVersion a, TagVersion b) {
        boolean pa = a.isPrerelease();
        boolean pb = b.isPrerelease();
        if (!pa || !pb) {
            return pa == pb ? 0 : pa ? -1 : 1;
        }
        int c = Integer.compare(a.preRank(), b.preRank());
        if (c != 0) {
            return c;
        }
        c = a.prereleaseLabel().compareTo(b.prereleaseLabel());
        if (c != 0) {
            return c;
        }
        return compareIdentifiers(a.prereleaseIdentifiers(), b.prereleaseIdentifiers());
    }

    /**
     * SemVer 2.0 precedence of the identifiers after the prerelease word: one by one, numeric identifiers
     * numerically, others in ASCII order, numeric below alphanumeric; when all shared ones are equal, the longer list
     * is higher ({@code alpha < alpha.1 < alpha.beta}).
     */
    static int compareIdentifiers(List<String> a, List<String> b) {
        int n = Math.min(a.size(), b.size());
        for (int i = 0; i < n; i++) {
            String x = a.get(i);
            String y = b.get(i);
            boolean nx = TagVersion.isNumeric(x);
            boolean ny = TagVersion.isNumeric(y);
            int c;
            if (nx && ny) {
                c = compareNumeric(x, y);
            } else if (nx != ny) {
                c = nx ? -1 : 1;
            } else {
                c = x.compareTo(y);
            }
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    }

    /** Digits compared by value, of any length (leading zeros ignored). */
    private static int compareNumeric(String x, String y) {
        String sx = stripZeros(x);
        String sy = stripZeros(y);
        int c = Integer.compare(sx.length(), sy.length());
        return c != 0 ? c : sx.compareTo(sy);
    }

    private static String stripZeros(String s) {
        int k = 0;
        while (k < s.length() - 1 && s.charAt(k) == '0') {
            k++;
        }
        return s.substring(k);
    }

    /** Newest first: versions by {@link #compare} descending, then unversioned tags by name. */
    public static final Comparator<TagVersion> NEWEST_FIRST = (a, b) -> {
        if (a.isVersion() != b.isVersion()) {
            return a.isVersion() ? -1 : 1;
        }
        if (!a.isVersion()) {
            return a.tag().compareTo(b.tag());
        }
        int c = compare(b, a);
        if (c != 0) {
            return c;
        }
        c = Integer.compare(b.precision(), a.precision());
        if (c != 0) {
            return c;
        }
        c = a.prefix().compareTo(b.prefix());
        if (c != 0) {
            return c;
        }
        c = a.variant().compareTo(b.variant());
        return c != 0 ? c : a.tag().compareTo(b.tag());
    };
}
