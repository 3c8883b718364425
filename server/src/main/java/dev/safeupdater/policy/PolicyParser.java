package dev.safeupdater.policy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.safeupdater.model.Glob;

/**
 * Reads {@code policies/*.yaml} strictly: an unknown key, a wrong type, a bad duration, day, time range or zone, a
 * freeze that ends before it starts, or a scope name used twice refuses the whole set, each problem reported as
 * {@code file:line:column: message}. Files in subdirectories (such as {@code tests/}) are not policy files.
 */
public final class PolicyParser {
    static final List<String> FILE_KEYS = List.of("scopes");
    static final List<String> KNOB_KEYS = List.of("allow", "prerelease", "minReleaseAge", "allowUnknownAge",
            "maintenanceWindows", "freezes", "approvals", "failureCooldown", "mode");
    static final List<String> SCOPE_KEYS;
    static final List<String> MATCH_KEYS = List.of("source", "cluster", "namespace", "kind", "name", "container",
            "image", "labels");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

    static {
        List<String> keys = new ArrayList<>(List.of("name", "description", "owner", "priority", "match"));
        keys.addAll(KNOB_KEYS);
        SCOPE_KEYS = List.copyOf(keys);
    }

    private PolicyParser() {
    }

    /**
     * Reads the policy files of {@code dir} (sorted by name). Files are named as in the directory ({@code NAME}), the
     * way their owners keep them in version control, in messages and in scopes.
     */
    public static PolicySet parse(Path dir) throws RuleSetException {
        return parse(read(dir), null);
    }

