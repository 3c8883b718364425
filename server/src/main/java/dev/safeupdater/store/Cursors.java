package dev.safeupdater.store;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import dev.safeupdater.model.InvalidCursorException;

/**
 * Opaque page cursors: the key of the last row of the previous page (its id, or its time and id), base64url-encoded
 * with a kind prefix.
 */
final class Cursors {
    private Cursors() {
    }

    static String encode(String kind, long lastId) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((kind + ":" + lastId).getBytes(StandardCharsets.UTF_8));
    }

    /** The id inside a cursor of this kind; throws {@link InvalidCursorException} for anything else. */
    static long decode(String kind, String cursor) {
        try {
            String raw = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            if (raw.startsWith(kind + ":")) {
                return Long.parseLong(raw.substring(kind.length() + 1));
            }
        } catch (IllegalArgumentException e) {
            // fall through: reported below without echoing internals
        }
        throw new InvalidCursorException();
    }

    static String encodeAt(String kind, Keyset.At at) {
        return encode(kind + "@" + at.time().getEpochSecond() + "." + at.time().getNano(), at.id());
    }

    /** The time and id inside a cursor of this kind; throws {@link InvalidCursorException} for anything else. */
    static Keyset.At decodeAt(String kind, String cursor) {
        try {
            String raw = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            if (raw.startsWith(kind + "@")) {
                String[] parts = raw.substring(kind.length() + 1).split("[.:]");
                if (parts.length == 3) {
                    return new Keyset.At(java.time.Instant.ofEpochSecond(Long.parseLong(parts[0]),
                            Long.parseLong(parts[1])), Long.parseLong(parts[2]));
                }
            }
        } catch (IllegalArgumentException | java.time.DateTimeException e) {
            // fall through
        }
        throw new InvalidCursorException();
    }
}
