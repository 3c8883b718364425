package dev.safeupdater.version;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.safeupdater.model.ImageReference;

/**
 * One image tag, parsed: an optional prefix ({@code v}, or a word and a dash such as {@code jammy-}), 1–4 numeric
 * parts with their precision, an optional prerelease ({@code -rc.1}, {@code b1}, {@code -SNAPSHOT}), an optional
 * build revision ({@code _12}, {@code -r5}) and an optional variant ({@code alpine}, {@code slim-bookworm}).
 * Tags that are not versions ({@code latest}, {@code mainline-alpine}, commit SHAs) are {@link #isVersion()} false:
 * they are followed by digest instead. Immutable; {@link #parse} never throws and never returns null.
 */
public final class TagVersion {
    /** How the numbers are meant. */
    public enum Scheme {
        /** Ordinary release numbers: {@code 1.25.3}, {@code 16}, {@code 3.13.0b1}. */
        SEMANTIC,
        /** Calendar versions: the first part is a year ({@code 2024.01.15}, {@code 2024.1}), or a date {@code 20240115}. */
        CALENDAR
    }

    private static final int MAX_PARTS = 4;
    private static final int MAX_DIGITS = 18;
    private static final long[] NO_PARTS = new long[0];
    /** Prefix words that mark commit or build references, never versions ({@code sha-1234567}, {@code pr-42}). */
    private static final List<String> REFERENCE_PREFIXES = List.of("sha", "git", "commit", "rev", "ref", "pr", "build");

    private final String tag;
    private final String unversionedReason;
    private final String prefix;
    private final Scheme scheme;
    private final long[] parts;
    private final boolean compactDate;
    private final Prerelease.Label preLabel;
    private final long preNumber;
    private final String preText;
    private final List<String> preIdentifiers;
    private final String revisionMarker;
    private final long revision;
    private final String variant;
    private final String build;

    private TagVersion(String tag, String unversionedReason, String prefix, Scheme scheme, long[] parts,
                       boolean compactDate, Prerelease.Label preLabel, long preNumber, String preText,
                       List<String> preIdentifiers, String revisionMarker, long revision, String variant,
                       String build) {
        this.tag = tag;
        this.unversionedReason = unversionedReason;
        this.prefix = prefix;
        this.scheme = scheme;
        this.parts = parts;
        this.compactDate = compactDate;
        this.preLabel = preLabel;
        this.preNumber = preNumber;
        this.preText = preText;
        this.preIdentifiers = preIdentifiers;
        this.revisionMarker = revisionMarker;
        this.revision = revision;
        this.variant = variant;
        this.build = build;
    }

    private static TagVersion unversioned(String tag, String reason) {
        return new TagVersion(tag, reason, "", Scheme.SEMANTIC, NO_PARTS, false, null, -1, null, List.of(), null, -1, "",
                null);
    }

    /**
     * Parses {@code tag}. Invalid tags and non-versions come back unversioned, with the reason. SemVer build
     * metadata ({@code 1.2.3+build.5}, as chart versions carry it) is accepted and kept, and ignored by the order.
     */
    public static TagVersion parse(String tag) {
        if (tag == null) {
            return unversioned("", "not a valid image tag");
        }
        int plus = tag.indexOf('+');
        if (plus < 0) {
            return parse(tag, tag, null);
        }
        String build = tag.substring(plus + 1);
        if (plus == 0 || !validBuild(build)) {
            return unversioned(tag, "not a valid image tag (build metadata after \"+\" must be dot-separated "
                    + "letters, digits and hyphens)");
        }
        TagVersion v = parse(tag.substring(0, plus), tag, build);
        return v.isVersion() ? v : unversioned(tag, v.unversionedReason);
    }

