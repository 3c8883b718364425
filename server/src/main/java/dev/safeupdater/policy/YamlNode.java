package dev.safeupdater.policy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML value that remembers where it was written (1-based line and column), so every complaint about a policy or
 * test file can point at the exact place.
 */
sealed interface YamlNode permits YamlNode.Scalar, YamlNode.Mapping, YamlNode.Sequence {
    int line();

    int column();

    /** What kind of value this is, for messages ("a mapping", "a list", "a string"). */
    String describe();

    /** A scalar; {@code text} is null for YAML null ({@code ~} or nothing). */
    record Scalar(String text, int line, int column) implements YamlNode {
        @Override
        public String describe() {
            return text == null ? "null" : "the value \"" + text + "\"";
        }
    }

    /** A key of a mapping with its own position. */
    record Key(String name, int line, int column) {
    }

    /** A mapping; keys keep their file order. */
    record Mapping(Map<Key, YamlNode> entries, int line, int column) implements YamlNode {
        public Mapping {
            entries = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(entries));
        }

        @Override
        public String describe() {
            return "a mapping";
        }

        YamlNode get(String name) {
            for (Map.Entry<Key, YamlNode> e : entries.entrySet()) {
                if (e.getKey().name().equals(name)) {
                    return e.getValue();
                }
            }
            return null;
        }
    }

    record Sequence(List<YamlNode> items, int line, int column) implements YamlNode {
        public Sequence {
            items = List.copyOf(items);
        }

        @Override
        public String describe() {
            return "a list";
        }
    }
}
