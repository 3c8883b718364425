package dev.safeupdater.api;

import java.util.Optional;
import java.util.regex.Pattern;

import dev.safeupdater.execution.AccessControl;
import io.helidon.webserver.http.ServerRequest;

/**
 * Who is calling: the name of the caller's bearer token (recorded as is on decisions, approvals and audit events).
 * {@code X-Actor} is not trusted then. Only when no tokens are configured (loopback only, or {@code auth.disabled})
 * may callers label themselves with {@code X-Actor}, recorded as {@code api:<name>}; without it the actor is
 * {@code api:anonymous}.
 */
final class Actors {
    static final String HEADER = "X-Actor";
    static final String ANONYMOUS = "api:anonymous";
    private static final Pattern VALID = Pattern.compile("[\\p{Alnum}._@:/+-]{1,200}");

    private Actors() {
    }

    static String of(ServerRequest req) {
        Optional<AccessControl.Caller> caller = req.context().get(AccessControl.Caller.class);
        if (caller.isPresent()) {
            return caller.get().name();
        }
        var value = req.headers().first(io.helidon.http.HeaderNames.create(HEADER));
        if (value.isEmpty() || value.get().isBlank()) {
            return ANONYMOUS;
        }
        String v = value.get().strip();
        if (!VALID.matcher(v).matches()) {
            throw ApiException.invalidField(HEADER, "must be 1-200 characters of letters, digits and ._@:/+-");
        }
        return "api:" + v;
    }
}