    private static TagVersion parse(String tag, String written, String build) {
        if (!ImageReference.isTag(tag)) {
            return unversioned(tag, "not a valid image tag");
        }
        int n = tag.length();
        if (looksLikeSha(tag)) {
            return unversioned(tag, "looks like a commit SHA");
        }
        int i = 0;
        String prefix = "";
        char c0 = tag.charAt(0);
        if ((c0 == 'v' || c0 == 'V') && n > 1 && isDigit(tag.charAt(1))) {
            prefix = c0 == 'v' ? "v" : "V";
            i = 1;
        } else if (isLetter(c0)) {
            int j = 1;
            while (j < n && isLetter(tag.charAt(j))) {
                j++;
            }
            if (j + 1 < n && (tag.charAt(j) == '-' || tag.charAt(j) == '_') && isDigit(tag.charAt(j + 1))) {
                String word = tag.substring(0, j).toLowerCase(Locale.ROOT);
                if (REFERENCE_PREFIXES.contains(word)) {
                    return unversioned(tag, "a commit or build reference, not a version");
                }
                prefix = tag.substring(0, j + 1);
                i = j + 1;
            } else {
                return unversioned(tag, "not a version (a name such as latest, stable or alpine)");
            }
        } else if (!isDigit(c0)) {
            return unversioned(tag, "not a version");
        }

        // numeric core: N(.N){0,3}
        long[] buf = new long[MAX_PARTS];
        int count = 0;
        int firstDigits = 0;
        while (true) {
            int start = i;
            long v = 0;
            while (i < n && isDigit(tag.charAt(i))) {
                if (i - start >= MAX_DIGITS) {
                    return unversioned(tag, "a number with more than " + MAX_DIGITS + " digits");
                }
                v = v * 10 + (tag.charAt(i) - '0');
                i++;
            }
            if (count == MAX_PARTS) {
                return unversioned(tag, "more than " + MAX_PARTS + " numeric parts");
            }
            if (count == 0) {
                firstDigits = i - start;
            }
            buf[count++] = v;
            if (i + 1 < n && tag.charAt(i) == '.' && isDigit(tag.charAt(i + 1))) {
                i++;
                continue;
            }
            break;
        }

        // prerelease: attached (3.13.0b1, 17beta1) or separated (-rc.1, -beta, .dev3, -SNAPSHOT), then any further
        // SemVer identifiers separated by dots (-alpha.beta, -rc.1.2, -beta.x.7); a "-" after them starts a variant
        Prerelease.Label preLabel = null;
        long preNumber = -1;
        String preText = null;
        List<String> preIdentifiers = List.of();
        if (i < n) {
            char c = tag.charAt(i);
            int wordStart = isLetter(c) ? i : (c == '-' || c == '.') && i + 1 < n && isLetter(tag.charAt(i + 1)) ? i + 1 : -1;
            if (wordStart >= 0) {
                int wordEnd = wordStart;
                while (wordEnd < n && isLetter(tag.charAt(wordEnd))) {
                    wordEnd++;
                }
                List<String> identifiers = new ArrayList<>();
                int end = wordEnd;
                if (end < n && isDigit(tag.charAt(end))) {
                    // a number written on the word (rc1, M02, b1) counts as the first identifier after it
                    while (end < n && isDigit(tag.charAt(end))) {
                        end++;
                    }
                    identifiers.add(tag.substring(wordEnd, end));
                }
                boolean hasNumber = end > wordEnd || end + 1 < n && tag.charAt(end) == '.' && isDigit(tag.charAt(end + 1));
                Prerelease.Label label = Prerelease.label(tag, wordStart, wordEnd, hasNumber);
                if (label != null) {
                    while (end + 1 < n && tag.charAt(end) == '.' && isLetterOrDigit(tag.charAt(end + 1))) {
                        int s = end + 1;
                        end = s;
                        while (end < n && isLetterOrDigit(tag.charAt(end))) {
                            end++;
                        }
                        identifiers.add(tag.substring(s, end));
                    }
                }
                if (label != null && (end == n || !isLetterOrDigit(tag.charAt(end)))) {
                    preLabel = label;
                    preIdentifiers = List.copyOf(identifiers);
                    preNumber = !identifiers.isEmpty() && isNumeric(identifiers.get(0))
                            && identifiers.get(0).length() <= MAX_DIGITS ? Long.parseLong(identifiers.get(0)) : -1;
                    preText = tag.substring(wordStart, end);
                    i = end;
                } else if (c != '-') {
                    return unversioned(tag, "unrecognised text \"" + tag.substring(i) + "\" after the version");
                }
            } else if (c != '-' && c != '_') {
                return unversioned(tag, "unrecognised text \"" + tag.substring(i) + "\" after the version");
            }
        }

        // build revision right after the version: 21.0.1_12
        String revisionMarker = null;
        long revision = -1;
        if (i < n && tag.charAt(i) == '_') {
            int s = ++i;
            while (i < n && isDigit(tag.charAt(i)) && i - s < MAX_DIGITS) {
                i++;
            }
            if (i == s) {
                return unversioned(tag, "unrecognised text \"" + tag.substring(s - 1) + "\" after the version");
            }
            revisionMarker = "_";
            revision = Long.parseLong(tag, s, i, 10);
        }

        // variant, possibly ending in a revision (16.1.0-debian-12-r5, 1.2.3-r1, 1.2.3-2)
        String variant = "";
        if (i < n) {
            if (tag.charAt(i) != '-' || i + 1 == n) {
                return unversioned(tag, "unrecognised text \"" + tag.substring(i) + "\" after the version");
            }
            int vStart = i + 1;
            if (revisionMarker == null) {
                int lastDash = tag.lastIndexOf('-');
                int segStart = lastDash + 1;
                boolean onlySegment = lastDash == i;
                if (segStart < n && (tag.charAt(segStart) == 'r') && allDigits(tag, segStart + 1, n)) {
                    revisionMarker = "-r";
                    revision = Long.parseLong(tag, segStart + 1, n, 10);
                } else if (onlySegment && allDigits(tag, segStart, n)) {
                    revisionMarker = "-";
                    revision = Long.parseLong(tag, segStart, n, 10);
                }
                if (revisionMarker != null) {
                    variant = onlySegment ? "" : tag.substring(vStart, lastDash);
                } else {
                    variant = tag.substring(vStart);
                }
            } else {
                variant = tag.substring(vStart);
            }
        }

        long[] parts = new long[count];
        System.arraycopy(buf, 0, parts, 0, count);
        Scheme scheme = Scheme.SEMANTIC;
        boolean compact = false;
        if (firstDigits == 4 && parts[0] >= 1970 && parts[0] <= 2999) {
            scheme = Scheme.CALENDAR;
        } else if (count == 1 && firstDigits == 8 && isDate(parts[0])) {
            scheme = Scheme.CALENDAR;
            compact = true;
            parts = new long[] {parts[0] / 10000, parts[0] / 100 % 100, parts[0] % 100};
        }
        return new TagVersion(written, null, prefix, scheme, parts, compact, preLabel, preNumber, preText,
                preIdentifiers, revisionMarker, revision, variant, build);
    }

