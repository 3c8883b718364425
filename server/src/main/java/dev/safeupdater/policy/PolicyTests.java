package dev.safeupdater.policy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import dev.safeupdater.model.History;
import dev.safeupdater.model.Candidate;
import dev.safeupdater.model.ChangeType;
import dev.safeupdater.model.FiredRule;
import dev.safeupdater.model.Outcome;
import dev.safeupdater.model.ReleaseTimeSource;

/**
 * Owner test cases: reads {@code policies/tests/*.yaml} and runs each case against a rule set and policy set
 * (active or not yet active), like {@code opa test}. See docs/policy-authoring.md for the file format.
 */
public final class PolicyTests {
    static final List<String> FILE_KEYS = List.of("defaults", "cases");
    static final List<String> DEFAULTS_KEYS = List.of("at", "candidate");
    static final List<String> CASE_KEYS = List.of("name", "at", "candidate", "scope", "history", "expect");
    static final List<String> CANDIDATE_KEYS = List.of("source", "cluster", "namespace", "kind", "name", "container",
            "labels", "annotations", "image", "current", "candidate", "currentDigest", "candidateDigest",
            "changeType", "releaseTime", "releaseAge", "releaseTimeSource");
    static final List<String> HISTORY_KEYS = List.of("pins", "failures", "approvals", "lastUpdate");
    static final List<String> EXPECT_KEYS = List.of("outcome", "scope", "decidedBy", "fired", "reasonContains",
            "mode");
    private static final List<String> SCOPE_KEYS;

    static {
        List<String> keys = new ArrayList<>(List.of("name"));
        keys.addAll(PolicyParser.KNOB_KEYS);
        SCOPE_KEYS = List.copyOf(keys);
    }

    private PolicyTests() {
    }

    /** Parsed test files: the cases, and every problem found reading them. */
    public record Loaded(List<PolicyTestCase> cases, List<RuleMessage> errors) {
    }

    /** Reads {@code *.yaml} / {@code *.yml} in {@code dir}; files are named {@code NAME} in messages. */
    public static Loaded load(Path dir) {
        return load(dir, null);
    }

    /**
     * Reads {@code *.yaml} / {@code *.yml} in {@code dir}. Files are named relative to {@code policiesDir} when the
     * test directory is inside it ({@code tests/NAME}), else {@code NAME}: never as a path of the machine.
     */
    public static Loaded load(Path dir, Path policiesDir) {
        TestFiles files;
        try {
            files = read(dir, policiesDir);
        } catch (RuleSetException e) {
            return new Loaded(List.of(), e.messages());
        }
        return load(files);
    }

    /** The test files of a directory, by the name messages use, and a revision over names and contents. */
    public record TestFiles(Map<String, byte[]> contents, String revision) {
    }

