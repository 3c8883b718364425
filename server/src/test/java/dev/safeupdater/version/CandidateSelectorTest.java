package dev.safeupdater.version;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Candidate selection, table-driven. Each row: the current tag, whether prereleases are allowed, the available tags
 * (as the image publishes them, unsorted), the expected patch / minor / major / prerelease candidates ("-" for none)
 * and some of the ignored tags with the expected reason code.
 */
class CandidateSelectorTest {

    @ParameterizedTest(name = "{0} among {2}")
    @CsvSource(delimiter = '|', textBlock = """
            # nginx: the variant is kept; alpine never becomes Debian, alpine-slim or alpine3.19
            1.25.3-alpine | false | 1.25.3-alpine 1.25.4-alpine 1.25.5-alpine 1.26.0-alpine 1.26.2-alpine 1.26.0 1.26.0-alpine-slim 1.27.0-alpine3.19 1.27.0-alpine 2.0.0-alpine mainline-alpine latest 1.24.0-alpine 1.25.5 | 1.25.5-alpine | 1.27.0-alpine | 2.0.0-alpine | - | 1.26.0=VARIANT_DIFFERS 1.26.2-alpine=NOT_NEWEST 1.26.0-alpine-slim=VARIANT_DIFFERS 1.27.0-alpine3.19=VARIANT_DIFFERS mainline-alpine=NOT_A_VERSION latest=NOT_A_VERSION 1.24.0-alpine=OLDER 1.25.4-alpine=NOT_NEWEST 1.26.0-alpine=NOT_NEWEST 1.25.3-alpine=CURRENT 1.25.5=VARIANT_DIFFERS
            1.25.3        | false | 1.25 1.26 1.25.4 1.26.1 1 mainline stable 1.25.4-perl 1.25.10 1.25.9 | 1.25.10 | 1.26.1 | - | - | 1.25=PRECISION_DIFFERS 1.26=PRECISION_DIFFERS 1=PRECISION_DIFFERS 1.25.4-perl=VARIANT_DIFFERS 1.25.9=NOT_NEWEST stable=NOT_A_VERSION
            # postgres: precision kept (16.1 goes to 16.3, not 16.3.1), prereleases skipped
            16.1          | false | 16.3 16.3.1 16.2 17.0 17 17beta1 17rc1 16.1-alpine 18.1 | - | 16.3 | 18.1 | - | 16.3.1=PRECISION_DIFFERS 17=PRECISION_DIFFERS 17beta1=PRECISION_DIFFERS 16.2=NOT_NEWEST 16.1-alpine=VARIANT_DIFFERS 17.0=NOT_NEWEST
            16            | false | 17 18 17beta1 18rc1 16.1 15 19beta2 | - | - | 18 | - | 19beta2=PRERELEASE 18rc1=PRERELEASE 17beta1=PRERELEASE 17=NOT_NEWEST 15=OLDER 16.1=PRECISION_DIFFERS
            # redis: milestones and release candidates are prereleases
            7.2.4-alpine  | false | 7.2.5-alpine 7.4-rc2-alpine 7.4.0-rc2-alpine 7.4.0-alpine 8.0-M02-alpine 8.0.0-alpine3.20 | 7.2.5-alpine | 7.4.0-alpine | - | - | 7.4.0-rc2-alpine=PRERELEASE 7.4-rc2-alpine=PRECISION_DIFFERS 8.0.0-alpine3.20=VARIANT_DIFFERS
            7.2.4-alpine  | true  | 7.2.5-alpine 7.4.0-rc2-alpine 8.0.0-M02-alpine 8.0.0-rc1-alpine | 7.2.5-alpine | 7.4.0-rc2-alpine | 8.0.0-rc1-alpine | - | 8.0.0-M02-alpine=NOT_NEWEST
            # node: slim variants and alpine versions are variants
            20.11.0-bookworm-slim | false | 20.11.1-bookworm-slim 20.11.1-slim 20.12.2-bookworm-slim 21.7.3-bookworm-slim 22.0.0-rc.1-bookworm-slim 20.11.1-bullseye-slim | 20.11.1-bookworm-slim | 20.12.2-bookworm-slim | 21.7.3-bookworm-slim | - | 20.11.1-slim=VARIANT_DIFFERS 20.11.1-bullseye-slim=VARIANT_DIFFERS
            20-alpine     | false | 20-alpine 21-alpine 22-alpine 22-alpine3.19 22.1-alpine 22 | - | - | 22-alpine | - | 22-alpine3.19=VARIANT_DIFFERS 22.1-alpine=PRECISION_DIFFERS 22=VARIANT_DIFFERS 21-alpine=NOT_NEWEST
            # python: PEP 440 prereleases; a current prerelease may move to its release or a newer stable version
            3.12.1-slim   | false | 3.12.2-slim 3.13.0b1-slim 3.13.0rc2-slim 3.13.0-slim 3.13.1-slim-bookworm | 3.12.2-slim | 3.13.0-slim | - | - | 3.13.0b1-slim=PRERELEASE 3.13.0rc2-slim=PRERELEASE 3.13.1-slim-bookworm=VARIANT_DIFFERS
            3.13.0rc1     | false | 3.13.0rc2 3.13.0 3.13.1 3.14.0a1 3.14.0 3.12.7 | 3.13.1 | 3.14.0 | - | 3.13.0 | 3.13.0rc2=PRERELEASE 3.14.0a1=PRERELEASE 3.12.7=OLDER
            3.13.0rc1     | true  | 3.13.0rc2 3.13.0b3 | - | - | - | 3.13.0rc2 | 3.13.0b3=OLDER
            3.13.0rc1     | true  | 3.13.0rc2 3.13.0 | - | - | - | 3.13.0 | 3.13.0rc2=NOT_NEWEST
            # bitnami: the revision moves as a patch; a revision-less tag has another precision
            16.1.0-debian-12-r5 | false | 16.1.0-debian-12-r6 16.1.0-debian-12-r14 16.1.1-debian-12-r0 16.2.0-debian-12-r3 16.1.0 16.1.1 16.1.0-debian-11-r9 | 16.1.1-debian-12-r0 | 16.2.0-debian-12-r3 | - | - | 16.1.0-debian-12-r14=NOT_NEWEST 16.1.0=PRECISION_DIFFERS 16.1.0-debian-11-r9=VARIANT_DIFFERS
            16.1.0-debian-12-r5 | false | 16.1.0-debian-12-r6 16.1.0-debian-12-r4 | 16.1.0-debian-12-r6 | - | - | - | 16.1.0-debian-12-r4=OLDER
            # calendar versions never mix with semantic ones
            2024.01.15    | false | 2024.01.20 2024.02.01 2025.01.01 1.2.3 2024.1 20240301 | 2024.01.20 | 2024.02.01 | 2025.01.01 | - | 1.2.3=SCHEME_DIFFERS 2024.1=PRECISION_DIFFERS 20240301=PRECISION_DIFFERS
            1.9.0         | false | 1.10.0 2024.1.0 | - | 1.10.0 | - | - | 2024.1.0=SCHEME_DIFFERS
            jammy-20240111 | false | jammy-20240125 jammy-20240212 noble-20240225 jammy latest 20240301 | jammy-20240125 | jammy-20240212 | - | - | noble-20240225=PREFIX_DIFFERS jammy=NOT_A_VERSION 20240301=PREFIX_DIFFERS
            # single-number tags: only major moves
            8             | false | 9 10 8.1 11-rc1 7 | - | - | 10 | - | 8.1=PRECISION_DIFFERS 11-rc1=PRERELEASE 7=OLDER 9=NOT_NEWEST
            # v-prefixed: the prefix is kept
            v1.2.3        | false | v1.2.4 1.2.5 v1.3.0 v2.0.0-rc.1 v2.0.0-beta.3 V1.9.9 | v1.2.4 | v1.3.0 | - | - | 1.2.5=PREFIX_DIFFERS V1.9.9=PREFIX_DIFFERS v2.0.0-rc.1=PRERELEASE
            v1.2.3        | true  | v2.0.0-beta.3 v2.0.0-rc.1 | - | - | v2.0.0-rc.1 | - | v2.0.0-beta.3=NOT_NEWEST
            # temurin: build numbers
            21.0.1_12-jdk-jammy | false | 21.0.1_12-jdk-jammy 21.0.2_13-jdk-jammy 21.0.2_13-jre-jammy 22.0.1_8-jdk-jammy 21-jdk-jammy | 21.0.2_13-jdk-jammy | - | 22.0.1_8-jdk-jammy | - | 21.0.2_13-jre-jammy=VARIANT_DIFFERS 21-jdk-jammy=PRECISION_DIFFERS 21.0.1_12-jdk-jammy=CURRENT
            # 4-part versions: the fourth part is a patch
            5.0.0.1       | false | 5.0.0.2 5.0.1.0 5.1.0.0 | 5.0.1.0 | 5.1.0.0 | - | - | 5.0.0.2=NOT_NEWEST
            # unversioned current: followed by digest, nothing is a candidate
            latest        | false | 1.0 1.1 latest | - | - | - | - | 1.0=CURRENT_NOT_A_VERSION latest=CURRENT
            """)
    void selectsTheNewestCompatibleCandidatePerClass(String current, boolean allowPrerelease, String available,
                                                     String patch, String minor, String major, String prerelease,
                                                     String ignored) {
        List<String> tags = Arrays.asList(available.trim().split("\\s+"));
        Selection s = CandidateSelector.select(current, tags, allowPrerelease);
        assertEquals(expected(patch), tag(s.candidate(ChangeClass.PATCH)), "patch");
        assertEquals(expected(minor), tag(s.candidate(ChangeClass.MINOR)), "minor");
        assertEquals(expected(major), tag(s.candidate(ChangeClass.MAJOR)), "major");
        assertEquals(expected(prerelease), tag(s.candidate(ChangeClass.PRERELEASE)), "prerelease");

        Map<String, IgnoreReason> actual = s.ignored().stream()
                .collect(Collectors.toMap(Selection.Ignored::tag, Selection.Ignored::code, (a, b) -> a,
                        LinkedHashMap::new));
        for (String pair : ignored.trim().split("\\s+")) {
            String[] kv = pair.split("=");
            assertEquals(IgnoreReason.valueOf(kv[1]), actual.get(kv[0]), "reason for " + kv[0] + " in " + actual);
        }
        // every available tag is either a candidate or ignored, exactly once
        long chosen = s.candidates().size();
        assertEquals(tags.stream().distinct().count(), chosen + actual.size(), "every tag accounted for");
    }

