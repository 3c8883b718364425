package dev.safeupdater.api;

import java.util.regex.Pattern;

import io.helidon.webserver.http.ServerRequest;

/**
 * Who is calling. Until authentication arrives, callers name themselves in {@code X-Actor} (recorded on decisions
 * and audit events); without it the actor is {@code api:anonymous}.
 */
final class Actors {
    static final String HEADER = "X-Actor";
    private static final Pattern VALID = Pattern.compile("[\\p{Alnum}._@:/+-]{1,200}");

    private Actors() {
    }

    static String of(ServerRequest req) {
        var value = req.headers().first(io.helidon.http.HeaderNames.create(HEADER));
        if (value.isEmpty() || value.get().isBlank()) {
            return "api:anonymous";
        }
        String v = value.get().strip();
        if (!VALID.matcher(v).matches()) {
            throw ApiException.invalidField(HEADER, "must be 1-200 characters of letters, digits and ._@:/+-");
        }
        return "api:" + v;
    }
}
