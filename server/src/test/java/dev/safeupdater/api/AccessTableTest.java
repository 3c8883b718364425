package dev.safeupdater.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

import dev.safeupdater.execution.Services;
import dev.safeupdater.model.Role;
import io.helidon.http.Method;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import org.junit.jupiter.api.Test;

/**
 * The access table and the registered routes are the same set: a route added to the API without a line in
 * {@link Access#TABLE} fails here (it would otherwise need admin, deny by default), and so does a stale line.
 */
class AccessTableTest {
    /** Every route the API registers, as "METHOD /pattern". */
    static Set<String> registeredRoutes() {
        Set<String> routes = new TreeSet<>();
        HttpRouting.Builder routing = (HttpRouting.Builder) recorder(HttpRouting.Builder.class, "", routes);
        ApiRouting.register(routing, nullServices());
        routes.remove("ANY /api/*"); // the catch-all 404
        return routes;
    }

    /** Services with every component null: registering routes only builds the resources. */
    private static Services nullServices() {
        var canonical = Services.class.getRecordComponents();
        Class<?>[] types = new Class<?>[canonical.length];
        for (int i = 0; i < types.length; i++) {
            types[i] = canonical[i].getType();
        }
        try {
            return Services.class.getDeclaredConstructor(types).newInstance(new Object[types.length]);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void everyRegisteredRouteIsInTheTableAndNothingElse() {
        Set<String> table = new TreeSet<>();
        for (Access.Rule r : Access.TABLE) {
            assertTrue(table.add(r.method() + " " + r.pattern()), "listed twice: " + r);
        }
        Set<String> registered = registeredRoutes();
        assertTrue(registered.size() >= 20, "the recorder found too few routes: " + registered);
        Set<String> missing = new TreeSet<>(registered);
        missing.removeAll(table);
        Set<String> stale = new TreeSet<>(table);
        stale.removeAll(registered);
        assertEquals(Set.of(), missing, "routes registered but not in api.Access.TABLE (add a line with the role"
                + " they need)");
        assertEquals(Set.of(), stale, "api.Access.TABLE lines for routes nobody registers");
    }

    @Test
    void routesMatchByPatternAndUnknownOnesNeedAdmin() {
        assertEquals(Role.VIEWER, Access.required("GET", "/api/v1/assets/42").role());
        assertEquals(Role.VIEWER, Access.required("GET", "/api/v1/assets/").role());
        assertEquals(Role.VIEWER, Access.required("HEAD", "/api/v1/decisions/7").role());
        assertEquals(Role.ADMIN, Access.required("POST", "/api/v1/assets/42/decide").role());
        assertEquals(Role.APPROVER, Access.required("POST", "/api/v1/assets/42/approvals").role());
        assertEquals(Role.APPROVER, Access.required("delete", "/api/v1/assets/42/approvals/3").role());
        assertEquals(Role.AUDITOR, Access.required("GET", "/api/v1/notifications/deliveries/9").role());
        // deny by default: what the table does not name needs admin
        assertEquals(Role.ADMIN, Access.required("GET", "/api/v1/secret-new-thing").role());
        assertEquals(Role.ADMIN, Access.required("PATCH", "/api/v1/assets/42").role());
        assertEquals(Role.ADMIN, Access.required("GET", "/api/v1/assets/42/approvals/3/x").role());
        assertEquals(Role.ADMIN, Access.required("POST", "/api/v1/evaluate/../rules/reload").role());
    }

    /** A proxy that records the routes registered on it (relative to {@code prefix}) instead of serving them. */
    private static Object recorder(Class<?> type, String prefix, Set<String> routes) {
        return Proxy.newProxyInstance(AccessTableTest.class.getClassLoader(), new Class<?>[] {type},
                (proxy, method, args) -> {
                    Object[] a = args == null ? new Object[0] : args;
                    String name = method.getName();
                    switch (name) {
                        case "register" -> {
                            String sub = a.length > 0 && a[0] instanceof String s ? s : "";
                            for (HttpService service : services(a)) {
                                service.routing((HttpRules) recorder(HttpRules.class, join(prefix, sub), routes));
                            }
                        }
                        case "get", "post", "put", "delete", "patch", "head", "options", "trace", "any" ->
                                routes.add(name.toUpperCase(Locale.ROOT) + " "
                                        + join(prefix, a.length > 0 && a[0] instanceof String s ? s : ""));
                        case "route" -> {
                            if (a.length == 3 && a[0] instanceof Method m && a[1] instanceof String s) {
                                routes.add(m.text() + " " + join(prefix, s));
                            } else {
                                throw new AssertionError("the recorder cannot read route(" + List.of(a)
                                        + "): register routes by method and path pattern");
                            }
                        }
                        default -> {
                            // addFilter, error, ...: not routes
                        }
                    }
                    return method.getReturnType().isInstance(proxy) ? proxy : null;
                });
    }

    private static List<HttpService> services(Object[] args) {
        List<HttpService> out = new ArrayList<>();
        for (Object o : args) {
            collect(o, out);
        }
        return out;
    }

    private static void collect(Object o, List<HttpService> out) {
        if (o instanceof HttpService s) {
            out.add(s);
        } else if (o instanceof Supplier<?> s) {
            collect(s.get(), out);
        } else if (o instanceof Object[] arr) {
            for (Object x : arr) {
                collect(x, out);
            }
        } else if (o instanceof Collection<?> c) {
            c.forEach(x -> collect(x, out));
        }
    }

    private static String join(String prefix, String sub) {
        return Access.normalize(prefix + (sub.startsWith("/") || sub.isEmpty() ? sub : "/" + sub));
    }
}
