package dev.safeupdater.inventory;

import java.util.List;

import dev.safeupdater.model.Glob;

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
        if (!include.stream().allMatch(g -> Glob.of(g).literal())) {
            return null;
        }
        List<Glob> ex = globs(exclude);
        return include.stream().distinct().filter(n -> !Glob.anyMatches(ex, n)).toList();
    }

    /** A compiled form for the hot path (one match per listed object). */
    Matcher matcher() {
        List<Glob> in = globs(include);
        List<Glob> ex = globs(exclude);
        boolean everything = include.contains("*") && exclude.isEmpty();
        return ns -> everything || (Glob.anyMatches(in, ns) && !Glob.anyMatches(ex, ns));
    }

    private static List<Glob> globs(List<String> patterns) {
        return patterns.stream().map(Glob::of).toList();
    }

    @FunctionalInterface
    interface Matcher {
        boolean selects(String namespace);
    }
}
