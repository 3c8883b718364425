package dev.safeupdater.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import dev.safeupdater.model.AssetKey;
import dev.safeupdater.model.Candidate;
import dev.safeupdater.model.ChangeType;
import dev.safeupdater.testing.TestPaths;
import org.junit.jupiter.api.Test;

/** Policy files as owners write them: what is accepted, what is refused and where, which scope wins. */
class PolicyParserTest {

    private static PolicySet parse(String... nameAndContent) throws RuleSetException {
        Map<String, byte[]> files = new java.util.TreeMap<>();
        for (int i = 0; i < nameAndContent.length; i += 2) {
            files.put(nameAndContent[i], nameAndContent[i + 1].getBytes(StandardCharsets.UTF_8));
        }
        return PolicyParser.parse(files, "policies");
    }

    private static List<String> refused(String... nameAndContent) {
        RuleSetException e = assertThrows(RuleSetException.class, () -> parse(nameAndContent));
        return e.messages().stream().map(RuleMessage::toString).toList();
    }

    static Candidate candidate(String cluster, String namespace, String kind, String name, String image,
                               Map<String, String> labels) {
        return new Candidate(new AssetKey("kubernetes", cluster, namespace, kind, name, "app"), labels, Map.of(),
                image, "1.0.0", null, "1.0.1", null, ChangeType.PATCH, false, null, null, false);
    }

    @Test
    void shippedPoliciesParseWithEveryKnob() throws Exception {
        PolicySet set = PolicyParser.parse(TestPaths.policies());
        ScopePolicy critical = set.scope("prod-critical").orElseThrow();
        assertEquals(ChangeLevel.MINOR, critical.allow());
        assertEquals(Duration.ofDays(7), critical.minReleaseAge());
        assertEquals(2, critical.approvals().count());
        assertEquals(Duration.ofHours(48), critical.approvals().deadline());
        assertEquals(1, critical.freezes().size());
        assertEquals(Instant.parse("2026-12-17T23:00:00Z"), critical.freezes().getFirst().from());
        assertEquals(Instant.parse("2027-01-06T23:00:00Z"), critical.freezes().getFirst().to(),
                "a date-only 'to' includes that whole day, in the freeze's zone");
        assertEquals(Mode.DRY_RUN, set.scope("edge-trial").orElseThrow().mode());
        assertEquals(2, set.scope("prod").orElseThrow().maintenanceWindows().size());
        assertEquals(64, set.revision().length());
        assertEquals(2, set.files().size());
        // tried in priority order
        assertEquals(List.of("prod-critical", "prod", "preview", "staging", "edge-trial", "single-hosts"),
                set.scopes().stream().map(ScopePolicy::name).toList());
    }

    @Test
    void defaultsAreConservative() throws Exception {
        ScopePolicy s = parse("a.yaml", "scopes:\n  - name: plain\n").scopes().getFirst();
        assertEquals(ChangeLevel.PATCH, s.allow());
        assertFalse(s.prerelease());
        assertEquals(Duration.ZERO, s.minReleaseAge());
        assertFalse(s.allowUnknownAge());
        assertEquals(Duration.ofHours(24), s.failureCooldown());
        assertEquals(Mode.ENFORCE, s.mode());
        assertTrue(s.match().matchesEverything());
    }

    @Test
    void unknownKeyIsRefusedWithFileLineColumnAndSuggestion() {
        List<String> errors = refused("p.yaml", "scopes:\n  - name: a\n    minReleaseAg: 3d\n");
        assertEquals(1, errors.size());
        assertTrue(errors.getFirst().startsWith("policies/p.yaml:3:5: unknown key \"minReleaseAg\" in a scope"),
                errors.getFirst());
        assertTrue(errors.getFirst().contains("did you mean \"minReleaseAge\""), errors.getFirst());
    }