    @Test
    void reasonsAreSentencesAUserCanAct() {
        Selection s = CandidateSelector.select("1.25.3-alpine",
                List.of("1.26.0", "1.27.0-alpine3.19", "v1.26.0-alpine", "1.26-alpine", "1.26.0-rc.1-alpine",
                        "1.26.0-alpine", "1.26.1-alpine", "latest"), false);
        Map<String, String> reasons = s.ignored().stream()
                .collect(Collectors.toMap(Selection.Ignored::tag, Selection.Ignored::reason));
        assertEquals("variant differs: none (current: alpine)", reasons.get("1.26.0"));
        assertEquals("variant differs: alpine3.19 (current: alpine)", reasons.get("1.27.0-alpine3.19"));
        assertEquals("prefix differs: v (current: none)", reasons.get("v1.26.0-alpine"));
        assertEquals("precision differs: 2 parts (current: 3 parts)", reasons.get("1.26-alpine"));
        assertEquals("prerelease rc.1 (prereleases not allowed)", reasons.get("1.26.0-rc.1-alpine"));
        assertEquals("not the newest minor candidate (1.26.1-alpine is)", reasons.get("1.26.0-alpine"));
        assertTrue(reasons.get("latest").startsWith("not a version"), reasons.get("latest"));
    }

    @Test
    void duplicatesCountOnce() {
        Selection s = CandidateSelector.select("1.0.0", List.of("1.0.1", "1.0.1", "1.0.0"), false);
        assertEquals("1.0.1", tag(s.candidate(ChangeClass.PATCH)));
        assertEquals(1, s.ignored().size());
    }

    @Test
    void emptyAvailableListHasNoCandidates() {
        Selection s = CandidateSelector.select("1.0.0", List.of(), false);
        assertNull(s.candidate(ChangeClass.PATCH));
        assertTrue(s.ignored().isEmpty());
    }

    private static String expected(String cell) {
        return cell.equals("-") ? null : cell;
    }

    private static String tag(TagVersion v) {
        return v == null ? null : v.tag();
    }
}
