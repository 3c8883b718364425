package dev.safeupdater.api;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.safeupdater.execution.FieldError;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/** JSON in and out of HTTP exchanges: strict parsing with a size limit, and rendering. */
public final class Json {
    /** Larger bodies are refused unread. */
    public static final int MAX_BODY_BYTES = 1024 * 1024;
    static final String JSON = "application/json";

    /** Deepest nesting of objects and arrays a request body may have. */
    public static final int MAX_NESTING = 32;
    /** Longest string value or field name a request body may have. */
    public static final int MAX_STRING = 256 * 1024;

    static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(MAX_NESTING)
                            .maxStringLength(MAX_STRING)
                            .maxNameLength(1024)
                            .maxNumberLength(100)
                            .maxDocumentLength(MAX_BODY_BYTES)
                            .build())
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    // every request runs on a new virtual thread, so the default per-thread pool of parser and
                    // generator buffers never hands one back: one pool shared by all threads does
                    .recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool())
                    .build())
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS) // "PT48H", not 172800.000000000
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
            // a number or boolean where text is expected is the wrong type, not text
            .withCoercionConfig(LogicalType.Textual, c -> c
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .build();

    /** A reader per request type: its type resolved and root deserializer found once, not on every request. */
    private static final ClassValue<ObjectReader> READERS = new ClassValue<>() {
        @Override
        protected ObjectReader computeValue(Class<?> type) {
            return MAPPER.readerFor(type);
        }
    };

    private Json() {
    }

    /** Reads the request body as {@code type}; every way it can be wrong becomes a 400 that says how. */
    static <T> T read(ServerRequest req, Class<T> type) {
        req.headers().contentType().ifPresent(ct -> {
            if (!ct.mediaType().subtype().equals("json") && !ct.mediaType().subtype().endsWith("+json")) {
                throw new ApiException(415, "Unsupported media type", "send the body as application/json");
            }
        });
        long declared = req.headers().contentLength().orElse(-1);
        if (declared > MAX_BODY_BYTES) {
            throw tooLarge();
        }
        byte[] body;
        try (InputStream in = req.content().inputStream()) {
            // with a Content-Length, read exactly that (readNBytes(limit) would allocate for the limit's worth of
            // chunks on every request); a chunked body is read up to one byte past the limit
            body = in.readNBytes(declared >= 0 ? (int) declared : MAX_BODY_BYTES + 1);
        } catch (IOException e) {
            throw ApiException.badRequest("could not read the request body: " + e.getMessage());
        }
        if (body.length > MAX_BODY_BYTES) {
            throw tooLarge();
        }
        if (body.length == 0) {
            throw ApiException.badRequest("a JSON request body is required");
        }
        try {
            T value = type.cast(READERS.get(type).readValue(body));
            if (value == null) {
                throw ApiException.badRequest("the request body must be a JSON object, not null");
            }
            return value;
        } catch (UnrecognizedPropertyException e) {
            throw new ApiException(400, "Invalid input", "unknown field \"" + e.getPropertyName() + "\"",
                    List.of(new FieldError(path(e), "is not a known field")));
        } catch (InvalidFormatException e) {
            throw new ApiException(400, "Invalid input", "field \"" + path(e) + "\" has the wrong type or format",
                    List.of(new FieldError(path(e), "has the wrong type or format")));
        } catch (MismatchedInputException e) {
            String field = path(e);
            String detail = field.isEmpty() ? "the request body must be a JSON object"
                    : "field \"" + field + "\" has the wrong type";
            throw new ApiException(400, "Invalid input", detail,
                    field.isEmpty() ? List.of() : List.of(new FieldError(field, "has the wrong type")));
        } catch (StreamConstraintsException e) {
            throw ApiException.badRequest("the request body exceeds a limit (at most " + MAX_NESTING
                    + " levels of nesting, strings of " + MAX_STRING + " characters, names of 1024, numbers of 100"
                    + " digits)");
        } catch (JsonParseException e) {
            throw ApiException.badRequest("malformed JSON at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ": " + withoutSourceNote(e.getOriginalMessage()));
        } catch (IOException e) {
            throw ApiException.badRequest("malformed JSON: " + e.getMessage());
        }
    }

    /** Sends {@code value} as JSON with the given status. */
    static void send(ServerResponse res, int status, Object value) {
        send(res, status, MAPPER, value);
    }

    /** Sends {@code value} as JSON rendered by {@code mapper} (a route's copy of {@link #MAPPER}). */
    static void send(ServerResponse res, int status, ObjectMapper mapper, Object value) {
        byte[] bytes;
        try {
            bytes = mapper.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render response", e);
        }
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, JSON);
        res.send(bytes);
    }

    /** Jackson appends "(start marker at [Source: ...])" notes that help nobody calling an API. */
    private static String withoutSourceNote(String message) {
        int cut = message.indexOf(" (start marker");
        return cut < 0 ? message : message.substring(0, cut);
    }

    private static ApiException tooLarge() {
        return new ApiException(413, "Content too large", "the request body is larger than " + MAX_BODY_BYTES
                + " bytes");
    }

    private static String path(MismatchedInputException e) {
        StringBuilder sb = new StringBuilder();
        for (var ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (!sb.isEmpty()) {
                    sb.append('.');
                }
                sb.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.toString();
    }
}
