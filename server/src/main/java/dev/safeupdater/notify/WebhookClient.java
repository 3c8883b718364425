package dev.safeupdater.notify;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import dev.safeupdater.model.NotificationReceiver;

/**
 * Posts one notification body to one webhook and says how it went. Redirects are not followed; the whole exchange
 * (connect, send, answer) must finish within the timeout. 2xx is delivered; 408, 429, 5xx, timeouts and network
 * errors are worth another attempt ({@code Retry-After} in seconds is passed on); any other answer is final.
 *
 * <p>Headers: {@code Content-Type: application/json}, {@code User-Agent: safe-updater},
 * {@code X-Safe-Updater-Event}, {@code X-Safe-Updater-Delivery} (the same on every attempt: receivers may see a
 * delivery twice and use it to drop the repeat), and with a secret {@code X-Safe-Updater-Timestamp} (Unix seconds)
 * and {@code X-Safe-Updater-Signature: sha256=HEX}, the HMAC-SHA256 of {@code timestamp + "." + body}.
 */
public final class WebhookClient implements AutoCloseable {
    public static final String EVENT_HEADER = "X-Safe-Updater-Event";
    public static final String DELIVERY_HEADER = "X-Safe-Updater-Delivery";
    public static final String TIMESTAMP_HEADER = "X-Safe-Updater-Timestamp";
    public static final String SIGNATURE_HEADER = "X-Safe-Updater-Signature";
    /** Most bytes of a receiver's answer kept for the error message. */
    static final int MAX_ANSWER_BYTES = 300;
    private static final Duration MAX_RETRY_AFTER = Duration.ofHours(6);

    private final HttpClient http;
    private final Duration timeout;

    public WebhookClient(Duration timeout) {
        this.timeout = timeout;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(timeout)
                .build();
    }

    /**
     * How one attempt went: the HTTP status code (null: no answer), whether it was delivered, whether another
     * attempt may help, the receiver's {@code Retry-After} (null: none), an error text (null when delivered) that
     * never contains the URL's path or the secret, and how long it took.
     */
    public record Result(Integer statusCode, boolean delivered, boolean retry, Duration retryAfter, String error,
                         long durationMs) {
    }

    /** Posts {@code body} to {@code receiver}; never throws for anything the receiver or the network does. */
    public Result post(NotificationReceiver receiver, String eventType, long deliveryId, byte[] body, Instant now) {
        HttpRequest.Builder request = HttpRequest.newBuilder(receiver.url())
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("User-Agent", "safe-updater")
                .header(EVENT_HEADER, eventType)
                .header(DELIVERY_HEADER, Long.toString(deliveryId))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (receiver.signed()) {
            String ts = Long.toString(now.getEpochSecond());
            request.header(TIMESTAMP_HEADER, ts).header(SIGNATURE_HEADER, signature(receiver.secret(), ts, body));
        }
        long start = System.nanoTime();
        CompletableFuture<HttpResponse<byte[]>> exchange = http.sendAsync(request.build(), info -> new Capped());
        try {
            HttpResponse<byte[]> res = exchange.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return classify(res, millisSince(start));
        } catch (TimeoutException e) {
            exchange.cancel(true);
            return failure(null, true, "timed out after " + timeout.toMillis() + " ms", start);
        } catch (InterruptedException e) {
            exchange.cancel(true);
            Thread.currentThread().interrupt();
            return failure(null, true, "interrupted (shutting down)", start);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            String text = cause instanceof HttpTimeoutException ? "timed out after " + timeout.toMillis() + " ms"
                    : cause instanceof ConnectException ? "cannot connect to " + receiver.target()
                    : cause instanceof IOException ? "network error: " + describe(cause, receiver)
                    : "error: " + describe(cause, receiver);
            return failure(null, true, text, start);
        }
    }

    /** {@code sha256=} and the hex HMAC-SHA256 of {@code timestamp + "." + body} under {@code secret}. */
    public static String signature(String secret, String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    private static Result classify(HttpResponse<byte[]> res, long durationMs) {
        int code = res.statusCode();
        if (code >= 200 && code < 300) {
            return new Result(code, true, false, null, null, durationMs);
        }
        String answer = answer(res.body());
        if (code >= 300 && code < 400) {
            return new Result(code, false, false, null, "HTTP " + code + ": the receiver redirects; redirects are not"
                    + " followed (fix the URL)", durationMs);
        }
        boolean retry = code == 408 || code == 429 || code >= 500;
        Duration retryAfter = retry ? retryAfter(res.headers().firstValue("Retry-After").orElse(null)) : null;
        return new Result(code, false, retry, retryAfter, "HTTP " + code + (answer.isEmpty() ? "" : ": " + answer),
                durationMs);
    }

    private Result failure(Integer code, boolean retry, String error, long start) {
        return new Result(code, false, retry, null, error, millisSince(start));
    }

    private static String describe(Throwable t, NotificationReceiver receiver) {
        String msg = t.getMessage() == null ? t.getClass().getSimpleName()
                : t.getClass().getSimpleName() + " " + t.getMessage();
        // never echo the URL's path or query (they may carry a token)
        return msg.replace(receiver.url().toString(), receiver.target());
    }

    /** The start of the receiver's answer on one line, printable characters only. */
    private static String answer(byte[] body) {
        if (body == null || body.length == 0) {
            return "";
        }
        String s = new String(body, StandardCharsets.UTF_8).replaceAll("[\\p{Cntrl}\\s]+", " ").strip();
        return body.length >= MAX_ANSWER_BYTES ? s + "…" : s;
    }

    /** {@code Retry-After} in delta seconds (HTTP dates are rare from webhooks and ignored), capped. */
    static Duration retryAfter(String value) {
        if (value == null) {
            return null;
        }
        try {
            long s = Long.parseLong(value.strip());
            if (s < 0) {
                return null;
            }
            Duration d = Duration.ofSeconds(s);
            return d.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : d;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static long millisSince(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }

    @Override
    public void close() {
        http.close();
    }

    /** Keeps the first {@link #MAX_ANSWER_BYTES} bytes of an answer and discards the rest as it arrives. */
    private static final class Capped implements HttpResponse.BodySubscriber<byte[]> {
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            for (ByteBuffer b : items) {
                int room = MAX_ANSWER_BYTES - kept.size();
                if (room > 0) {
                    byte[] chunk = new byte[Math.min(room, b.remaining())];
                    b.get(chunk);
                    kept.writeBytes(chunk);
                }
            }
        }

        @Override
        public void onError(Throwable throwable) {
            result.completeExceptionally(throwable);
        }

        @Override
        public void onComplete() {
            result.complete(kept.toByteArray());
        }
    }
}
