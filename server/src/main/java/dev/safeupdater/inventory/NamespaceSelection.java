package dev.safeupdater.inventory;

import java.util.List;

/**
 * Which namespaces a cluster source looks at: those matching any {@code include} glob (default {@code *}) and no
 * {@code exclude} glob. When every include is a literal name, the source lists only those namespaces, one by one,
 * and needs no cluster-wide permission.
 */
record NamespaceSelection(List<String> include, List<String> exclude) {
    NamespaceSelection {
        include = include == null || include.isEmpty() ? List.of("*") : List.copyOf(include);
        exclude = exclude == null ? List.of() : List.copyOf(exclude);
    }

    static NamespaceSelection all() {
        return new NamespaceSelection(null, null);
    }

    /** The namespaces to list one by one when every include is a literal name; null otherwise. */
    List<String> literalNamespaces() {
        if (!include.stream().allMatch(Globs::isLiteral)) {
            return null;
        }
        Globs ex = Globs.of(exclude);
        return include.stream().distinct().filter(n -> !ex.matches(n)).toList();
    }

    /** A compiled form for the hot path (one match per listed object). */
    Matcher matcher() {
        Globs in = Globs.of(include);
        Globs ex = Globs.of(exclude);
        boolean everything = include.contains("*") && exclude.isEmpty();
        return ns -> everything || (in.matches(ns) && !ex.matches(ns));
    }

    @FunctionalInterface
    interface Matcher {
        boolean selects(String namespace);
    }
}