    @Test
    void badValuesAreAllReportedInOnePass() {
        List<String> errors = refused("p.yaml", String.join("\n",
                "scopes:",
                "  - name: a",
                "    minReleaseAge: 3 days",
                "    allow: minorish",
                "    prerelease: yes please",
                "    maintenanceWindows:",
                "      - Sat 02:00-06:00 Europe/Berln",
                "      - Funday 02:00-06:00 UTC",
                "      - Sat 02:00-02:00 UTC",
                "      - Sat 25:00-26:00 UTC",
                "      - Sat 02:00-06:00,05:00-07:00 UTC",
                "    freezes:",
                "      - {from: 2026-12-20, to: 2026-12-10}",
                "    approvals: {count: -1}",
                "    mode: sometimes",
                ""));
        String all = String.join("\n", errors);
        assertTrue(all.contains("policies/p.yaml:3:20: minReleaseAge: \"3 days\" is not a duration"), all);
        assertTrue(all.contains("p.yaml:4:12: allow must be one of none, patch, minor, major"), all);
        assertTrue(all.contains("p.yaml:5:17: prerelease must be true or false"), all);
        assertTrue(all.contains("p.yaml:7:9: unknown time zone \"Europe/Berln\""), all);
        assertTrue(all.contains("p.yaml:8:9: \"Funday\" is not a day"), all);
        assertTrue(all.contains("p.yaml:9:9: time range \"02:00-02:00\" is empty"), all);
        assertTrue(all.contains("p.yaml:10:9: \"25:00-26:00\" has an impossible time"), all);
        assertTrue(all.contains("p.yaml:11:9: time ranges overlap in \"Sat 02:00-06:00,05:00-07:00 UTC\""), all);
        assertTrue(all.contains("p.yaml:13:32: freeze ends"), all);
        assertTrue(all.contains("p.yaml:14:24: approvals.count must be a whole number from 0 to 50"), all);
        assertTrue(all.contains("p.yaml:15:11: mode must be one of enforce, dry-run"), all);
        assertEquals(11, errors.size(), all);
    }

    @Test
    void duplicateScopeNamesAcrossFilesAreRefused() {
        List<String> errors = refused("a.yaml", "scopes:\n  - name: web\n", "b.yaml", "scopes:\n  - {name: x}\n"
                + "  - name: web\n");
        assertEquals(List.of("policies/b.yaml:3:0: scope name \"web\" is used twice (first at policies/a.yaml:2)"),
                errors);
    }

    @Test
    void structuralMistakesAreRefused() {
        assertTrue(refused("a.yaml", "scopes:\n  name: web\n").getFirst().contains("scopes must be a list"));
        assertTrue(refused("a.yaml", "- name: web\n").getFirst().contains("a policy file must be a mapping"));
        assertTrue(refused("a.yaml", "scopes:\n  - description: no name\n").getFirst()
                .contains("a scope needs a name"));
        assertTrue(refused("a.yaml", "scopes:\n  - name: 'bad name!'\n").getFirst().contains("must be 1-100"));
        assertTrue(refused("a.yaml", "scopes:\n  - name: a\n    name: b\n").getFirst()
                .contains("key \"name\" appears twice"));
        assertTrue(refused("a.yaml", "scopes: []\n---\nscopes: []\n").getFirst().contains("only one YAML document"));
        String syntax = refused("a.yaml", "scopes:\n  - name: [unclosed\n").getFirst();
        assertTrue(syntax.startsWith("policies/a.yaml:") && syntax.contains("invalid YAML"), syntax);
        assertTrue(refused("a.yaml", "scopes:\n  - name: a\n    match: {cluster: []}\n").getFirst()
                .contains("match.cluster must not be an empty list"));
    }

    @Test
    void emptyDirectoryMeansNoScopesButMissingDirectoryIsAnError() throws Exception {
        assertTrue(parse().scopes().isEmpty());
        RuleSetException e = assertThrows(RuleSetException.class,
                () -> PolicyParser.parse(java.nio.file.Path.of("/nonexistent/policies")));
        assertTrue(e.getMessage().contains("policies directory does not exist"));
    }

