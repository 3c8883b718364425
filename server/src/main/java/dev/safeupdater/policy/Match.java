package dev.safeupdater.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.safeupdater.model.Glob;
import dev.safeupdater.model.Candidate;

/**
 * Which assets a scope covers. Every criterion given must hold; a criterion with several patterns holds when any of
 * them matches. Patterns are globs ({@code *}, {@code ?}); {@code kind} is compared without regard to case. An empty
 * match covers every asset.
 */
public record Match(List<Glob> sources,
                    List<Glob> clusters,
                    List<Glob> namespaces,
                    List<Glob> kinds,
                    List<Glob> names,
                    List<Glob> containers,
                    List<Glob> images,
                    Map<String, Glob> labels) {
    public static final Match ALL = new Match(List.of(), List.of(), List.of(), List.of(), List.of(), List.of(),
            List.of(), Map.of());

    public Match {
        sources = List.copyOf(sources);
        clusters = List.copyOf(clusters);
        namespaces = List.copyOf(namespaces);
        kinds = kinds.stream().map(g -> Glob.of(g.pattern().toLowerCase(Locale.ROOT))).toList();
        names = List.copyOf(names);
        containers = List.copyOf(containers);
        images = List.copyOf(images);
        labels = Map.copyOf(labels);
    }

    public boolean matchesEverything() {
        return sources.isEmpty() && clusters.isEmpty() && namespaces.isEmpty() && kinds.isEmpty() && names.isEmpty()
                && containers.isEmpty() && images.isEmpty() && labels.isEmpty();
    }

    /** True when {@code c} is covered. */
    public boolean matches(Candidate c) {
        return any(sources, c.source()) && any(clusters, c.cluster()) && any(namespaces, c.namespace())
                && (kinds.isEmpty() || any(kinds, c.kind().toLowerCase(Locale.ROOT))) && any(names, c.name())
                && any(containers, c.container()) && any(images, c.image()) && labelsMatch(c);
    }

    /** Why {@code c} is covered, one line per criterion; null when it is not covered. */
    public List<String> explain(Candidate c) {
        if (!matches(c)) {
            return null;
        }
        if (matchesEverything()) {
            return List.of("matches every asset (no match criteria)");
        }
        List<String> out = new ArrayList<>();
        because(out, "source", sources, c.source());
        because(out, "cluster", clusters, c.cluster());
        because(out, "namespace", namespaces, c.namespace());
        because(out, "kind", kinds, c.kind().toLowerCase(Locale.ROOT));
        because(out, "name", names, c.name());
        because(out, "container", containers, c.container());
        because(out, "image", images, c.image());
        new java.util.TreeMap<>(labels).forEach((k, g) ->
                out.add("label " + k + "=\"" + c.labels().get(k) + "\" matches \"" + g.pattern() + "\""));
        return out;
    }

    private static void because(List<String> out, String what, List<Glob> globs, String value) {
        for (Glob g : globs) {
            if (g.matches(value)) {
                out.add(what + " \"" + value + "\" matches \"" + g.pattern() + "\"");
                return;
            }
        }
    }

    private static boolean any(List<Glob> globs, String value) {
        if (globs.isEmpty()) {
            return true;
        }
        for (Glob g : globs) {
            if (g.matches(value)) {
                return true;
            }
        }
        return false;
    }

    private boolean labelsMatch(Candidate c) {
        for (Map.Entry<String, Glob> e : labels.entrySet()) {
            if (!e.getValue().matches(c.labels().get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