    /** Reads the test files of {@code dir} (see {@link #load(Path, Path)} for their names). */
    public static TestFiles read(Path dir, Path policiesDir) throws RuleSetException {
        if (!Files.isDirectory(dir)) {
            throw new RuleSetException(List.of(new RuleMessage(dir.toString(), 0, 0,
                    "test directory does not exist")));
        }
        Path prefix = label(dir, policiesDir);
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> list = Files.list(dir)) {
            for (Path p : list.filter(java.nio.file.Files::isRegularFile).toList()) {
                String name = dir.relativize(p).toString(); // an entry of dir: its file name
                if ((name.endsWith(".yaml") || name.endsWith(".yml")) && !name.startsWith(".")) {
                    files.put(prefix == null ? name : prefix.resolve(name).toString(),
                            Files.readAllBytes(p));
                }
            }
        } catch (IOException e) {
            throw new RuleSetException(List.of(new RuleMessage(dir.toString(), 0, 0, "cannot read: "
                    + e.getMessage())));
        }
        return new TestFiles(files, RuleCompiler.revision(files));
    }

    /** How a test directory is named in messages: its path within the policies directory, or nothing. */
    static Path label(Path dir, Path policiesDir) {
        if (policiesDir == null) {
            return null;
        }
        Path d = dir.toAbsolutePath().normalize();
        Path p = policiesDir.toAbsolutePath().normalize();
        return d.startsWith(p) && !d.equals(p) ? p.relativize(d) : null;
    }

    /** Parses test files already read. */
    public static Loaded load(TestFiles files) {
        List<PolicyTestCase> cases = new ArrayList<>();
        List<RuleMessage> errors = new ArrayList<>();
        files.contents().forEach((name, content) -> parseFile(name, content, cases, errors));
        return new Loaded(cases, errors);
    }

    /** Parses one test file's content into {@code cases}, problems into {@code errors}. */
    public static void parseFile(String file, byte[] content, List<PolicyTestCase> cases, List<RuleMessage> errors) {
        YamlFields f = new YamlFields(file, errors);
        YamlNode root;
        try {
            root = YamlReader.read(content);
        } catch (YamlReader.YamlException e) {
            errors.add(new RuleMessage(file, e.line, e.column, e.getMessage()));
            return;
        }
        if (root == null) {
            return;
        }
        YamlNode.Mapping top = f.mapping(root, "a test file");
        if (top == null) {
            return;
        }
        f.onlyKeys(top, FILE_KEYS, "a test file");
        YamlNode.Mapping defaults = null;
        if (top.get("defaults") != null) {
            defaults = f.mapping(top.get("defaults"), "defaults");
            if (defaults != null) {
                f.onlyKeys(defaults, DEFAULTS_KEYS, "defaults");
                if (defaults.get("candidate") != null && f.mapping(defaults.get("candidate"), "defaults.candidate")
                        == null) {
                    defaults = null;
                }
            }
        }
        if (top.get("cases") == null) {
            f.error(top, "a test file needs a \"cases:\" list");
            return;
        }
        YamlNode.Sequence seq = f.sequence(top.get("cases"), "cases");
        if (seq == null) {
            return;
        }
        Set<String> names = new HashSet<>();
        for (YamlNode item : seq.items()) {
            PolicyTestCase c = testCase(item, defaults, f);
            if (c != null) {
                if (!names.add(c.name())) {
                    f.error(item, "test case name \"" + c.name() + "\" is used twice in this file");
                } else {
                    cases.add(c);
                }
            }
        }
    }

    private static PolicyTestCase testCase(YamlNode node, YamlNode.Mapping defaults, YamlFields f) {
        YamlNode.Mapping m = f.mapping(node, "a test case");
        if (m == null) {
            return null;
        }
        int before = f.errorCount();
        f.onlyKeys(m, CASE_KEYS, "a test case");
        String name = m.get("name") == null ? null : f.string(m.get("name"), "name");
        if (m.get("name") == null) {
            f.error(m, "a test case needs a name");
        }
        YamlNode atNode = m.get("at") != null ? m.get("at") : defaults == null ? null : defaults.get("at");
        Instant at = null;
        if (atNode == null) {
            f.error(m, "a test case needs \"at\" (the evaluation time), here or in defaults");
        } else {
            at = PolicyParser.time(atNode, "at", ZoneOffset.UTC, false, f);
        }
        YamlNode.Mapping given = m.get("candidate") == null ? null : f.mapping(m.get("candidate"), "candidate");
        YamlNode.Mapping base = defaults == null || defaults.get("candidate") == null ? null
                : (YamlNode.Mapping) defaults.get("candidate");
        CandidateSpec spec = null;
        if (given == null && base == null) {
            if (m.get("candidate") == null) {
                f.error(m, "a test case needs a candidate");
            }
        } else {
            spec = candidate(merge(base, given, m), at, f);
        }
        String scopeName = null;
        YamlNode.Mapping overrides = null;
        if (m.get("scope") != null) {
            YamlNode.Mapping s = f.mapping(m.get("scope"), "scope");
            if (s != null) {
                f.onlyKeys(s, SCOPE_KEYS, "scope (a scope name and knobs to change)");
                if (s.get("name") != null) {
                    scopeName = f.string(s.get("name"), "scope.name");
                }
                Map<YamlNode.Key, YamlNode> knobs = new LinkedHashMap<>(s.entries());
                knobs.keySet().removeIf(k -> k.name().equals("name"));
                if (!knobs.isEmpty()) {
                    overrides = new YamlNode.Mapping(knobs, s.line(), s.column());
                    // validate now, so a bad knob is reported where it is written
                    PolicyParser.knobs(probe(), overrides, f);
                }
            }
        }
        History history = m.get("history") == null ? History.EMPTY : history(m.get("history"), at, f);
        PolicyTestCase.Expect expect = null;
        if (m.get("expect") == null) {
            f.error(m, "a test case needs \"expect\" with at least an outcome");
        } else {
            expect = expect(m.get("expect"), f);
        }
        if (f.errorCount() != before) {
            return null;
        }
        return new PolicyTestCase(f.file(), m.line(), m.column(), name, at, spec, scopeName, overrides, history,
                expect);
    }

    private static YamlNode.Mapping merge(YamlNode.Mapping base, YamlNode.Mapping given, YamlNode.Mapping at) {
        Map<YamlNode.Key, YamlNode> out = new LinkedHashMap<>();
        if (base != null) {
            out.putAll(base.entries());
        }
        if (given != null) {
            if (given.get("releaseTime") != null || given.get("releaseAge") != null) {
                // the case says when (or that it is unknown): the default's release time does not apply
                out.keySet().removeIf(k -> k.name().equals("releaseTime") || k.name().equals("releaseAge"));
            }
            for (Map.Entry<YamlNode.Key, YamlNode> e : given.entries().entrySet()) {
                out.keySet().removeIf(k -> k.name().equals(e.getKey().name()));
                out.put(e.getKey(), e.getValue());
            }
        }
        YamlNode.Mapping where = given != null ? given : base != null ? base : at;
        return new YamlNode.Mapping(out, where.line(), where.column());
    }

    private static CandidateSpec candidate(YamlNode.Mapping m, Instant at, YamlFields f) {
        f.onlyKeys(m, CANDIDATE_KEYS, "candidate");
        for (String required : List.of("image", "current", "candidate")) {
            if (m.get(required) == null) {
                f.error(m, "candidate needs " + required);
            }
        }
        ChangeType type = null;
        if (m.get("changeType") != null) {
            List<String> names = java.util.Arrays.stream(ChangeType.values())
                    .map(t -> t.name().toLowerCase(Locale.ROOT)).toList();
            String v = f.choice(m.get("changeType"), "changeType", names);
            type = v == null ? null : ChangeType.valueOf(v.toUpperCase(Locale.ROOT));
        }
        Instant releaseTime = null;
        ReleaseTimeSource source = null;
        if (present(m.get("releaseTime")) && present(m.get("releaseAge"))) {
            f.error(m.get("releaseAge"), "give releaseTime or releaseAge, not both");
        } else if (present(m.get("releaseTime"))) {
            releaseTime = PolicyParser.time(m.get("releaseTime"), "releaseTime", ZoneOffset.UTC, false, f);
        } else if (present(m.get("releaseAge"))) {
            Duration age = f.duration(m.get("releaseAge"), "releaseAge");
            releaseTime = age == null || at == null ? null : at.minus(age);
        }
        if (m.get("releaseTimeSource") != null) {
            String v = f.choice(m.get("releaseTimeSource"), "releaseTimeSource",
                    List.of("registry", "image_config", "unknown"));
            source = v == null ? null : ReleaseTimeSource.valueOf(v.toUpperCase(Locale.ROOT));
        } else {
            source = releaseTime == null ? ReleaseTimeSource.UNKNOWN : ReleaseTimeSource.REGISTRY;
        }
        return new CandidateSpec(str(m, "source", "static", f), str(m, "cluster", "", f), str(m, "namespace", "", f),
                str(m, "kind", "", f), str(m, "name", "", f), str(m, "container", "", f), map(m, "labels", f),
                map(m, "annotations", f), str(m, "image", null, f), str(m, "current", null, f),
                str(m, "currentDigest", null, f), str(m, "candidate", null, f), str(m, "candidateDigest", null, f),
                type, releaseTime, source);
    }

    /** A value that is there and not YAML null ({@code releaseTime: ~} means "unknown"). */
    private static boolean present(YamlNode n) {
        return n != null && !(n instanceof YamlNode.Scalar s && s.text() == null);
    }

    private static History history(YamlNode node, Instant at, YamlFields f) {
        YamlNode.Mapping m = f.mapping(node, "history");
        if (m == null) {
            return History.EMPTY;
        }
        f.onlyKeys(m, HISTORY_KEYS, "history");
        List<History.Pin> pins = new ArrayList<>();
        for (YamlNode item : list(m.get("pins"), "history.pins", f)) {
            if (item instanceof YamlNode.Scalar s && s.text() != null) {
                pins.add(new History.Pin(s.text(), null, "pinned in test", "test", at));
            } else {
                YamlNode.Mapping p = f.mapping(item, "a pin");
                if (p != null) {
                    f.onlyKeys(p, List.of("tag", "digest", "reason"), "a pin");
                    if (p.get("tag") == null) {
                        f.error(p, "a pin needs a tag");
                        continue;
                    }
                    pins.add(new History.Pin(str(p, "tag", null, f), str(p, "digest", null, f),
                            str(p, "reason", "pinned in test", f), "test", at));
                }
            }
        }
        List<History.Failure> failures = new ArrayList<>();
        for (YamlNode item : list(m.get("failures"), "history.failures", f)) {
            YamlNode.Mapping p = f.mapping(item, "a failure");
            if (p == null) {
                continue;
            }
            f.onlyKeys(p, List.of("tag", "state", "at", "ago", "error"), "a failure");
            String state = p.get("state") == null ? "FAILED"
                    : upper(f.choice(p.get("state"), "state", List.of("failed", "rolled_back", "rollback_failed")));
            failures.add(new History.Failure(null, str(p, "tag", null, f), null, state, when(p, at, f),
                    str(p, "error", null, f)));
        }
        List<History.Approval> approvals = new ArrayList<>();
        YamlNode a = m.get("approvals");
        if (a instanceof YamlNode.Scalar s && s.text() != null) {
            Integer n = f.integer(a, "history.approvals", 0, 50);
            for (int i = 1; n != null && i <= n; i++) {
                approvals.add(new History.Approval("approver-" + i, at));
            }
        } else {
            for (YamlNode item : list(a, "history.approvals", f)) {
                if (item instanceof YamlNode.Scalar s && s.text() != null) {
                    approvals.add(new History.Approval(s.text(), at));
                } else {
                    YamlNode.Mapping p = f.mapping(item, "an approval");
                    if (p != null) {
                        f.onlyKeys(p, List.of("approver", "at", "ago"), "an approval");
                        approvals.add(new History.Approval(str(p, "approver", "approver", f), when(p, at, f)));
                    }
                }
            }
        }
        History.LastUpdate last = null;
        if (m.get("lastUpdate") != null) {
            YamlNode.Mapping p = f.mapping(m.get("lastUpdate"), "lastUpdate");
            if (p != null) {
                f.onlyKeys(p, List.of("from", "tag", "at", "ago"), "lastUpdate");
                last = new History.LastUpdate(str(p, "from", null, f), str(p, "tag", null, f), when(p, at, f));
            }
        }
        return new History(failures, pins, approvals, last);
    }

    private static PolicyTestCase.Expect expect(YamlNode node, YamlFields f) {
        YamlNode.Mapping m = f.mapping(node, "expect");
        if (m == null) {
            return null;
        }
        f.onlyKeys(m, EXPECT_KEYS, "expect");
        Outcome outcome = null;
        if (m.get("outcome") == null) {
            f.error(m, "expect needs an outcome (approve, hold or reject)");
        } else {
            String v = f.choice(m.get("outcome"), "outcome", List.of("approve", "hold", "reject"));
            outcome = v == null ? null : Outcome.valueOf(upper(v));
        }
        List<String> fired = m.get("fired") == null ? null : firedList(m.get("fired"), f);
        List<String> contains = m.get("reasonContains") == null ? List.of()
                : f.strings(m.get("reasonContains"), "reasonContains");
        Mode mode = null;
        if (m.get("mode") != null) {
            String v = f.choice(m.get("mode"), "mode", List.of("enforce", "dry-run"));
            mode = v == null ? null : Mode.fromYaml(v);
        }
        return new PolicyTestCase.Expect(outcome, m.get("scope") == null ? null : f.string(m.get("scope"), "scope"),
                m.get("decidedBy") == null ? null : f.string(m.get("decidedBy"), "decidedBy"), fired, contains, mode);
    }

    private static List<String> firedList(YamlNode n, YamlFields f) {
        if (n instanceof YamlNode.Sequence seq && seq.items().isEmpty()) {
            return List.of();
        }
        return f.strings(n, "fired");
    }

    private static Instant when(YamlNode.Mapping p, Instant at, YamlFields f) {
        if (p.get("at") != null && p.get("ago") != null) {
            f.error(p.get("ago"), "give at or ago, not both");
            return at;
        }
        if (p.get("at") != null) {
            return PolicyParser.time(p.get("at"), "at", ZoneOffset.UTC, false, f);
        }
        if (p.get("ago") != null) {
            Duration d = f.duration(p.get("ago"), "ago");
            return d == null || at == null ? at : at.minus(d);
        }
        return at;
    }

    private static List<YamlNode> list(YamlNode n, String what, YamlFields f) {
        if (n == null) {
            return List.of();
        }
        YamlNode.Sequence s = f.sequence(n, what);
        return s == null ? List.of() : s.items();
    }

    private static String str(YamlNode.Mapping m, String key, String fallback, YamlFields f) {
        YamlNode n = m.get(key);
        if (n == null) {
            return fallback;
        }
        if (n instanceof YamlNode.Scalar s && s.text() != null) {
            return s.text();
        }
        f.error(n, key + " must be a string, not " + n.describe());
        return fallback;
    }

    private static Map<String, String> map(YamlNode.Mapping m, String key, YamlFields f) {
        if (m.get(key) == null) {
            return Map.of();
        }
        Map<String, String> v = f.stringMap(m.get(key), key);
        return v == null ? Map.of() : v;
    }

    private static String upper(String s) {
        return s == null ? null : s.toUpperCase(Locale.ROOT);
    }

    private static ScopePolicy probe() {
        return new ScopePolicy("probe", null, null, "", 0, 0, 0, Match.ALL, ScopePolicy.DEFAULT_ALLOW, false,
                Duration.ZERO, false, List.of(), List.of(), Approvals.NONE, ScopePolicy.DEFAULT_FAILURE_COOLDOWN,
                Mode.ENFORCE);
    }

    /** Runs {@code cases} against {@code rules} and {@code policies}; {@code fileErrors} are reported as errors. */
    public static PolicyTestReport run(RuleSet rules, PolicySet policies, List<PolicyTestCase> cases,
                                       List<RuleMessage> fileErrors, CandidateBuilder builder) {
        List<PolicyTestReport.CaseResult> results = new ArrayList<>();
        Set<String> firedAnywhere = new HashSet<>();
        int passed = 0;
        int failed = 0;
        int errors = fileErrors.size();
        for (PolicyTestCase c : cases) {
            PolicyTestReport.CaseResult r = runCase(rules, policies, c, builder);
            results.add(r);
            firedAnywhere.addAll(r.fired());
            switch (r.status()) {
                case PASS -> passed++;
                case FAIL -> failed++;
                case ERROR -> errors++;
            }
        }
        Set<String> uncovered = new TreeSet<>(rules.ruleNames());
        uncovered.removeAll(firedAnywhere);
        return new PolicyTestReport(results, fileErrors, List.copyOf(uncovered),
                new PolicyTestReport.Summary(cases.size(), passed, failed, errors));
    }

    private static PolicyTestReport.CaseResult runCase(RuleSet rules, PolicySet policies, PolicyTestCase c,
                                                       CandidateBuilder builder) {
        Candidate candidate;
        try {
            candidate = build(c.candidate(), builder);
        } catch (RuntimeException e) {
            return error(c, "cannot build the candidate: " + e.getMessage());
        }
        ScopeMatch scope;
        if (c.scopeName() != null) {
            ScopePolicy chosen = policies.scope(c.scopeName()).orElse(null);
            if (chosen == null) {
                return error(c, "no scope named \"" + c.scopeName() + "\" in the policy set");
            }
            scope = new ScopeMatch(chosen, List.of("chosen by the test case"), List.of());
        } else {
            scope = policies.explain(candidate);
        }
        if (c.scopeOverrides() != null) {
            if (scope == null) {
                return error(c, "the case changes scope knobs, but no scope matches its candidate");
            }
            List<RuleMessage> problems = new ArrayList<>();
            scope = scope.with(PolicyParser.knobs(scope.policy(), c.scopeOverrides(),
                    new YamlFields(c.file(), problems)));
            if (!problems.isEmpty()) {
                return error(c, problems.getFirst().message());
            }
        }
        Evaluation e;
        try {
            e = Evaluator.evaluate(rules, policies.revision(), List.of(new Subject(candidate, scope, c.history())),
                    c.at()).getFirst();
        } catch (RuntimeException ex) {
            return error(c, "evaluation failed: " + ex);
        }
        List<String> fired = e.firedRules().stream().map(FiredRule::name).toList();
        List<String> diffs = new ArrayList<>();
        PolicyTestCase.Expect x = c.expect();
        if (x.outcome() != e.outcome()) {
            diffs.add("outcome: expected " + x.outcome() + ", got " + e.outcome() + " " + e.reasons());
        }
        if (x.scope() != null) {
            String got = e.scopeName() == null ? PolicyTestCase.Expect.NO_SCOPE : e.scopeName();
            if (!x.scope().equals(got)) {
                diffs.add("scope: expected " + x.scope() + ", got " + got);
            }
        }
        if (x.decidedBy() != null && !x.decidedBy().equals(e.decidedBy())) {
            diffs.add("decidedBy: expected " + x.decidedBy() + ", got " + e.decidedBy());
        }
        if (x.fired() != null && !new TreeSet<>(x.fired()).equals(new TreeSet<>(fired))) {
            Set<String> missing = new TreeSet<>(x.fired());
            missing.removeAll(fired);
            Set<String> extra = new TreeSet<>(fired);
            extra.removeAll(x.fired());
            diffs.add("fired: expected " + new TreeSet<>(x.fired()) + ", got " + new TreeSet<>(fired)
                    + (missing.isEmpty() ? "" : " (missing " + missing + ")")
                    + (extra.isEmpty() ? "" : " (unexpected " + extra + ")"));
        }
        for (String text : x.reasonContains()) {
            boolean found = e.firedRules().stream().anyMatch(f -> f.reason() != null && f.reason().contains(text));
            if (!found) {
                diffs.add("reasonContains: no reason contains \"" + text + "\" (reasons: "
                        + e.firedRules().stream().map(FiredRule::reason).filter(java.util.Objects::nonNull).toList()
                        + ")");
            }
        }
        if (x.mode() != null && x.mode() != e.mode()) {
            diffs.add("mode: expected " + x.mode().yamlName() + ", got " + e.mode().yamlName());
        }
        return new PolicyTestReport.CaseResult(c.file(), c.line(), c.name(),
                diffs.isEmpty() ? PolicyTestReport.Status.PASS : PolicyTestReport.Status.FAIL, diffs, e.outcome(),
                e.decidedBy(), e.scopeName(), fired,
                e.firedRules().stream().map(FiredRule::reason).filter(java.util.Objects::nonNull).toList());
    }

    private static Candidate build(CandidateSpec s, CandidateBuilder builder) {
        if (builder != null) {
            return builder.build(s);
        }
        if (s.changeType() == null) {
            throw new IllegalArgumentException("changeType is required when no version classifier is available");
        }
        return new Candidate(new dev.safeupdater.model.AssetKey(s.source(), s.cluster(), s.namespace(), s.kind(),
                s.name(), s.container()), s.labels(), s.annotations(), s.image(), s.currentTag(), s.currentDigest(),
                s.candidateTag(), s.candidateDigest(), s.changeType(), false, s.releaseTime(), s.releaseTimeSource(),
                s.changeType() == ChangeType.PRERELEASE);
    }

    private static PolicyTestReport.CaseResult error(PolicyTestCase c, String message) {
        return new PolicyTestReport.CaseResult(c.file(), c.line(), c.name(), PolicyTestReport.Status.ERROR,
                List.of(message), null, null, null, List.of(), List.of());
    }
}
