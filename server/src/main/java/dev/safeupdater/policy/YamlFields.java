package dev.safeupdater.policy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Strict reading of a YAML tree: every wrong key, type or value becomes a {@link RuleMessage} at its position, and
 * reading goes on so one pass reports everything wrong with a file.
 */
final class YamlFields {
    private final String file;
    private final List<RuleMessage> errors;

    YamlFields(String file, List<RuleMessage> errors) {
        this.file = file;
        this.errors = errors;
    }

    String file() {
        return file;
    }

    void error(YamlNode at, String message) {
        errors.add(new RuleMessage(file, at == null ? 0 : at.line(), at == null ? 0 : at.column(), message));
    }

    void error(YamlNode.Key at, String message) {
        errors.add(new RuleMessage(file, at.line(), at.column(), message));
    }

    int errorCount() {
        return errors.size();
    }

    /** {@code n} as a mapping, or null (with an error) when it is something else. */
    YamlNode.Mapping mapping(YamlNode n, String what) {
        if (n instanceof YamlNode.Mapping m) {
            return m;
        }
        error(n, what + " must be a mapping (key: value lines), not " + n.describe());
        return null;
    }

    YamlNode.Sequence sequence(YamlNode n, String what) {
        if (n instanceof YamlNode.Sequence s) {
            return s;
        }
        error(n, what + " must be a list, not " + n.describe());
        return null;
    }

    /** Refuses keys of {@code m} not in {@code allowed}; suggests the nearest allowed key. */
    void onlyKeys(YamlNode.Mapping m, Collection<String> allowed, String what) {
        for (YamlNode.Key k : m.entries().keySet()) {
            if (!allowed.contains(k.name())) {
                String near = nearest(k.name(), allowed);
                error(k, "unknown key \"" + k.name() + "\" in " + what
                        + (near == null ? "" : " (did you mean \"" + near + "\"?)")
                        + "; allowed: " + String.join(", ", allowed));
            }
        }
    }

    /** A non-empty string, or null (with an error). */
    String string(YamlNode n, String field) {
        if (n instanceof YamlNode.Scalar s && s.text() != null && !s.text().isBlank()) {
            return s.text();
        }
        error(n, field + " must be a non-empty string, not " + n.describe());
        return null;
    }

    /** The boolean {@code n} holds; else an error is recorded and {@code fallback} returned. */
    boolean bool(YamlNode n, String field, boolean fallback) {
        if (n instanceof YamlNode.Scalar s && s.text() != null) {
            String v = s.text().toLowerCase(Locale.ROOT);
            if (v.equals("true") || v.equals("false")) {
                return Boolean.parseBoolean(v);
            }
        }
        error(n, field + " must be true or false, not " + n.describe());
        return fallback;
    }

    Integer integer(YamlNode n, String field, int min, int max) {
        if (n instanceof YamlNode.Scalar s && s.text() != null) {
            try {
                int v = Integer.parseInt(s.text().strip());
                if (v >= min && v <= max) {
                    return v;
                }
            } catch (NumberFormatException e) {
                // below
            }
        }
        error(n, field + " must be a whole number from " + min + " to " + max + ", not " + n.describe());
        return null;
    }

    Duration duration(YamlNode n, String field) {
        if (n instanceof YamlNode.Scalar s && s.text() != null) {
            try {
                return Durations.parse(s.text());
            } catch (IllegalArgumentException e) {
                error(n, field + ": " + e.getMessage());
                return null;
            }
        }
        error(n, field + " must be a duration such as 3d or 12h, not " + n.describe());
        return null;
    }

    /** A string or a list of strings (at least one). */
    List<String> strings(YamlNode n, String field) {
        List<String> out = new ArrayList<>();
        if (n instanceof YamlNode.Sequence seq) {
            if (seq.items().isEmpty()) {
                error(n, field + " must not be an empty list");
            }
            for (YamlNode item : seq.items()) {
                String s = string(item, field + " entries");
                if (s != null) {
                    out.add(s);
                }
            }
            return out;
        }
        String s = string(n, field);
        if (s != null) {
            out.add(s);
        }
        return out;
    }

    /** The value of one of {@code choices} (case-insensitive), or null (with an error). */
    String choice(YamlNode n, String field, List<String> choices) {
        if (n instanceof YamlNode.Scalar s && s.text() != null) {
            String v = s.text().strip().toLowerCase(Locale.ROOT);
            if (choices.contains(v)) {
                return v;
            }
        }
        error(n, field + " must be one of " + String.join(", ", choices) + ", not " + n.describe());
        return null;
    }

    /** String → string mapping (labels), or null (with an error). */
    Map<String, String> stringMap(YamlNode n, String field) {
        YamlNode.Mapping m = mapping(n, field);
        if (m == null) {
            return null;
        }
        Map<String, String> out = new java.util.LinkedHashMap<>();
        m.entries().forEach((k, v) -> {
            if (v instanceof YamlNode.Scalar s && s.text() != null) {
                out.put(k.name(), s.text());
            } else {
                error(v, field + "." + k.name() + " must be a string, not " + v.describe());
            }
        });
        return out;
    }

    static String nearest(String key, Collection<String> allowed) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String a : allowed) {
            int d = distance(key.toLowerCase(Locale.ROOT), a.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                bestDistance = d;
                best = a;
            }
        }
        return bestDistance <= Math.max(2, key.length() / 4) ? best : null;
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
