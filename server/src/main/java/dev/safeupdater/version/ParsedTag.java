package dev.safeupdater.version;

import java.util.List;

/**
 * A parsed tag for output (API and CLI JSON): {@code kind} VERSION or UNVERSIONED; for versions the prefix, the
 * numbers and their precision, the scheme, prerelease, revision, variant and SemVer build metadata; for the rest, why it is not a version.
 */
public record ParsedTag(String tag, String kind, String prefix, List<Long> numbers, Integer precision, String scheme,
                        String prerelease, Long revision, String variant, String note, String build) {

    public static ParsedTag of(TagVersion v) {
        if (!v.isVersion()) {
            return new ParsedTag(v.tag(), "UNVERSIONED", null, null, null, null, null, null, null,
                    v.unversionedReason() + "; followed by digest", null);
        }
        return new ParsedTag(v.tag(), "VERSION", v.prefix(), v.numbers(), v.precision(), v.scheme().name(),
                v.prerelease(), v.hasRevision() ? v.revision() : null, v.variant(), null, v.build());
    }
}
