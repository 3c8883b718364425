package dev.safeupdater.version;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.semver4j.Semver;

/** SemVer 2.0 precedence: semver.org's example list exactly, and agreement with semver4j on generated versions. */
class SemverPrecedenceTest {

    private static final List<String> SEMVER_ORG = List.of("1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
            "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0");

    private static int ours(String a, String b) {
        return Integer.signum(VersionOrder.compare(TagVersion.parse(a), TagVersion.parse(b)));
    }

    @Test
    void ordersSemverOrgsPrecedenceExampleExactly() {
        for (String tag : SEMVER_ORG) {
            assertTrue(TagVersion.parse(tag).isVersion(), tag + ": " + TagVersion.parse(tag).unversionedReason());
        }
        List<String> shuffled = new ArrayList<>(SEMVER_ORG);
        Collections.shuffle(shuffled, new Random(11));
        shuffled.sort(SemverPrecedenceTest::ours);
        assertEquals(SEMVER_ORG, shuffled);
        for (int i = 0; i < SEMVER_ORG.size(); i++) {
            for (int j = 0; j < SEMVER_ORG.size(); j++) {
                assertEquals(Integer.signum(Integer.compare(i, j)), ours(SEMVER_ORG.get(i), SEMVER_ORG.get(j)),
                        SEMVER_ORG.get(i) + " vs " + SEMVER_ORG.get(j));
            }
        }
    }

    @Test
    void buildMetadataIsKeptButDoesNotOrder() {
        TagVersion v = TagVersion.parse("1.0.0-alpha+001");
        assertEquals("alpha", v.prerelease());
        assertEquals("001", v.build());
        assertEquals(0, ours("1.0.0+20130313144700", "1.0.0+exp.sha.5114f85"));
        assertEquals(-1, ours("1.0.0-beta+exp.sha.5114f85", "1.0.0"));
        assertFalse(ChangeClassifier.isValidTag("1.0.0+build"), "an OCI image tag cannot carry '+'");
    }

    /**
     * SemVer 2.0 §11.4.3: an identifier with a letter is alphanumeric, and numeric identifiers rank below it, even
     * when it starts with a digit ({@code 0a}). semver4j 6.0.0 reads {@code 0a} as a number here, so the generated
     * versions below leave such identifiers out.
     */
    @Test
    void identifierWithALetterIsAlphanumericEvenWhenItStartsWithADigit() {
        assertEquals(-1, ours("0.1.6-alpha.1", "0.1.6-alpha.0a.9"));
        assertEquals(-1, ours("1.0.0-rc.999", "1.0.0-rc.0a"));
    }

    /** Every pair of a few hundred generated SemVer versions compares the same way as semver4j compares them. */
    @Test
    void agreesWithSemver4jOnGeneratedVersions() {
        Random random = new Random(2026);
        String[] labels = {"alpha", "beta", "rc"};
        String[] words = {"alpha", "beta", "rc", "x", "y2", "z", "b", "Beta", "x-y", "zz9"};
        List<String> versions = new ArrayList<>(SEMVER_ORG);
        while (versions.size() < 400) {
            StringBuilder v = new StringBuilder();
            v.append(random.nextInt(3)).append('.').append(random.nextInt(3)).append('.').append(random.nextInt(12));
            if (random.nextInt(4) > 0) {
                v.append('-').append(labels[random.nextInt(labels.length)]);
                int more = random.nextInt(4);
                for (int k = 0; k < more; k++) {
                    v.append('.');
                    if (random.nextBoolean()) {
                        v.append(random.nextInt(random.nextBoolean() ? 3 : 30));
                    } else {
                        v.append(words[random.nextInt(words.length)].replace("-", ""));
                    }
                }
            }
            if (random.nextInt(5) == 0) {
                v.append("+build.").append(random.nextInt(100));
            }
            versions.add(v.toString());
        }
        int compared = 0;
        for (String a : versions) {
            Semver sa = Semver.parse(a);
            assertNotNull(sa, a + " is valid SemVer");
            TagVersion ta = TagVersion.parse(a);
            assertTrue(ta.isVersion(), a + ": " + ta.unversionedReason());
            for (String b : versions) {
                int theirs = Integer.signum(sa.compareTo(Semver.parse(b)));
                assertEquals(theirs, ours(a, b), a + " vs " + b);
                compared++;
            }
        }
        assertEquals(400 * 400, compared);
    }
}
