package dev.safeupdater.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import dev.safeupdater.model.AssetKey;
import dev.safeupdater.model.ChangeType;
import dev.safeupdater.model.NotificationEvent;
import dev.safeupdater.model.NotificationReceiver;
import dev.safeupdater.testing.WebhookReceiver;
import org.junit.jupiter.api.Test;

/** One webhook attempt against local receivers: bodies, headers, signatures, and how each kind of answer counts. */
class WebhookClientTest {
    private static final Instant NOW = Instant.parse("2026-03-10T12:00:00Z");
    private static final NotificationEvent EVENT = NotificationEvent.updateFailed(
            new NotificationEvent.AssetRef(7, new AssetKey("kubernetes", "prod", "shop", "Deployment", "web", "nginx"),
                    "docker.io/library/nginx"),
            42, 9L, new NotificationEvent.Change("1.25.3", "1.26.0", null, "sha256:" + "a".repeat(64),
                    ChangeType.MINOR),
            "shop-prod", "image <nginx:1.26.0> cannot be pulled & the old one runs", NOW);

    /** Generous: the machine may be busy; only the timeout test waits for a timeout. */
    private final WebhookClient client = new WebhookClient(Duration.ofSeconds(10));

    private static NotificationReceiver receiver(WebhookReceiver r, String path, NotificationReceiver.Format format,
                                                 String secret) {
        return new NotificationReceiver("test", URI.create(r.url(path)), format, secret);
    }

    private WebhookClient.Result post(NotificationReceiver r) {
        byte[] body = Bodies.render(r.format(), 3, 11, EVENT.payload());
        return client.post(r, EVENT.type().id(), 11, body, NOW);
    }

    @Test
    void aJsonBodyCarriesTheEventWithHeadersAndAVerifiableSignature() {
        try (WebhookReceiver r = WebhookReceiver.answering(204)) {
            String secret = "s3cr3t-hmac-key";
            WebhookClient.Result result = post(receiver(r, "/hooks/T0/B0/token", NotificationReceiver.Format.JSON,
                    secret));
            assertTrue(result.delivered(), result.toString());
            assertEquals(204, result.statusCode());
            assertNull(result.error());
            WebhookReceiver.Request req = r.next(Duration.ofSeconds(2));
            var json = req.json();
            assertEquals("update-failed", json.get("type").asText());
            assertEquals(3, json.get("eventId").asLong());
            assertEquals(11, json.get("deliveryId").asLong());
            assertEquals("shop", json.get("asset").get("namespace").asText());
            assertEquals("web", json.get("asset").get("name").asText());
            assertEquals("1.26.0", json.get("toTag").asText());
            assertEquals(42, json.get("runId").asLong());
            assertEquals(9, json.get("decisionId").asLong());
            assertEquals("shop-prod", json.get("scope").asText());
            assertEquals("application/json", req.header("Content-Type"));
            assertEquals("update-failed", req.header(WebhookClient.EVENT_HEADER));
            assertEquals("11", req.header(WebhookClient.DELIVERY_HEADER));
            String ts = req.header(WebhookClient.TIMESTAMP_HEADER);
            assertEquals(Long.toString(NOW.getEpochSecond()), ts);
            // the receiver recomputes the HMAC over "timestamp.body" with the shared secret
            assertEquals(WebhookClient.signature(secret, ts, req.body()), req.header(WebhookClient.SIGNATURE_HEADER));
            assertTrue(req.header(WebhookClient.SIGNATURE_HEADER).matches("sha256=[0-9a-f]{64}"));
            assertFalse(req.text().contains(secret));
        }
    }

    @Test
    void withoutASecretNothingIsSigned() {
        try (WebhookReceiver r = WebhookReceiver.answering(200)) {
            assertTrue(post(receiver(r, "/", NotificationReceiver.Format.JSON, null)).delivered());
            WebhookReceiver.Request req = r.next(Duration.ofSeconds(2));
            assertNull(req.header(WebhookClient.SIGNATURE_HEADER));
            assertNull(req.header(WebhookClient.TIMESTAMP_HEADER));
        }
    }

