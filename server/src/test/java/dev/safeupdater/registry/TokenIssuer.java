package dev.safeupdater.registry;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A registry token service for tests: GET /token?service=…&scope=… with optional Basic credentials answers an RS256
 * JWT the registry verifies (kid: the libtrust id of the signing key). Wrong credentials get 401. Counts tokens.
 */
final class TokenIssuer implements AutoCloseable {
    static final String SERVICE = "test-registry";
    static final String ISSUER = "test-issuer";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final HttpServer server;
    private final PrivateKey key;
    private final String kid;
    private final String user;
    private final String password;
    private final AtomicInteger issued = new AtomicInteger();
    private volatile long expiresIn = 300;
    private volatile boolean allowAnonymous;

    TokenIssuer(TestCerts.KeyPairFiles signing, String user, String password) throws IOException {
        this.key = signing.key();
        this.kid = TestCerts.libtrustKeyId(signing.certificate().getPublicKey());
        this.user = user;
        this.password = password;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/token", this::handle);
        server.start();
    }

    String realm() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
    }

    int issued() {
        return issued.get();
    }

    /** Whether requests without credentials get a token (Docker Hub style anonymous pulls). */
    void allowAnonymous(boolean value) {
        this.allowAnonymous = value;
    }

    void expiresIn(long seconds) {
        this.expiresIn = seconds;
    }

    /** A token for {@code actions} on {@code repository}, as the test pushers need. */
    String mint(String repository, String... actions) {
        return jwt(user, List.of(Map.of("type", "repository", "name", repository, "actions", List.of(actions))));
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String authz = ex.getRequestHeaders().getFirst("Authorization");
            String subject = "";
            if (authz != null) {
                String expected = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
                        .getBytes(StandardCharsets.UTF_8));
                if (!expected.equals(authz)) {
                    send(ex, 401, "{\"details\":\"incorrect username or password\"}");
                    return;
                }
                subject = user;
            } else if (!allowAnonymous) {
                send(ex, 401, "{\"details\":\"credentials required\"}");
                return;
            }
            Map<String, String> q = query(ex.getRequestURI().getRawQuery());
            List<Map<String, Object>> access = new ArrayList<>();
            String scope = q.get("scope");
            if (scope != null) {
                String[] p = scope.split(":");
                if (p.length == 3) {
                    access.add(Map.of("type", p[0], "name", p[1], "actions", List.of(p[2].split(","))));
                }
            }
            issued.incrementAndGet();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("token", jwt(subject, access));
            body.put("expires_in", expiresIn);
            body.put("issued_at", Instant.now().toString());
            send(ex, 200, MAPPER.writeValueAsString(body));
        }
    }

    private String jwt(String subject, List<Map<String, Object>> access) {
        try {
            long now = Instant.now().getEpochSecond();
            Map<String, Object> header = Map.of("typ", "JWT", "alg", "RS256", "kid", kid);
            Map<String, Object> claims = new LinkedHashMap<>();
            claims.put("iss", ISSUER);
            claims.put("sub", subject);
            claims.put("aud", SERVICE);
            claims.put("exp", now + 600);
            claims.put("nbf", now - 10);
            claims.put("iat", now);
            claims.put("jti", UUID.randomUUID().toString());
            claims.put("access", access);
            Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
            String signingInput = b64.encodeToString(MAPPER.writeValueAsBytes(header)) + "."
                    + b64.encodeToString(MAPPER.writeValueAsBytes(claims));
            Signature s = Signature.getInstance("SHA256withRSA");
            s.initSign(key);
            s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + b64.encodeToString(s.sign());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return out;
    }

    private static void send(HttpExchange ex, int status, String json) throws IOException {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