    /** The {@code *.yaml} / {@code *.yml} files directly in {@code dir}, by name. */
    public static Map<String, byte[]> read(Path dir) throws RuleSetException {
        if (!Files.isDirectory(dir)) {
            throw new RuleSetException(List.of(new RuleMessage(dir.toString(), 0, 0,
                    "policies directory does not exist")));
        }
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> list = Files.list(dir)) {
            for (Path p : list.filter(Files::isRegularFile).toList()) {
                String name = dir.relativize(p).toString(); // an entry of dir: its file name
                if ((name.endsWith(".yaml") || name.endsWith(".yml")) && !name.startsWith(".")) {
                    files.put(name, Files.readAllBytes(p));
                }
            }
        } catch (IOException e) {
            throw new RuleSetException(List.of(new RuleMessage(dir.toString(), 0, 0, "cannot read: " + e.getMessage())));
        }
        return files;
    }

    /** Parses policy files (name → content); {@code dirLabel} prefixes names in messages (null: none). */
    public static PolicySet parse(Map<String, byte[]> sources, String dirLabel) throws RuleSetException {
        Map<String, byte[]> sorted = new TreeMap<>(sources);
        List<RuleMessage> errors = new ArrayList<>();
        List<ScopePolicy> scopes = new ArrayList<>();
        Map<String, ScopePolicy> byName = new HashMap<>();
        List<RuleFile> files = new ArrayList<>();
        StringBuilder manifest = new StringBuilder();
        for (Map.Entry<String, byte[]> e : sorted.entrySet()) {
            String display = dirLabel == null ? e.getKey() : Path.of(dirLabel).resolve(e.getKey()).toString();
            YamlFields f = new YamlFields(display, errors);
            for (ScopePolicy s : parseFile(e.getValue(), f, scopes.size())) {
                ScopePolicy first = byName.putIfAbsent(s.name(), s);
                if (first != null) {
                    errors.add(new RuleMessage(display, s.line(), 0, "scope name \"" + s.name()
                            + "\" is used twice (first at " + first.file() + ":" + first.line() + ")"));
                } else {
                    scopes.add(s);
                }
            }
            String sha = Hashing.sha256Hex(e.getValue());
            files.add(new RuleFile(e.getKey(), sha));
            manifest.append(e.getKey()).append('\0').append(sha).append('\n');
        }
        if (!errors.isEmpty()) {
            throw new RuleSetException(errors);
        }
        return new PolicySet(Hashing.sha256Hex(manifest.toString().getBytes(StandardCharsets.UTF_8)), files, scopes);
    }

    private static List<ScopePolicy> parseFile(byte[] content, YamlFields f, int orderBase) {
        YamlNode root;
        try {
            root = YamlReader.read(content);
        } catch (YamlReader.YamlException e) {
            f.error(new YamlNode.Scalar(null, e.line, e.column), e.getMessage());
            return List.of();
        }
        if (root == null) {
            return List.of();
        }
        YamlNode.Mapping top = f.mapping(root, "a policy file");
        if (top == null) {
            return List.of();
        }
        f.onlyKeys(top, FILE_KEYS, "a policy file");
        YamlNode scopesNode = top.get("scopes");
        if (scopesNode == null) {
            f.error(top, "a policy file needs a \"scopes:\" list");
            return List.of();
        }
        YamlNode.Sequence seq = f.sequence(scopesNode, "scopes");
        if (seq == null) {
            return List.of();
        }
        List<ScopePolicy> out = new ArrayList<>();
        int order = orderBase;
        for (YamlNode item : seq.items()) {
            ScopePolicy s = scope(item, f, order++);
            if (s != null) {
                out.add(s);
            }
        }
        return out;
    }

    private static ScopePolicy scope(YamlNode node, YamlFields f, int order) {
        YamlNode.Mapping m = f.mapping(node, "a scope");
        if (m == null) {
            return null;
        }
        int errorsBefore = f.errorCount();
        f.onlyKeys(m, SCOPE_KEYS, "a scope");
        String name = null;
        YamlNode nameNode = m.get("name");
        if (nameNode == null) {
            f.error(m, "a scope needs a name");
        } else {
            name = f.string(nameNode, "name");
            if (name != null && !NAME.matcher(name).matches()) {
                f.error(nameNode, "name \"" + name + "\" must be 1-100 letters, digits, '.', '_' or '-',"
                        + " starting with a letter or digit");
                name = null;
            }
        }
        String description = optionalString(m, "description", f);
        String owner = optionalString(m, "owner", f);
        int priority = 0;
        if (m.get("priority") != null) {
            Integer p = f.integer(m.get("priority"), "priority", -1_000_000, 1_000_000);
            priority = p == null ? 0 : p;
        }
        Match match = m.get("match") == null ? Match.ALL : match(m.get("match"), f);
        ScopePolicy base = new ScopePolicy(name, description, owner, f.file(), m.line(), priority, order, match,
                ScopePolicy.DEFAULT_ALLOW, false, Duration.ZERO, false, List.of(), List.of(), Approvals.NONE,
                ScopePolicy.DEFAULT_FAILURE_COOLDOWN, Mode.ENFORCE);
        ScopePolicy s = knobs(base, m, f);
        return f.errorCount() == errorsBefore ? s : null;
    }

    /**
     * Applies the knobs written in {@code m} on top of {@code base}; keys other than knobs are left to the caller.
     * Used for scopes and for owner test cases that override a scope's knobs.
     */
    static ScopePolicy knobs(ScopePolicy base, YamlNode.Mapping m, YamlFields f) {
        ChangeLevel allow = base.allow();
        if (m.get("allow") != null) {
            String v = f.choice(m.get("allow"), "allow", List.of("none", "patch", "minor", "major"));
            allow = v == null ? allow : ChangeLevel.valueOf(v.toUpperCase(java.util.Locale.ROOT));
        }
        boolean prerelease = bool(m, "prerelease", base.prerelease(), f);
        Duration minAge = m.get("minReleaseAge") == null ? base.minReleaseAge()
                : orElse(f.duration(m.get("minReleaseAge"), "minReleaseAge"), base.minReleaseAge());
        boolean allowUnknownAge = bool(m, "allowUnknownAge", base.allowUnknownAge(), f);
        List<MaintenanceWindow> windows = m.get("maintenanceWindows") == null ? base.maintenanceWindows()
                : windows(m.get("maintenanceWindows"), f);
        List<Freeze> freezes = m.get("freezes") == null ? base.freezes() : freezes(m.get("freezes"), f);
        Approvals approvals = m.get("approvals") == null ? base.approvals() : approvals(m.get("approvals"), f);
        Duration cooldown = m.get("failureCooldown") == null ? base.failureCooldown()
                : orElse(f.duration(m.get("failureCooldown"), "failureCooldown"), base.failureCooldown());
        Mode mode = base.mode();
        if (m.get("mode") != null) {
            String v = f.choice(m.get("mode"), "mode", List.of("enforce", "dry-run"));
            mode = v == null ? mode : Mode.fromYaml(v);
        }
        return new ScopePolicy(base.name(), base.description(), base.owner(), base.file(), base.line(),
                base.priority(), base.order(), base.match(), allow, prerelease, minAge, allowUnknownAge, windows,
                freezes, approvals, cooldown, mode);
    }

    private static Match match(YamlNode node, YamlFields f) {
        YamlNode.Mapping m = f.mapping(node, "match");
        if (m == null) {
            return Match.ALL;
        }
        f.onlyKeys(m, MATCH_KEYS, "match");
        Map<String, Glob> labels = new LinkedHashMap<>();
        if (m.get("labels") != null) {
            Map<String, String> raw = f.stringMap(m.get("labels"), "match.labels");
            if (raw != null) {
                raw.forEach((k, v) -> labels.put(k, Glob.of(v)));
            }
        }
        return new Match(globs(m, "source", f), globs(m, "cluster", f), globs(m, "namespace", f),
                globs(m, "kind", f), globs(m, "name", f), globs(m, "container", f), globs(m, "image", f), labels);
    }

    private static List<Glob> globs(YamlNode.Mapping m, String key, YamlFields f) {
        YamlNode n = m.get(key);
        return n == null ? List.of() : f.strings(n, "match." + key).stream().map(Glob::of).toList();
    }

    private static List<MaintenanceWindow> windows(YamlNode node, YamlFields f) {
        YamlNode.Sequence seq = f.sequence(node, "maintenanceWindows");
        if (seq == null) {
            return List.of();
        }
        List<MaintenanceWindow> out = new ArrayList<>();
        for (YamlNode item : seq.items()) {
            try {
                if (item instanceof YamlNode.Scalar s && s.text() != null) {
                    out.add(MaintenanceWindow.parse(s.text()));
                } else if (item instanceof YamlNode.Mapping m) {
                    f.onlyKeys(m, List.of("days", "times", "zone"), "a maintenance window");
                    if (m.get("days") == null || m.get("times") == null || m.get("zone") == null) {
                        f.error(m, "a maintenance window needs days, times and zone");
                        continue;
                    }
                    List<String> days = f.strings(m.get("days"), "days");
                    List<String> times = f.strings(m.get("times"), "times");
                    String zone = f.string(m.get("zone"), "zone");
                    if (zone != null && !days.isEmpty() && !times.isEmpty()) {
                        out.add(MaintenanceWindow.of(String.join(",", days) + " " + String.join(",", times) + " "
                                + zone, days, times, zone));
                    }
                } else {
                    f.error(item, "a maintenance window is a line such as \"Sat 02:00-06:00 Europe/Berlin\" or a"
                            + " mapping with days, times and zone, not " + item.describe());
                }
            } catch (IllegalArgumentException e) {
                f.error(item, e.getMessage());
            }
        }
        return out;
    }

    private static List<Freeze> freezes(YamlNode node, YamlFields f) {
        YamlNode.Sequence seq = f.sequence(node, "freezes");
        if (seq == null) {
            return List.of();
        }
        List<Freeze> out = new ArrayList<>();
        for (YamlNode item : seq.items()) {
            YamlNode.Mapping m = f.mapping(item, "a freeze");
            if (m == null) {
                continue;
            }
            f.onlyKeys(m, List.of("from", "to", "zone", "reason"), "a freeze");
            if (m.get("from") == null || m.get("to") == null) {
                f.error(m, "a freeze needs from and to");
                continue;
            }
            ZoneId zone = ZoneOffset.UTC;
            if (m.get("zone") != null) {
                String z = f.string(m.get("zone"), "zone");
                if (z == null) {
                    continue;
                }
                try {
                    zone = MaintenanceWindow.zone(z);
                } catch (IllegalArgumentException e) {
                    f.error(m.get("zone"), e.getMessage());
                    continue;
                }
            }
            Instant from = time(m.get("from"), "from", zone, false, f);
            Instant to = time(m.get("to"), "to", zone, true, f);
            String reason = optionalString(m, "reason", f);
            if (from != null && to != null) {
                if (!to.isAfter(from)) {
                    f.error(m.get("to"), "freeze ends (" + to + ") before or when it starts (" + from + ")");
                } else {
                    out.add(new Freeze(from, to, reason));
                }
            }
        }
        return out;
    }

    /**
     * An instant: with an offset ({@code 2026-12-20T00:00:00Z}, {@code 2026-12-20T00:00+01:00}), or a local date-time
     * or date in {@code zone}. A date alone means the start of that day for {@code from} and the end of it for
     * {@code to}.
     */
    static Instant time(YamlNode n, String field, ZoneId zone, boolean endOfDay, YamlFields f) {
        String text = f.string(n, field);
        if (text == null) {
            return null;
        }
        String t = text.strip();
        try {
            return OffsetDateTime.parse(t).toInstant();
        } catch (DateTimeException e) {
            // next form
        }
        try {
            return LocalDateTime.parse(t).atZone(zone).toInstant();
        } catch (DateTimeException e) {
            // next form
        }
        try {
            LocalDate d = LocalDate.parse(t);
            return (endOfDay ? d.plusDays(1) : d).atStartOfDay(zone).toInstant();
        } catch (DateTimeException e) {
            f.error(n, field + " \"" + text + "\" is not a date or time (write 2026-12-20, 2026-12-20T18:00 or"
                    + " 2026-12-20T18:00:00+01:00)");
            return null;
        }
    }

    private static Approvals approvals(YamlNode node, YamlFields f) {
        if (node instanceof YamlNode.Scalar) {
            Integer count = f.integer(node, "approvals", 0, 50);
            return count == null ? Approvals.NONE : new Approvals(count, Approvals.DEFAULT_DEADLINE);
        }
        YamlNode.Mapping m = f.mapping(node, "approvals");
        if (m == null) {
            return Approvals.NONE;
        }
        f.onlyKeys(m, List.of("count", "deadline"), "approvals");
        if (m.get("count") == null) {
            f.error(m, "approvals needs a count");
            return Approvals.NONE;
        }
        Integer count = f.integer(m.get("count"), "approvals.count", 0, 50);
        Duration deadline = Approvals.DEFAULT_DEADLINE;
        if (m.get("deadline") != null) {
            Duration d = f.duration(m.get("deadline"), "approvals.deadline");
            if (d != null && d.isZero()) {
                f.error(m.get("deadline"), "approvals.deadline must be longer than 0");
            } else if (d != null) {
                deadline = d;
            }
        }
        return new Approvals(count == null ? 0 : count, deadline);
    }

    private static boolean bool(YamlNode.Mapping m, String key, boolean fallback, YamlFields f) {
        if (m.get(key) == null) {
            return fallback;
        }
        return f.bool(m.get(key), key, fallback);
    }

    private static String optionalString(YamlNode.Mapping m, String key, YamlFields f) {
        return m.get(key) == null ? null : f.string(m.get(key), key);
    }

    private static <T> T orElse(T value, T fallback) {
        return value == null ? fallback : value;
    }
}
