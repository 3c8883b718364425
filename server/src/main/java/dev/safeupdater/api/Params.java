package dev.safeupdater.api;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;

import io.helidon.webserver.http.ServerRequest;

/** Query and path parameters, each parsed or refused with a 400 naming the parameter. */
final class Params {
    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 500;

    private Params() {
    }

    static String string(ServerRequest req, String name) {
        var v = req.query().first(name);
        return v.isPresent() && !v.get().isBlank() ? v.get() : null;
    }

    static Long longParam(ServerRequest req, String name) {
        String v = string(req, name);
        if (v == null) {
            return null;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw ApiException.invalidField(name, "must be an integer");
        }
    }

    static Instant instant(ServerRequest req, String name) {
        String v = string(req, name);
        if (v == null) {
            return null;
        }
        try {
            return Instant.parse(v);
        } catch (DateTimeParseException e) {
            throw ApiException.invalidField(name, "must be an ISO-8601 instant such as 2026-01-31T12:00:00Z");
        }
    }

    static <E extends Enum<E>> E enumParam(ServerRequest req, String name, Class<E> type) {
        String v = string(req, name);
        if (v == null) {
            return null;
        }
        try {
            return Enum.valueOf(type, v.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiException.invalidField(name, "must be one of " + java.util.Arrays.toString(type.getEnumConstants()));
        }
    }

    static int limit(ServerRequest req) {
        Long v = longParam(req, "limit");
        if (v == null) {
            return DEFAULT_LIMIT;
        }
        if (v < 1 || v > MAX_LIMIT) {
            throw ApiException.invalidField("limit", "must be between 1 and " + MAX_LIMIT);
        }
        return v.intValue();
    }

    static long pathId(ServerRequest req, String name) {
        String v = req.path().pathParameters().get(name);
        try {
            long id = Long.parseLong(v);
            if (id > 0) {
                return id;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw ApiException.invalidField(name, "must be a positive integer id");
    }
}
