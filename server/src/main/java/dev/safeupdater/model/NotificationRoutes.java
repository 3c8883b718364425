package dev.safeupdater.model;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who hears about what (the notifications file): the receivers by name, the global routes (every event of the listed
 * types) and the routes per scope (events of the listed types whose scope matches the section's name, a glob such as
 * {@code shop-*}). {@link #NONE} routes nothing.
 */
public record NotificationRoutes(String file,
                                 Map<String, NotificationReceiver> receivers,
                                 List<Route> global,
                                 Map<String, List<Route>> scopes) {
    public static final NotificationRoutes NONE = new NotificationRoutes(null, Map.of(), List.of(), Map.of());

    /** Events of {@code events} go to receiver {@code receiver}. */
    public record Route(String receiver, Set<NotificationEventType> events) {
        public Route {
            events = Set.copyOf(events);
        }
    }

    public NotificationRoutes {
        receivers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(receivers));
        global = List.copyOf(global);
        Map<String, List<Route>> copy = new LinkedHashMap<>();
        scopes.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        scopes = java.util.Collections.unmodifiableMap(copy);
    }

    /** True when no route exists: publishing then stores nothing. */
    public boolean isEmpty() {
        return global.isEmpty() && scopes.isEmpty();
    }

    /**
     * The receivers an event of {@code type} in {@code scope} (null: none) goes to, each once, global routes first,
     * then scope sections in file order.
     */
    public List<NotificationReceiver> receiversFor(NotificationEventType type, String scope) {
        Set<String> names = new LinkedHashSet<>();
        for (Route r : global) {
            if (r.events().contains(type)) {
                names.add(r.receiver());
            }
        }
        if (scope != null) {
            scopes.forEach((pattern, routes) -> {
                if (Glob.of(pattern).matches(scope)) {
                    for (Route r : routes) {
                        if (r.events().contains(type)) {
                            names.add(r.receiver());
                        }
                    }
                }
            });
        }
        return names.stream().map(receivers::get).toList();
    }
}
