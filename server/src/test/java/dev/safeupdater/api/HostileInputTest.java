package dev.safeupdater.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.safeupdater.testing.DatabaseContract;
import dev.safeupdater.testing.Http;
import dev.safeupdater.testing.TestDatabase;
import dev.safeupdater.testing.TestServer;
import dev.safeupdater.testing.Tokens;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Over a thousand malformed or hostile requests spread over every route of {@link Access#TABLE}, sent with an admin
 * token so that only the input is at fault: random bytes, wrong content types, 3 MiB bodies, deep nesting, huge
 * maps, invalid UTF-8, SQL-looking strings where values are checked, traversal and oversized ids, bad query
 * parameters, malformed request lines. Every answer is a 4xx {@code application/problem+json}, the server stays
 * healthy, and no table gains or loses a row.
 */
class HostileInputTest {

    @Nested
    class OnH2 extends Contract {
        OnH2() {
            super(TestDatabase.Kind.H2);
        }
    }

    @Nested
    class OnPostgres extends Contract {
        OnPostgres() {
            super(TestDatabase.Kind.POSTGRES);
        }
    }

    /** One hostile request: method, path (already encoded), content type (null: none), body (null: none). */
    record Hostile(String kind, String method, String path, String contentType, byte[] body) {
        @Override
        public String toString() {
            String p = path.length() > 120 ? path.substring(0, 120) + "…" : path;
            return kind + ": " + method + " " + p + (body == null ? "" : " (" + body.length + " bytes)");
        }
    }

    static final List<String> SQL = List.of("' OR '1'='1", "1; DROP TABLE asset; --", "1 UNION SELECT * FROM audit_event",
            "\"; DELETE FROM decision; --", "1' AND pg_sleep(5)--", "%27%20OR%201%3D1");
    static final List<String> BAD_IDS = List.of("0", "-1", "abc", "1.5", "99999999999999999999999", "9".repeat(5000),
            "..", "%2e%2e", "..%2f..%2fetc%2fpasswd", "%00", "1%20OR%201%3D1", "0x10", "%252e%252e", "1e3");

    abstract static class Contract extends DatabaseContract {
        private final Tokens tokens = new Tokens();
        private TestServer server;
        private Http http;
        private long assetId;
        private final Random random = new Random(12);
        /** Routes some hostile request was made from (traversals of a route match none). */
        private final Set<String> covered = new TreeSet<>();

        Contract(TestDatabase.Kind kind) {
            super(kind);
        }

        @BeforeAll
        void start() throws Exception {
            Path dir = Files.createTempDirectory("su-hostile");
            server = TestServer.start(db, Map.of("auth.tokens-file", tokens.write(dir.resolve("t.yaml")).toString(),
                    "http.read-timeout-seconds", "3"));
            http = server.http();
            var r = send(new Hostile("setup", "PUT", "/api/v1/assets", "application/json", """
                    {"namespace": "shop", "kind": "Deployment", "name": "web", "container": "app",
                     "image": "ghcr.io/acme/web", "currentTag": "1.0.0"}""".getBytes(StandardCharsets.UTF_8)));
            assertEquals(201, r.status(), r.body());
            assetId = r.json().get("id").asLong();
            // decide checks candidates against the registry's recorded listing
            dev.safeupdater.testing.Listings.record(db.database(), "ghcr.io/acme/web", "1.0.1", "1.0.2", "1.2.0");
            var d = send(new Hostile("setup", "POST", "/api/v1/assets/" + assetId + "/decide", "application/json",
                    "{\"candidateTag\": \"1.0.1\"}".getBytes(StandardCharsets.UTF_8)));
            assertEquals(201, d.status(), d.body());
        }

        @AfterAll
        void stop() {
            server.close();
        }

        private Http.Response send(Hostile h) {
            HttpRequest.Builder b = http.request(h.path()).header("Authorization", "Bearer " + tokens.tokenOf("admin"));
            if (h.contentType() != null) {
                b.header("Content-Type", h.contentType());
            }
            if (h.body() != null && h.body().length > Json.MAX_BODY_BYTES) {
                // the server answers 413 at once and closes; without waiting for that answer the client may still
                // be sending and see the connection reset instead of the answer
                b.expectContinue(true);
            }
            b.method(h.method(), h.body() == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(h.body()));
            return http.send(b);
        }

        /** Row counts of every table of the schema. */
        private Map<String, Long> rowCounts() {
            List<String> tables = db.database().jdbi().withHandle(h -> h.createQuery(
                            "SELECT table_name FROM information_schema.tables WHERE table_schema = CURRENT_SCHEMA"
                                    + " AND table_type IN ('BASE TABLE', 'TABLE')")
                    .mapTo(String.class).list());
            Map<String, Long> counts = new TreeMap<>();
            for (String t : tables) {
                counts.put(t.toLowerCase(java.util.Locale.ROOT), db.count("\"" + t + "\""));
            }
            return counts;
        }

        private static final String EVALUATE = HttpApiTest.EVALUATE.formatted("1.25.4");

        /** The routes that read a JSON body, with a valid body each. */
        private Map<String, String> bodyRoutes() {
            Map<String, String> m = new TreeMap<>();
            m.put("POST /api/v1/evaluate", EVALUATE);
            m.put("POST /api/v1/versions/candidates", "{\"current\": \"1.0.0\", \"available\": [\"1.0.1\"]}");
            m.put("PUT /api/v1/assets", """
                    {"namespace": "shop", "kind": "Deployment", "name": "new", "container": "app",
                     "image": "ghcr.io/acme/new", "currentTag": "1.0.0"}""");
            m.put("POST /api/v1/assets/" + assetId + "/decide", "{\"candidateTag\": \"1.0.2\"}");
            m.put("POST /api/v1/assets/" + assetId + "/approvals", "{\"candidateTag\": \"1.0.2\"}");
            m.put("POST /api/v1/scan", "{\"source\": \"no-such-source\"}");
            return m;
        }

        /** Where a value gets checked: [route, JSON template with %s in a checked field]. */
        private List<String[]> checkedFields() {
            return List.of(
                    new String[] {"POST /api/v1/evaluate", EVALUATE.replace("\"1.25.4\"", "%s")},
                    new String[] {"POST /api/v1/evaluate", EVALUATE.replace("\"image\": \"nginx\"", "\"image\": %s")},
                    new String[] {"PUT /api/v1/assets", bodyRoutes().get("PUT /api/v1/assets").replace("\"1.0.0\"", "%s")},
                    new String[] {"PUT /api/v1/assets", bodyRoutes().get("PUT /api/v1/assets").replace("\"ghcr.io/acme/new\"", "%s")},
                    new String[] {"POST /api/v1/assets/" + assetId + "/decide", "{\"candidateTag\": %s}"},
                    new String[] {"POST /api/v1/assets/" + assetId + "/approvals", "{\"candidateTag\": %s}"},
                    new String[] {"POST /api/v1/versions/candidates", "{\"current\": %s, \"available\": [\"1.0.1\"]}"},
                    new String[] {"POST /api/v1/scan", "{\"source\": %s}"});
        }

        private byte[] randomBytes(int n) {
            byte[] b = new byte[n];
            random.nextBytes(b);
            return b;
        }

        private static byte[] utf8(String s) {
            return s.getBytes(StandardCharsets.UTF_8);
        }

        private List<Hostile> hostileRequests() {
            List<Hostile> out = new ArrayList<>();
            Map<String, String> bodies = bodyRoutes();
            // bodies: random bytes, wrong content types, too large, deep, huge maps, invalid UTF-8, wrong shapes
            for (var e : bodies.entrySet()) {
                String method = e.getKey().split(" ")[0];
                String path = e.getKey().split(" ")[1];
                String valid = e.getValue();
                for (int i = 0; i < 30; i++) {
                    out.add(new Hostile("random bytes", method, path, "application/json",
                            randomBytes(1 + random.nextInt(4096))));
                }
                for (String ct : List.of("text/plain", "application/xml", "application/x-www-form-urlencoded",
                        "multipart/form-data; boundary=x", "image/png", "application/octet-stream",
                        "text/html; charset=utf-8", "application/javascript", "application/yaml", "*/*")) {
                    out.add(new Hostile("content type " + ct, method, path, ct, utf8(valid)));
                }
                byte[] big = new byte[3 * 1024 * 1024];
                java.util.Arrays.fill(big, (byte) 'a');
                big[0] = '"';
                big[big.length - 1] = '"';
                out.add(new Hostile("3 MiB body", method, path, "application/json", big));
                out.add(new Hostile("3 MiB JSON object", method, path, "application/json",
                        utf8("{\"labels\": {\"k\": \"" + "x".repeat(3 * 1024 * 1024) + "\"}}")));
                for (int depth : List.of(33, 100, 1000, 50_000)) {
                    out.add(new Hostile("nesting " + depth, method, path, "application/json",
                            utf8("[".repeat(depth) + "]".repeat(depth))));
                    out.add(new Hostile("nested objects " + depth, method, path, "application/json",
                            utf8("{\"a\":".repeat(depth) + "1" + "}".repeat(depth))));
                }
                StringBuilder huge = new StringBuilder("{\"labels\": {");
                for (int i = 0; i < 40_000; i++) {
                    huge.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"v\"");
                }
                huge.append("}}");
                out.add(new Hostile("huge map", method, path, "application/json", utf8(huge.toString())));
                out.add(new Hostile("huge map in a valid body", method, path, "application/json",
                        utf8(valid.replaceFirst("\\{", huge.substring(0, huge.length() - 1) + ", "))));
                out.add(new Hostile("long string", method, path, "application/json",
                        utf8("{\"image\": \"" + "a".repeat(300_000) + "\"}")));
                byte[] invalidUtf8 = utf8(valid.replaceFirst(":", ": \"\u0000MARK\","));
                String marked = new String(invalidUtf8, StandardCharsets.ISO_8859_1).replace("\u0000MARK", "\u00ff\u00fe\u00c3\u0028");
                out.add(new Hostile("invalid UTF-8", method, path, "application/json",
                        marked.getBytes(StandardCharsets.ISO_8859_1)));
                out.add(new Hostile("overlong UTF-8", method, path, "application/json",
                        concat(utf8("{\"image\": \""), new byte[] {(byte) 0xc0, (byte) 0xaf}, utf8("\"}"))));
                for (String shape : List.of("", "null", "[]", "1", "\"x\"", "true", "{", "}", "{\"a\":}", "{}{}",
                        valid + "x", valid.replace("{", "[").replace("}", "]"), "{\"__proto__\": {}}",
                        "{\"image\": 1e999999}", "{\"image\": 123456789012345678901234567890123456789012345678901234567890"
                                + "1234567890123456789012345678901234567890123}", "\ufeff" + "{")) {
                    out.add(new Hostile("shape " + shape.length(), method, path, "application/json", utf8(shape)));
                }
            }
            // checked values: SQL-looking strings, traversal, control characters, oversized
            for (String[] f : checkedFields()) {
                String method = f[0].split(" ")[0];
                String path = f[0].split(" ")[1];
                List<String> values = new ArrayList<>(SQL);
                values.addAll(List.of("../../etc/passwd", "..", "a/../../b", "\\u0000", "x".repeat(5000), "<script>",
                        "${jndi:ldap://127.0.0.1/x}", "\\n\\r", " ", "%2e%2e%2f", "nginx:1.0@sha256:" + "a".repeat(64)));
                for (String v : values) {
                    if (f[0].endsWith("/scan") && v.equals(" ")) {
                        continue; // a blank source means "every source": a valid request
                    }
                    out.add(new Hostile("checked value", method, path, "application/json",
                            utf8(f[1].formatted(Http.toJson(v)))));
                }
                for (String v : List.of("1", "[]", "{}", "true", "null")) {
                    if (f[0].endsWith("/scan") && v.equals("null")) {
                        continue; // no source: every source
                    }
                    out.add(new Hostile("wrong type", method, path, "application/json", utf8(f[1].formatted(v))));
                }
            }
            // ids in paths: traversal, oversized, SQL, not numbers
            for (Access.Rule rule : Access.TABLE) {
                if (!rule.pattern().contains("{")) {
                    continue;
                }
                for (String id : BAD_IDS) {
                    String path = rule.pattern().replaceAll("\\{[^}]+}", id);
                    out.add(new Hostile("bad id", rule.method(), path, bodyContentType(rule),
                            rule.method().equals("GET") || rule.method().equals("DELETE") ? null : utf8("{}")));
                }
                for (String sql : SQL) {
                    String path = rule.pattern().replaceAll("\\{[^}]+}",
                            java.net.URLEncoder.encode(sql, StandardCharsets.UTF_8).replace("+", "%20"));
                    out.add(new Hostile("SQL id", rule.method(), path, bodyContentType(rule),
                            rule.method().equals("GET") || rule.method().equals("DELETE") ? null : utf8("{}")));
                }
                // valid ids nobody has
                String unknown = rule.pattern().replaceAll("\\{[^}]+}", "987654321");
                if (rule.method().equals("GET") || rule.method().equals("DELETE")) {
                    out.add(new Hostile("unknown id", rule.method(), unknown, null, null));
                }
            }
            // traversal and junk around every route
            for (Access.Rule rule : Access.TABLE) {
                String base = rule.pattern().replace("{assetId}", Long.toString(assetId))
                        .replaceAll("\\{[^}]+}", "1");
                covered.add(rule.pattern());
                for (String suffix : List.of("/..%2f..%2fetc%2fpasswd", "/%2e%2e/%2e%2e/admin", "/nope", "%00",
                        "/" + "x".repeat(3000), ";jsessionid=1", "/.%2e/.%2e/rules/reload")) {
                    out.add(new Hostile("traversal", rule.method(), base + suffix, bodyContentType(rule),
                            rule.method().equals("GET") || rule.method().equals("DELETE") ? null : utf8("{}")));
                }
            }
            // bad query parameters on the listings
            Map<String, List<String>> queries = new TreeMap<>();
            queries.put("/api/v1/assets", List.of("limit=0", "limit=-1", "limit=abc", "limit=501",
                    "limit=99999999999999999999", "cursor=garbage", "cursor=" + "A".repeat(2000), "gone=maybe",
                    "limit=1%20OR%201%3D1", "cursor=%27%20OR%201%3D1--"));
            queries.put("/api/v1/decisions", List.of("outcome=BOGUS", "outcome=%27%20OR%201%3D1", "asset=abc",
                    "asset=1%3B%20DROP%20TABLE%20decision", "from=yesterday", "to=2026-13-45", "mode=wild",
                    "limit=0", "cursor=junk", "from=%00", "limit=1e3", "asset=99999999999999999999"));
            queries.put("/api/v1/scan", List.of("limit=-5", "cursor=nope", "limit=x"));
            queries.put("/api/v1/notifications/deliveries", List.of("status=NOPE", "event=nope", "asset=x",
                    "from=x", "limit=1000", "cursor=%27"));
            queries.put("/api/v1/tags", List.of("limit=-1", "limit=x", "image=", "image=%27%20OR%201%3D1",
                    "image=..%2F..%2Fetc", "image=" + "a".repeat(600), "limit=99999999"));
            queries.put("/api/v1/assets/" + assetId + "/approvals", List.of("candidateTag=%27%20OR%201%3D1",
                    "candidateTag=..%2F..", "candidateTag=" + "x".repeat(300)));
            queries.forEach((path, list) -> {
                for (String q : list) {
                    for (int i = 0; i < 3; i++) { // the same bad query, repeated and with an extra parameter
                        out.add(new Hostile("bad query", "GET", path + "?" + q + (i == 0 ? "" : "&x" + i + "=1"), null, null));
                    }
                }
            });
            return out;
        }

        private static String bodyContentType(Access.Rule rule) {
            return rule.method().equals("GET") || rule.method().equals("DELETE") ? null : "application/json";
        }

        private static byte[] concat(byte[]... parts) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (byte[] p : parts) {
                out.writeBytes(p);
            }
            return out.toByteArray();
        }

        @Test
        void everyHostileRequestIsA4xxProblemAndNothingChanges() throws Exception {
            Map<String, Long> before = rowCounts();
            List<Hostile> requests = hostileRequests();
            assertTrue(requests.size() >= 1000, "only " + requests.size() + " requests");
            Set<String> routesHit = new TreeSet<>(covered);
            List<String> wrong = new ArrayList<>();
            ObjectMapper mapper = new ObjectMapper();
            for (Hostile h : requests) {
                Http.Response r;
                try {
                    r = send(h);
                } catch (AssertionError e) {
                    wrong.add(h + " -> no answer: " + e.getMessage());
                    continue;
                }
                routesHit.add(Access.required(h.method(), h.path().replaceFirst("[?].*", "")).pattern());
                check(wrong, h.toString(), r.status(), r.contentType(), r.body(), mapper);
            }
            // requests no well-behaved client can even send: over a raw socket
            for (String raw : rawRequests()) {
                String what = "raw " + abbreviate(raw.replace("\r\n", " | ").replaceAll("[^\\x20-\\x7e]", "?"));
                try {
                    RawResponse r = rawSend(raw.getBytes(StandardCharsets.ISO_8859_1));
                    check(wrong, what, r.status, r.contentType, r.body, mapper);
                } catch (java.net.SocketTimeoutException e) {
                    wrong.add(what + " -> no answer in 30 s");
                }
            }
            // not HTTP at all (bytes over 0x7f in the request line, a target that is no path): the server cannot
            // answer in HTTP and closes the connection once http.read-timeout-seconds pass without a request
            String auth = "Authorization: Bearer " + Tokens.token("root") + "\r\n";
            for (String raw : List.of("GET /api/v1/assets/\u00ff\u00fe HTTP/1.1\r\nHost: a\r\n" + auth + "\r\n",
                    "GET ../../etc/passwd HTTP/1.1\r\nHost: a\r\n" + auth + "\r\n")) {
                long start = System.nanoTime();
                try {
                    RawResponse r = rawSend(raw.getBytes(StandardCharsets.ISO_8859_1));
                    if (r.status != -1) {
                        check(wrong, "not HTTP", r.status, r.contentType, r.body, mapper);
                    }
                } catch (java.net.SocketTimeoutException e) {
                    wrong.add("not HTTP: the connection stayed open past 30 s");
                }
                assertTrue(System.nanoTime() - start < 30_000_000_000L);
            }
            assertEquals(List.of(), wrong);
            for (Access.Rule rule : Access.TABLE) {
                assertTrue(routesHit.contains(rule.pattern()), "no hostile request for " + rule);
            }
            assertEquals(200, http.get("/observe/health").status(), "the server stays healthy");
            assertEquals(200, send(new Hostile("after", "POST", "/api/v1/evaluate", "application/json",
                    utf8(EVALUATE))).status(), "and keeps answering");
            assertEquals(before, rowCounts(), "no table gained or lost a row");
        }

        private static void check(List<String> wrong, String what, int status, String contentType, String body,
                                  ObjectMapper mapper) {
            if (status < 400 || status > 499) {
                wrong.add(what + " -> " + status + " " + abbreviate(body));
                return;
            }
            if (!contentType.startsWith("application/problem+json")) {
                wrong.add(what + " -> " + status + " as " + contentType + ": " + abbreviate(body));
                return;
            }
            try {
                JsonNode p = mapper.readTree(body);
                if (p.get("status").asInt() != status || p.get("detail") == null || body.contains("Exception")
                        || body.contains("\tat ")) {
                    wrong.add(what + " -> problem does not match or shows internals: " + abbreviate(body));
                }
            } catch (IOException e) {
                wrong.add(what + " -> not JSON: " + abbreviate(body));
            }
        }

        private static String abbreviate(String s) {
            return s.length() > 300 ? s.substring(0, 300) + "…" : s;
        }

        private List<String> rawRequests() {
            String auth = "Authorization: Bearer " + Tokens.token("root") + "\r\n";
            String host = "Host: 127.0.0.1\r\n";
            return List.of(
                    "GET /api/v1/assets/%zz HTTP/1.1\r\n" + host + auth + "Connection: close\r\n\r\n",
                    "GET /api/v1/decisions?outcome=%zz HTTP/1.1\r\n" + host + auth + "Connection: close\r\n\r\n",
                    "GET /api/v1/assets/1 HTTP/1.1\r\n" + host + auth + "X-Bad\u00ff: \u00ff\r\nConnection: close\r\n\r\n",
                    "POST /api/v1/evaluate HTTP/1.1\r\n" + host + auth + "Content-Type: application/json\r\n"
                            + "Content-Length: 999999999\r\nConnection: close\r\n\r\n{",
                    "POST /api/v1/evaluate HTTP/1.1\r\n" + host + auth + "Content-Type: application/json\r\n"
                            + "Content-Length: -5\r\nConnection: close\r\n\r\n{}",
                    "POST /api/v1/evaluate HTTP/1.1\r\n" + host + auth + "Content-Type: application/json\r\n"
                            + "Content-Length: abc\r\nConnection: close\r\n\r\n{}",
                    "GET /api/v1/" + "a".repeat(70_000) + " HTTP/1.1\r\n" + host + auth + "Connection: close\r\n\r\n",
                    "GET /api/v1/assets HTTP/1.1\r\n" + host + auth + "X-Huge: " + "h".repeat(70_000)
                            + "\r\nConnection: close\r\n\r\n");
        }

        record RawResponse(int status, String contentType, String body) {
        }

        private RawResponse rawSend(byte[] request) throws IOException {
            try (Socket s = new Socket("127.0.0.1", server.port())) {
                s.setSoTimeout(30_000);
                OutputStream out = s.getOutputStream();
                out.write(request);
                out.flush();
                InputStream in = s.getInputStream();
                byte[] all = in.readAllBytes();
                String text = new String(all, StandardCharsets.UTF_8);
                int headerEnd = text.indexOf("\r\n\r\n");
                String head = headerEnd < 0 ? text : text.substring(0, headerEnd);
                String body = headerEnd < 0 ? "" : text.substring(headerEnd + 4);
                String[] lines = head.split("\r\n");
                int status = lines[0].startsWith("HTTP/1.1 ") ? Integer.parseInt(lines[0].substring(9, 12)) : -1;
                String ct = "";
                for (String l : lines) {
                    if (l.toLowerCase(java.util.Locale.ROOT).startsWith("content-type:")) {
                        ct = l.substring(13).strip();
                    }
                }
                if (head.toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding: chunked")) {
                    body = dechunk(body);
                }
                return new RawResponse(status, ct, body);
            }
        }

        private static String dechunk(String body) {
            StringBuilder sb = new StringBuilder();
            int i = 0;
            while (i < body.length()) {
                int eol = body.indexOf("\r\n", i);
                if (eol < 0) {
                    break;
                }
                int n = Integer.parseInt(body.substring(i, eol).strip(), 16);
                if (n == 0) {
                    break;
                }
                sb.append(body, eol + 2, Math.min(body.length(), eol + 2 + n));
                i = eol + 2 + n + 2;
            }
            return sb.toString();
        }
    }
}
