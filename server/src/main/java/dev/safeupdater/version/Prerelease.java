package dev.safeupdater.version;

/**
 * The prerelease words the tag parser knows, and their order. Only these words make a prerelease; any other word
 * after a version is a variant ({@code -alpine}), which is where Docker tags differ from SemVer.
 */
final class Prerelease {
    private Prerelease() {
    }

    /** A known prerelease label; lower rank sorts first (dev &lt; alpha &lt; beta &lt; milestone &lt; preview &lt; rc). */
    enum Label {
        DEV("dev", 0), SNAPSHOT("snapshot", 0), NIGHTLY("nightly", 0), CANARY("canary", 0),
        ALPHA("alpha", 10), EA("ea", 10), BETA("beta", 20), MILESTONE("milestone", 25), PREVIEW("preview", 30),
        RC("rc", 40);

        private final String canonical;
        private final int rank;

        Label(String canonical, int rank) {
            this.canonical = canonical;
            this.rank = rank;
        }

        String canonical() {
            return canonical;
        }

        int rank() {
            return rank;
        }
    }

    private record Word(String text, Label label) {
    }

    private static final Word[] WORDS = {
            new Word("dev", Label.DEV), new Word("snapshot", Label.SNAPSHOT), new Word("nightly", Label.NIGHTLY),
            new Word("canary", Label.CANARY), new Word("alpha", Label.ALPHA), new Word("ea", Label.EA),
            new Word("beta", Label.BETA), new Word("milestone", Label.MILESTONE), new Word("pre", Label.PREVIEW),
            new Word("preview", Label.PREVIEW), new Word("rc", Label.RC), new Word("cr", Label.RC)};

    /**
     * The label spelled by {@code s[from, to)} (any case), or null. Single letters ({@code a}, {@code b},
     * {@code c}, {@code m}: PEP 440 and milestone short forms) count only when a number follows.
     */
    static Label label(String s, int from, int to, boolean numberFollows) {
        int len = to - from;
        if (len == 1) {
            if (!numberFollows) {
                return null;
            }
            return switch (Character.toLowerCase(s.charAt(from))) {
                case 'a' -> Label.ALPHA;
                case 'b' -> Label.BETA;
                case 'c' -> Label.RC;
                case 'm' -> Label.MILESTONE;
                default -> null;
            };
        }
        for (Word w : WORDS) {
            if (w.text.length() == len && s.regionMatches(true, from, w.text, 0, len)) {
                return w.label;
            }
        }
        return null;
    }
}
