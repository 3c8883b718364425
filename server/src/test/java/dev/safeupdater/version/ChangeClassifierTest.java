package dev.safeupdater.version;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import dev.safeupdater.model.ChangeType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.semver4j.Semver;

class ChangeClassifierTest {
    private static final String D1 = "sha256:" + "a".repeat(64);
    private static final String D2 = "sha256:" + "b".repeat(64);

    @ParameterizedTest(name = "{0} -> {1}: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            1.25.3          | 1.25.4          | PATCH
            1.25.3          | 1.26.0          | MINOR
            1.25.3          | 2.0.0           | MAJOR
            1.25.3          | 1.25.2          | DOWNGRADE
            1.25.3-alpine   | 1.26.0-alpine   | MINOR
            16              | 17              | MAJOR
            16              | 15              | DOWNGRADE
            16.1            | 16.3            | MINOR
            16.1            | 17.0            | MAJOR
            5.0.0.1         | 5.0.0.2         | PATCH
            1.0.0-rc.1      | 1.0.0-rc.2      | PRERELEASE
            1.0.0-rc.1      | 1.0.0           | PRERELEASE
            1.0.0           | 1.0.0-rc.1      | DOWNGRADE
            3.13.0b1        | 3.13.0rc1       | PRERELEASE
            3.13.0rc1       | 3.13.1          | PATCH
            16.1.0-debian-12-r5 | 16.1.0-debian-12-r6 | PATCH
            2024.01.15      | 2024.02.01      | MINOR
            2024.01.15      | 2025.01.01      | MAJOR
            jammy-20240111  | jammy-20240212  | MINOR
            v1.2.3          | v1.3.0          | MINOR
            v1.2.3          | 1.3.0           | UNKNOWN
            1.2.3           | 2024.1.0        | UNKNOWN
            latest          | 1.2.3           | UNKNOWN
            1.2.3           | stable          | UNKNOWN
            1.25.3          | 1.25.3-alpine   | UNKNOWN
            """)
    void classifiesByTheFirstNumericPartThatDiffers(String from, String to, ChangeType expected) {
        assertEquals(expected, ChangeClassifier.classify(from, D1, to, D2));
    }

    @Test
    void sameTagIsNoneOrDigest() {
        assertEquals(ChangeType.NONE, ChangeClassifier.classify("1.2.3", D1, "1.2.3", D1));
        assertEquals(ChangeType.DIGEST, ChangeClassifier.classify("1.2.3", D1, "1.2.3", D2));
        assertEquals(ChangeType.DIGEST, ChangeClassifier.classify("latest", D1, "latest", D2));
        assertEquals(ChangeType.NONE, ChangeClassifier.classify("latest", null, "latest", D2));
    }

    @Test
    void prereleaseAndValidity() {
        assertTrue(ChangeClassifier.isPrerelease("1.3.0-rc.1"));
        assertTrue(ChangeClassifier.isPrerelease("3.13.0b1-slim"));
        assertTrue(ChangeClassifier.isPrerelease("2.0.0-SNAPSHOT"));
        assertFalse(ChangeClassifier.isPrerelease("1.25.3-alpine"));
        assertFalse(ChangeClassifier.isPrerelease("latest"));
        assertTrue(ChangeClassifier.isValidTag("1.25.3-alpine"));
        assertFalse(ChangeClassifier.isValidTag("1.2.3+build"));
        assertFalse(ChangeClassifier.isValidTag(".hidden"));
        assertFalse(ChangeClassifier.isValidTag("x".repeat(129)));
    }

    @Test
    void mutableTagsAreFollowedByDigest() {
        for (String exact : List.of("1.25.3", "1.25.3-alpine", "16.1.0-debian-12-r5", "2024.01.15", "v2.11.0-rc.2")) {
            assertTrue(ChangeClassifier.isExactVersion(exact), exact);
        }
        for (String mutable : List.of("latest", "stable", "1.25", "16", "1.25-alpine", "mainline-alpine")) {
            assertFalse(ChangeClassifier.isExactVersion(mutable), mutable);
        }
        String a = "sha256:" + "a".repeat(64);
        String b = "sha256:" + "b".repeat(64);
        assertTrue(ChangeClassifier.isDigestCandidate("latest", a, b));
        assertTrue(ChangeClassifier.isDigestCandidate("1.25", a, b));
        assertFalse(ChangeClassifier.isDigestCandidate("latest", a, a), "the same image");
        assertFalse(ChangeClassifier.isDigestCandidate("latest", null, b), "the running digest is not known");
        assertFalse(ChangeClassifier.isDigestCandidate("latest", a, null), "the registry's digest is not known");
    }

    /** On strict SemVer tags with the usual labels, the order agrees with semver4j's. */
    @Test
    void agreesWithSemver4jOnStrictSemver() {
        List<String> tags = new ArrayList<>();
        String[] pres = {"", "-alpha", "-alpha.1", "-alpha.3", "-beta", "-beta.2", "-beta.11", "-rc.1", "-rc.2", "-rc.10"};
        for (int major = 0; major < 3; major++) {
            for (int minor : new int[] {0, 1, 9, 10}) {
                for (int patch : new int[] {0, 2, 10}) {
                    for (String pre : pres) {
                        tags.add(major + "." + minor + "." + patch + pre);
                    }
                }
            }
        }
        Collections.shuffle(tags, new Random(7));
        List<String> ours = new ArrayList<>(tags);
        ours.sort((a, b) -> VersionOrder.compare(TagVersion.parse(a), TagVersion.parse(b)));
        List<String> theirs = new ArrayList<>(tags);
        theirs.sort((a, b) -> Semver.parse(a).compareTo(Semver.parse(b)));
        assertEquals(theirs, ours);
    }
}