    // ---- accessors ----------------------------------------------------------------------------------------------

    public String tag() {
        return tag;
    }

    /** False for tags that are not versions ({@code latest}, {@code stable}, SHAs, ...). */
    public boolean isVersion() {
        return unversionedReason == null;
    }

    /** Why this tag is not a version; null when it is one. */
    public String unversionedReason() {
        return unversionedReason;
    }

    /** {@code ""}, {@code v}, {@code V} or a word with its separator ({@code jammy-}). */
    public String prefix() {
        return prefix;
    }

    public Scheme scheme() {
        return scheme;
    }

    /** How many numeric parts the tag was written with (a compact date {@code 20240115} counts as 3). */
    public int precision() {
        return parts.length;
    }

    /** Numeric part {@code i}, 0 when the tag has fewer parts. */
    public long part(int i) {
        return i < parts.length ? parts[i] : 0;
    }

    public List<Long> numbers() {
        List<Long> out = new ArrayList<>(parts.length);
        for (long p : parts) {
            out.add(p);
        }
        return out;
    }

    /** True for a date written without separators ({@code 20240115}). */
    public boolean compactDate() {
        return compactDate;
    }

    public boolean isPrerelease() {
        return preLabel != null;
    }

    /** The prerelease as written ({@code rc.1}, {@code b1}, {@code SNAPSHOT}); null for releases. */
    public String prerelease() {
        return preText;
    }

    /** The normalised prerelease label ({@code alpha}, {@code beta}, {@code rc}, ...); null for releases. */
    public String prereleaseLabel() {
        return preLabel == null ? null : preLabel.canonical();
    }

    /** The prerelease number ({@code rc.2} → 2); -1 when there is none. */
    public long prereleaseNumber() {
        return preNumber;
    }