    @Test
    void highestPriorityWinsAndTiesGoToTheFirstWritten() throws Exception {
        PolicySet set = parse(
                "a.yaml", "scopes:\n  - {name: low, priority: 1}\n  - {name: first-tie, priority: 5, match: {namespace: 'shop-*'}}\n",
                "b.yaml", "scopes:\n  - {name: second-tie, priority: 5, match: {namespace: 'shop-*'}}\n");
        Candidate shop = candidate("prod", "shop-eu", "Deployment", "web", "nginx", Map.of());
        ScopeMatch m = set.explain(shop);
        assertEquals("first-tie", m.name());
        assertEquals(2, m.alsoMatched().size());
        assertTrue(m.alsoMatched().getFirst().startsWith("second-tie (priority 5, policies/b.yaml:2)"),
                m.alsoMatched().toString());
        assertTrue(m.because().contains("namespace \"shop-eu\" matches \"shop-*\""), m.because().toString());
        assertTrue(m.because().getLast().contains("written first"), m.because().toString());
        assertEquals("low", set.match(candidate("prod", "other", "Deployment", "web", "nginx", Map.of())).name());
    }

    @Test
    void everyMatchCriterionMustHold() throws Exception {
        PolicySet set = parse("a.yaml", String.join("\n",
                "scopes:",
                "  - name: narrow",
                "    match:",
                "      cluster: [prod, prod-eu]",
                "      namespace: shop-*",
                "      kind: deployment",
                "      name: web-?",
                "      image: ghcr.io/acme/*",
                "      labels: {tier: front*}",
                ""));
        Map<String, String> labels = Map.of("tier", "frontend");
        assertNotNull(set.match(candidate("prod-eu", "shop-1", "Deployment", "web-1", "ghcr.io/acme/web", labels)),
                "kind is compared without regard to case");
        assertNull(set.match(candidate("staging", "shop-1", "Deployment", "web-1", "ghcr.io/acme/web", labels)));
        assertNull(set.match(candidate("prod", "blog", "Deployment", "web-1", "ghcr.io/acme/web", labels)));
        assertNull(set.match(candidate("prod", "shop-1", "StatefulSet", "web-1", "ghcr.io/acme/web", labels)));
        assertNull(set.match(candidate("prod", "shop-1", "Deployment", "web-10", "ghcr.io/acme/web", labels)));
        assertNull(set.match(candidate("prod", "shop-1", "Deployment", "web-1", "docker.io/nginx", labels)));
        assertNull(set.match(candidate("prod", "shop-1", "Deployment", "web-1", "ghcr.io/acme/web", Map.of())));
        List<String> because = set.explain(candidate("prod", "shop-1", "Deployment", "web-1", "ghcr.io/acme/web",
                labels)).because();
        assertEquals(List.of("cluster \"prod\" matches \"prod\"", "namespace \"shop-1\" matches \"shop-*\"",
                "kind \"deployment\" matches \"deployment\"", "name \"web-1\" matches \"web-?\"",
                "image \"ghcr.io/acme/web\" matches \"ghcr.io/acme/*\"", "label tier=\"frontend\" matches \"front*\"",
                "the only scope that matches"), because);
    }

    @Test
    void windowAndFreezeForms() throws Exception {
        ScopePolicy s = parse("a.yaml", String.join("\n",
                "scopes:",
                "  - name: w",
                "    maintenanceWindows:",
                "      - Mon-Fri 22:00-02:00,12:00-13:00 America/New_York",
                "      - {days: [Sat, Sun], times: '00:00-24:00', zone: UTC}",
                "    freezes:",
                "      - {from: '2026-11-26T00:00:00-05:00', to: '2026-11-27T12:00', zone: America/New_York,"
                        + " reason: thanksgiving}",
                "    approvals: 1",
                "")).scopes().getFirst();
        assertEquals(2, s.maintenanceWindows().size());
        assertEquals(Approvals.DEFAULT_DEADLINE, s.approvals().deadline());
        Freeze f = s.freezes().getFirst();
        assertEquals(Instant.parse("2026-11-26T05:00:00Z"), f.from());
        assertEquals(Instant.parse("2026-11-27T17:00:00Z"), f.to());
        assertEquals("thanksgiving", f.reason());
        assertTrue(s.inMaintenanceWindow(Instant.parse("2026-03-14T11:00:00Z")), "Saturday all day");
        assertFalse(s.inMaintenanceWindow(Instant.parse("2026-03-10T15:00:00Z")), "Tuesday 11:00 in New York");
    }
}
