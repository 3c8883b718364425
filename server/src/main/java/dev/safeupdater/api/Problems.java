package dev.safeupdater.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.safeupdater.execution.FieldError;
import dev.safeupdater.execution.CandidateRefusedException;
import dev.safeupdater.execution.ConflictException;
import dev.safeupdater.execution.InvalidInputException;
import dev.safeupdater.execution.NotFoundException;
import dev.safeupdater.model.InvalidCursorException;
import dev.safeupdater.policy.PolicyEngine;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpException;
import io.helidon.webserver.http.DirectHandlers;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renders every error as RFC 9457 {@code application/problem+json}: type, title, status, detail and, for invalid
 * input, the list of field errors.
 */
public final class Problems {
    static final String PROBLEM_JSON = "application/problem+json";
    private static final Logger LOG = LoggerFactory.getLogger(Problems.class);

    private Problems() {
    }

    /** Registers the error handlers on a routing. */
    public static void register(HttpRouting.Builder routing) {
        routing.error(ApiException.class, (req, res, e) -> send(res, e.status(), e.title(), e.getMessage(), e.errors()))
                .error(InvalidInputException.class,
                        (req, res, e) -> send(res, 400, "Invalid input", e.getMessage(), e.errors()))
                .error(InvalidCursorException.class, (req, res, e) -> send(res, 400, "Invalid input", e.getMessage(),
                        List.of(new FieldError("cursor", InvalidCursorException.MESSAGE))))
                .error(NotFoundException.class, (req, res, e) -> send(res, 404, "Not found", e.getMessage(), List.of()))
                .error(ConflictException.class, (req, res, e) -> send(res, 409, "Conflict", e.getMessage(), List.of()))
                .error(CandidateRefusedException.class,
                        (req, res, e) -> send(res, 422, "Candidate refused", e.getMessage(), e.errors()))
                .error(PolicyEngine.NoActiveRuleSetException.class,
                        (req, res, e) -> send(res, 503, "No active rule set", e.getMessage(), List.of()))
                .error(HttpException.class, (req, res, e) -> {
                    int status = e.status().code();
                    send(res, status, e.status().reasonPhrase(), e.getMessage(), List.of());
                })
                .error(Exception.class, (req, res, e) -> {
                    LOG.atError().setCause(e).addKeyValue("event", "http_error")
                            .addKeyValue("path", req.path().path()).log("unhandled error");
                    send(res, 500, "Internal server error", "the server failed to handle this request; see its log",
                            List.of());
                });
    }

    /**
     * The server's own answers to requests it cannot route (malformed request line or headers, bodies over
     * {@code maxPayloadSize}, bad URI encoding): problem documents too, saying what was wrong but never echoing the
     * request or a stack trace.
     */
    public static DirectHandlers directHandlers() {
        DirectHandlers.Builder b = DirectHandlers.builder();
        for (DirectHandler.EventType type : DirectHandler.EventType.values()) {
            b.addHandler(type, (request, eventType, status, headers, message) -> {
                String detail = status.code() == 413 || eventType == DirectHandler.EventType.PAYLOAD_TOO_LARGE
                        ? "the request body is larger than " + Json.MAX_BODY_BYTES + " bytes"
                        : status.code() == 431 ? "the request headers are too large"
                        : status.code() == 414 ? "the request URI is too long"
                        : switch (eventType) {
                    case BAD_REQUEST -> "the request is malformed (request line, headers or URI encoding)";
                    case HTTP_VERSION_NOT_SUPPORTED -> "use HTTP/1.1";
                    case FORBIDDEN -> "forbidden";
                    default -> "the server could not handle this request";
                };
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("type", type(status.code(), List.of()));
                body.put("title", status.reasonPhrase());
                body.put("status", status.code());
                body.put("detail", detail);
                byte[] bytes;
                try {
                    bytes = Json.MAPPER.writeValueAsBytes(body);
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException(e);
                }
                headers.set(HeaderNames.CONTENT_TYPE, PROBLEM_JSON);
                return DirectHandler.TransportResponse.builder()
                        .status(status)
                        .headers(headers)
                        .entity(bytes)
                        .keepAlive(eventType.keepAlive())
                        .build();
            });
        }
        return b.build();
    }

    /** Sends a problem document. */
    static void send(ServerResponse res, int status, String title, String detail, List<FieldError> errors) {
        send(res, status, title, detail, errors, Map.of());
    }

    /** Sends a problem document with extension members (RFC 9457 section 3.2). */
    static void send(ServerResponse res, int status, String title, String detail, List<FieldError> errors,
                     Map<String, Object> extensions) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", type(status, errors));
        body.put("title", title);
        body.put("status", status);
        body.put("detail", detail);
        if (!errors.isEmpty()) {
            body.put("errors", errors);
        }
        body.putAll(extensions);
        try {
            byte[] bytes = Json.MAPPER.writeValueAsBytes(body);
            res.status(status);
            res.header(HeaderNames.CONTENT_TYPE, PROBLEM_JSON);
            res.send(bytes);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String type(int status, List<FieldError> errors) {
        return switch (status) {
            case 400 -> errors.isEmpty() ? "/problems/bad-request" : "/problems/invalid-input";
            case 401 -> "/problems/unauthorized";
            case 403 -> "/problems/forbidden";
            case 404 -> "/problems/not-found";
            case 409 -> "/problems/conflict";
            case 413 -> "/problems/payload-too-large";
            case 415 -> "/problems/unsupported-media-type";
            case 422 -> "/problems/unprocessable";
            case 502 -> "/problems/bad-gateway";
            case 503 -> "/problems/unavailable";
            default -> status >= 500 ? "/problems/server-error" : "about:blank";
        };
    }
}