    /**
     * The SemVer identifiers after the prerelease word: {@code alpha.beta} → [beta], {@code rc.1} and {@code rc1}
     * → [1], {@code beta} → []. Empty for releases.
     */
    public List<String> prereleaseIdentifiers() {
        return preIdentifiers;
    }

    /** SemVer build metadata after {@code +} ({@code 1.2.3+build.5} → {@code build.5}); null when there is none. */
    public String build() {
        return build;
    }

    int preRank() {
        return preLabel == null ? Integer.MAX_VALUE : preLabel.rank();
    }

    public boolean hasRevision() {
        return revisionMarker != null;
    }

    /** The build revision ({@code -r5}, {@code _12}); -1 when there is none. */
    public long revision() {
        return revision;
    }

    /** How the revision was written: {@code _}, {@code -r} or {@code -}; null when there is none. */
    public String revisionMarker() {
        return revisionMarker;
    }

    /** The variant suffix ({@code alpine}, {@code slim-bookworm}); {@code ""} when there is none. */
    public String variant() {
        return variant;
    }

    /** True when both tags are written the same way: prefix, scheme, precision and revision style. */
    boolean sameShape(TagVersion o) {
        return parts.length == o.parts.length && compactDate == o.compactDate
                && java.util.Objects.equals(revisionMarker, o.revisionMarker);
    }

    /** A description for output: {@code 1.25.3 (prefix v, prerelease rc.1, variant alpine)}. */
    public String describe() {
        if (!isVersion()) {
            return "not a version: " + unversionedReason;
        }
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < parts.length; k++) {
            if (k > 0) {
                sb.append('.');
            }
            sb.append(parts[k]);
        }
        sb.append(" (").append(parts.length).append(parts.length == 1 ? " part" : " parts");
        if (scheme == Scheme.CALENDAR) {
            sb.append(compactDate ? ", calendar date" : ", calendar");
        }
        if (!prefix.isEmpty()) {
            sb.append(", prefix ").append(prefix);
        }
        if (preText != null) {
            sb.append(", prerelease ").append(preText);
        }
        if (revisionMarker != null) {
            sb.append(", revision ").append(revision);
        }
        if (!variant.isEmpty()) {
            sb.append(", variant ").append(variant);
        }
        if (build != null) {
            sb.append(", build ").append(build);
        }
        return sb.append(')').toString();
    }

    @Override
    public String toString() {
        return tag;
    }

    // ---- character classes --------------------------------------------------------------------------------------

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isLetterOrDigit(char c) {
        return isDigit(c) || isLetter(c);
    }

    static boolean isNumeric(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int k = 0; k < s.length(); k++) {
            if (!isDigit(s.charAt(k))) {
                return false;
            }
        }
        return true;
    }

    /** SemVer build metadata: dot-separated, non-empty identifiers of letters, digits and hyphens. */
    private static boolean validBuild(String b) {
        if (b.isEmpty() || b.length() > 128) {
            return false;
        }
        for (String id : b.split("\\.", -1)) {
            if (id.isEmpty()) {
                return false;
            }
            for (int k = 0; k < id.length(); k++) {
                char c = id.charAt(k);
                if (!isLetterOrDigit(c) && c != '-') {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean allDigits(String s, int from, int to) {
        if (from >= to || to - from > MAX_DIGITS) {
            return false;
        }
        for (int k = from; k < to; k++) {
            if (!isDigit(s.charAt(k))) {
                return false;
            }
        }
        return true;
    }

    /** 7–64 lower-case hex characters with at least one letter and one digit. */
    private static boolean looksLikeSha(String tag) {
        int n = tag.length();
        if (n < 7 || n > 64) {
            return false;
        }
        boolean letter = false;
        boolean digit = false;
        for (int k = 0; k < n; k++) {
            char c = tag.charAt(k);
            if (isDigit(c)) {
                digit = true;
            } else if (c >= 'a' && c <= 'f') {
                letter = true;
            } else {
                return false;
            }
        }
        return letter && digit;
    }

    private static boolean isDate(long yyyymmdd) {
        long y = yyyymmdd / 10000;
        long m = yyyymmdd / 100 % 100;
        long d = yyyymmdd % 100;
        return y >= 1970 && y <= 2999 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
    }
}