    @Test
    void aSlackBodyIsOneEscapedTextWithTheReasons() {
        try (WebhookReceiver r = WebhookReceiver.answering(200)) {
            assertTrue(post(receiver(r, "/", NotificationReceiver.Format.SLACK, null)).delivered());
            var json = r.next(Duration.ofSeconds(2)).json();
            assertEquals(1, json.size(), json.toString());
            String text = json.get("text").asText();
            assertTrue(text.startsWith("*Update failed*: kubernetes/prod/shop/Deployment/web/nginx: update "), text);
            assertTrue(text.contains("1.25.3 -&gt; 1.26.0 (MINOR)"), text);
            assertTrue(text.contains("\n• image &lt;nginx:1.26.0&gt; cannot be pulled &amp; the old one runs"), text);
        }
    }

    @Test
    void serverErrorsAndThrottlingAreRetriedWithTheirRetryAfter() {
        try (WebhookReceiver r = WebhookReceiver.start(n -> new WebhookReceiver.Answer(n == 1 ? 500 : 429,
                Duration.ZERO, "upstream broke", n == 1 ? Map.of() : Map.of("Retry-After", "120")))) {
            NotificationReceiver target = receiver(r, "/", NotificationReceiver.Format.JSON, null);
            WebhookClient.Result first = post(target);
            assertFalse(first.delivered());
            assertTrue(first.retry());
            assertEquals(500, first.statusCode());
            assertEquals("HTTP 500: upstream broke", first.error());
            WebhookClient.Result second = post(target);
            assertTrue(second.retry());
            assertEquals(Duration.ofSeconds(120), second.retryAfter());
        }
    }

    @Test
    void otherClientErrorsAndRedirectsAreFinal() {
        try (WebhookReceiver gone = WebhookReceiver.answering(404);
             WebhookReceiver moved = WebhookReceiver.start(n -> new WebhookReceiver.Answer(302, Duration.ZERO, "",
                     Map.of("Location", "http://127.0.0.1:1/elsewhere")))) {
            WebhookClient.Result notFound = post(receiver(gone, "/", NotificationReceiver.Format.JSON, null));
            assertFalse(notFound.delivered());
            assertFalse(notFound.retry());
            assertEquals(404, notFound.statusCode());
            WebhookClient.Result redirect = post(receiver(moved, "/", NotificationReceiver.Format.JSON, null));
            assertFalse(redirect.retry());
            assertTrue(redirect.error().contains("redirects are not followed"), redirect.error());
            assertEquals(1, moved.count());
        }
    }

    @Test
    void aReceiverThatDoesNotAnswerInTimeIsCutOffAndRetried() {
        try (WebhookReceiver r = WebhookReceiver.start(n -> WebhookReceiver.Answer.slow(200, Duration.ofSeconds(20)));
             WebhookClient impatient = new WebhookClient(Duration.ofMillis(500))) {
            long start = System.nanoTime();
            NotificationReceiver target = receiver(r, "/", NotificationReceiver.Format.JSON, null);
            WebhookClient.Result result = impatient.post(target, EVENT.type().id(), 11,
                    Bodies.render(target.format(), 3, 11, EVENT.payload()), NOW);
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertFalse(result.delivered());
            assertTrue(result.retry());
            assertNull(result.statusCode());
            assertEquals("timed out after 500 ms", result.error());
            assertTrue(ms < 10_000, "the attempt took " + ms + " ms, not the receiver's 20 s");
        }
    }

    @Test
    void anUnreachableReceiverIsRetriedAndItsUrlPathIsNotRepeated() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        NotificationReceiver r = new NotificationReceiver("down", URI.create("http://127.0.0.1:" + port
                + "/services/T0/B0/SECRETTOKEN"), NotificationReceiver.Format.JSON, null);
        WebhookClient.Result result = post(r);
        assertTrue(result.retry());
        assertFalse(result.error().contains("SECRETTOKEN"), result.error());
        assertEquals("http://127.0.0.1:" + port + "/…", r.target());
        assertFalse(r.toString().contains("SECRETTOKEN"));
    }

    @Test
    void longAnswersAreCutInTheError() {
        try (WebhookReceiver r = WebhookReceiver.start(n -> new WebhookReceiver.Answer(503, Duration.ZERO,
                "x".repeat(10_000), Map.of()))) {
            WebhookClient.Result result = post(receiver(r, "/", NotificationReceiver.Format.JSON, null));
            assertTrue(result.error().length() < 400, result.error());
        }
    }

    @Test
    void signaturesMatchAKnownVector() {
        // HMAC-SHA256("key", "1700000000.{}") computed independently with openssl
        assertEquals("sha256=9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c940bd63ae",
                WebhookClient.signature("key", "1700000000", "{}".getBytes(StandardCharsets.UTF_8)));
    }
}
