package dev.safeupdater.version;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The tag grammar, one real-world tag family after another (tags as those images publish them). */
class TagVersionTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # nginx
            1.25.3                     | 1.25.3 (3 parts)
            1.25                       | 1.25 (2 parts)
            1                          | 1 (1 part)
            1.25.3-alpine              | 1.25.3 (3 parts, variant alpine)
            1.25.3-alpine-slim         | 1.25.3 (3 parts, variant alpine-slim)
            1.25.3-alpine3.18-perl     | 1.25.3 (3 parts, variant alpine3.18-perl)
            1.25.3-bookworm-perl       | 1.25.3 (3 parts, variant bookworm-perl)
            1.27.0-otel                | 1.27.0 (3 parts, variant otel)
            # redis
            7.2.4-bookworm             | 7.2.4 (3 parts, variant bookworm)
            7.4-rc2-alpine             | 7.4 (2 parts, prerelease rc2, variant alpine)
            8.0-M02                    | 8.0 (2 parts, prerelease M02)
            8.0-M02-alpine3.20         | 8.0 (2 parts, prerelease M02, variant alpine3.20)
            # node
            20.11.0-bookworm-slim      | 20.11.0 (3 parts, variant bookworm-slim)
            20.11-alpine3.19           | 20.11 (2 parts, variant alpine3.19)
            20-alpine                  | 20 (1 part, variant alpine)
            22.0.0-rc.1                | 22.0.0 (3 parts, prerelease rc.1)
            # python (PEP 440 prereleases written on the number)
            3.13.0b1                   | 3.13.0 (3 parts, prerelease b1)
            3.13.0a4-slim-bookworm     | 3.13.0 (3 parts, prerelease a4, variant slim-bookworm)
            3.13.0rc1-alpine3.20       | 3.13.0 (3 parts, prerelease rc1, variant alpine3.20)
            3.12.1-windowsservercore-ltsc2022 | 3.12.1 (3 parts, variant windowsservercore-ltsc2022)
            3-slim                     | 3 (1 part, variant slim)
            1.0.dev3                   | 1.0 (2 parts, prerelease dev3)
            # postgres
            16.1                       | 16.1 (2 parts)
            16.1-bookworm              | 16.1 (2 parts, variant bookworm)
            17beta1                    | 17 (1 part, prerelease beta1)
            17rc1-alpine3.20           | 17 (1 part, prerelease rc1, variant alpine3.20)
            # bitnami (revision after the variant)
            16.1.0-debian-12-r5        | 16.1.0 (3 parts, revision 5, variant debian-12)
            1.25.3-debian-12-r14       | 1.25.3 (3 parts, revision 14, variant debian-12)
            3.19.1-r0                  | 3.19.1 (3 parts, revision 0)
            2.4.1-1                    | 2.4.1 (3 parts, revision 1)
            # eclipse-temurin (build number after an underscore)
            21.0.1_12-jdk-jammy        | 21.0.1 (3 parts, revision 12, variant jdk-jammy)
            17.0.9_9-jre-alpine        | 17.0.9 (3 parts, revision 9, variant jre-alpine)
            # v-prefixed, word-prefixed
            v1.2.3                     | 1.2.3 (3 parts, prefix v)
            v2.11.0-rc.2               | 2.11.0 (3 parts, prefix v, prerelease rc.2)
            V3                         | 3 (1 part, prefix V)
            jammy-20240111             | 2024.1.11 (3 parts, calendar date, prefix jammy-)
            release-1.4                | 1.4 (2 parts, prefix release-)
            # calendar versions
            2024.01.15                 | 2024.1.15 (3 parts, calendar)
            2024.1.0b3                 | 2024.1.0 (3 parts, calendar, prerelease b3)
            2022-latest                | 2022 (1 part, calendar, variant latest)
            20240115                   | 2024.1.15 (3 parts, calendar date)
            24.04                      | 24.4 (2 parts)
            # four parts, SemVer-ish prereleases
            5.0.0.1                    | 5.0.0.1 (4 parts)
            1.0.0-alpha                | 1.0.0 (3 parts, prerelease alpha)
            1.0.0-beta.2               | 1.0.0 (3 parts, prerelease beta.2)
            2.0.0-SNAPSHOT             | 2.0.0 (3 parts, prerelease SNAPSHOT)
            1.5.0-nightly              | 1.5.0 (3 parts, prerelease nightly)
            9.0.0-preview.3            | 9.0.0 (3 parts, prerelease preview.3)
            22-ea                      | 22 (1 part, prerelease ea)
            # the full SemVer 2.0 prerelease and build grammar (semver.org's own examples)
            1.0.0-alpha.beta           | 1.0.0 (3 parts, prerelease alpha.beta)
            1.0.0-alpha.1              | 1.0.0 (3 parts, prerelease alpha.1)
            1.0.0-rc.1.2.x7            | 1.0.0 (3 parts, prerelease rc.1.2.x7)
            1.0.0-beta.x.7.z.92-alpine | 1.0.0 (3 parts, prerelease beta.x.7.z.92, variant alpine)
            1.0.0-alpha+001            | 1.0.0 (3 parts, prerelease alpha, build 001)
            1.0.0+20130313144700       | 1.0.0 (3 parts, build 20130313144700)
            1.0.0-beta+exp.sha.5114f85 | 1.0.0 (3 parts, prerelease beta, build exp.sha.5114f85)
            1.0.0+21AF26D3----117B344092BD | 1.0.0 (3 parts, build 21AF26D3----117B344092BD)
            """)
    void parsesVersions(String tag, String expected) {
        TagVersion v = TagVersion.parse(tag);
        assertTrue(v.isVersion(), () -> tag + " should be a version, got: " + v.unversionedReason());
        assertEquals(expected, v.describe());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            latest                    | a name
            stable                    | a name
            mainline-alpine           | a name
            stable-alpine3.19-perl    | a name
            lts-iron                  | a name
            alpine                    | a name
            bookworm                  | a name
            a1b2c3d                   | commit SHA
            3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39 | commit SHA
            sha-1234567               | commit or build reference
            pr-42                     | commit or build reference
            1.2.3.4.5                 | more than 4 numeric parts
            1.21.1alpine              | unrecognised text
            1.0.post1                 | unrecognised text
            1.2.3_                    | unrecognised text
            1.2.3-                    | unrecognised text
            12345678901234567890      | more than 18 digits
            -1.2                      | not a valid image tag
            1.2.3+                    | build metadata
            1.2.3+a..b                | build metadata
            1.2.3+a_b                 | build metadata
            latest+build              | a name
            """)
    void recognisesTagsThatAreNotVersions(String tag, String reason) {
        TagVersion v = TagVersion.parse(tag);
        assertFalse(v.isVersion(), () -> tag + " should not be a version: " + v.describe());
        assertTrue(v.unversionedReason().contains(reason), () -> tag + ": " + v.unversionedReason());
    }

    @Test
    void ordersNumericallyPerPartAndReleasesAbovePrereleases() {
        List<String> ascending = List.of("1.0.0-dev", "1.0.0-alpha", "1.0.0-alpha.2", "1.0.0-beta", "1.0.0-beta.11",
                "1.0.0-M1", "1.0.0-preview.3", "1.0.0-rc.1", "1.0.0-rc.2", "1.0.0-rc.10", "1.0.0", "1.0.1", "1.0.10",
                "1.2.0", "1.9.0", "1.10.0", "2.0.0");
        for (int i = 0; i + 1 < ascending.size(); i++) {
            TagVersion a = TagVersion.parse(ascending.get(i));
            TagVersion b = TagVersion.parse(ascending.get(i + 1));
            assertTrue(VersionOrder.compare(a, b) < 0, a + " < " + b);
            assertTrue(VersionOrder.compare(b, a) > 0, b + " > " + a);
        }
        // PEP 440 spelling sorts the same way
        assertTrue(VersionOrder.compare(TagVersion.parse("3.13.0a4"), TagVersion.parse("3.13.0b1")) < 0);
        assertTrue(VersionOrder.compare(TagVersion.parse("3.13.0rc3"), TagVersion.parse("3.13.0")) < 0);
        assertTrue(VersionOrder.compare(TagVersion.parse("1.0.dev3"), TagVersion.parse("1.0a1")) < 0);
        assertEquals(0, VersionOrder.compare(TagVersion.parse("3.13.0b1"), TagVersion.parse("3.13.0-beta.1")));
        // revisions order after the version
        assertTrue(VersionOrder.compare(TagVersion.parse("16.1.0-debian-12-r5"),
                TagVersion.parse("16.1.0-debian-12-r14")) < 0);
        assertTrue(VersionOrder.compare(TagVersion.parse("16.1.0-debian-12-r14"),
                TagVersion.parse("16.1.1-debian-12-r0")) < 0);
    }

    @Test
    void newestFirstPutsUnversionedTagsLast() {
        TagSet set = TagSet.of(List.of("latest", "1.9", "1.10", "stable", "1.10-alpine", "1.2"));
        assertEquals(List.of("1.10", "1.10-alpine", "1.9", "1.2", "latest", "stable"),
                set.newestFirst().stream().map(TagVersion::tag).toList());
    }
}
