import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.safeupdater.testing.MockCluster;
import dev.safeupdater.testing.Workloads;

/**
 * The cycle benchmark's world, in its own JVM so its objects do not count against the measured heap:
 * <ul>
 * <li>a Kubernetes API (fabric8's mock server in CRUD mode, lists paged like a real API server) holding WORKLOADS
 * Deployments in NAMESPACES namespaces, each running one of IMAGES images ({@code <registry>/bench/img-K});</li>
 * <li>a stand-in registry speaking the OCI distribution API over HTTP (no real registry holds 50,000 tags in
 * reasonable time here): {@code /v2/}, tag lists, manifests by tag or digest (HEAD and GET, with
 * {@code Docker-Content-Digest}; the digest is the SHA-256 of the manifest served; the release time is the manifest's
 * {@code org.opencontainers.image.created} annotation). Every repository has TAGS tags 1.0.0 ... (majors x minors x
 * patches of 5); every answer is made once at start ({@link Answers}).</li>
 * </ul>
 * Both run on the benchmark's two cores, so both are warmed up before READY ({@link #warmUp}; its requests are not
 * counted): the benchmark measures the cycle, not the JIT compilation of its stand-ins.
 * Prints "READY <api-url> <registry-host>" and serves until killed; prints "REQUESTS <api> <registry>" on exit.
 *
 * <p>Usage: CycleMockServer WORKLOADS NAMESPACES IMAGES TAGS
 */
public class CycleMockServer {
    static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

    public static void main(String[] args) throws Exception {
        int workloads = Integer.parseInt(args[0]);
        int namespaces = Integer.parseInt(args[1]);
        int images = Integer.parseInt(args[2]);
        int tagCount = Integer.parseInt(args[3]);
        List<String> tags = new ArrayList<>();
        for (int major = 1; tags.size() < tagCount; major++) {
            for (int minor = 0; minor < 5 && tags.size() < tagCount; minor++) {
                for (int patch = 0; patch < 5 && tags.size() < tagCount; patch++) {
                    tags.add(major + "." + minor + "." + patch);
                }
            }
        }
        AtomicLong registryRequests = new AtomicLong();
        HttpServer registry = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
        registry.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        String tagList = "\"tags\":[" + String.join(",", tags.stream().map(t -> "\"" + t + "\"").toList()) + "]}";
        Answers answers = new Answers(images, tags, tagList);
        registry.createContext("/v2/", ex -> {
            try (ex) {
                registryRequests.incrementAndGet();
                serve(ex, answers);
            }
        });
        registry.start();
        String host = "127.0.0.1:" + registry.getAddress().getPort();

        MockCluster cluster = MockCluster.startPaging();
        int perNamespace = workloads / namespaces;
        int n = 0;
        for (int ns = 0; ns < namespaces; ns++) {
            String namespace = "team-" + ns;
            cluster.put(Workloads.namespace(namespace));
            for (int i = 0; i < perNamespace; i++, n++) {
                String tag = "1." + (i % 3) + "." + (i % 2);
                cluster.put(Workloads.of("Deployment", namespace, "svc-" + i)
                        .container("app", host + "/bench/img-" + (n % images) + ":" + tag)
                        .label("app.kubernetes.io/name", "svc-" + i).label("team", "team-" + (ns % 17)).build());
            }
        }
        // a real API server and registry are warm and elsewhere; these share the benchmark's two cores, so they are
        // warmed up (JIT) before the benchmark starts, and the warm-up's requests are not counted
        warmUp(cluster.url(), host, images);
        int apiBefore = cluster.requests();
        registryRequests.set(0);
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("REQUESTS " + (cluster.requests() - apiBefore) + " " + registryRequests.get());
            System.out.flush();
            stop.countDown();
        }));
        System.out.println("READY " + cluster.url() + " " + host);
        System.out.flush();
        stop.await();
    }

    /**
     * Every answer the stand-in registry gives, made once at start: a registry serves stored blobs, and computing
     * manifests and their SHA-256 per request would take CPU from the two cores the benchmark measures.
     */
    record Answers(String tagList, Map<String, byte[]> manifests, Map<String, String> digests,
                   Map<String, String> tagOfDigest) {
        Answers(int images, List<String> tags, String tagList) {
            this(tagList, new HashMap<>(), new HashMap<>(), new HashMap<>());
            for (int i = 0; i < images; i++) {
                String repo = "bench/img-" + i;
                for (String tag : tags) {
                    byte[] body = manifest(repo, tag, tags);
                    String digest = digest(body);
                    manifests.put(repo + ":" + tag, body);
                    digests.put(repo + ":" + tag, digest);
                    tagOfDigest.put(repo + "@" + digest, tag);
                }
            }
        }
    }

    private static void serve(HttpExchange ex, Answers answers) throws IOException {
        String path = ex.getRequestURI().getPath(); // /v2/bench/img-K/...
        if (path.equals("/v2/")) {
            send(ex, 200, "application/json", "{}".getBytes(StandardCharsets.UTF_8), null);
            return;
        }
        int tagsAt = path.indexOf("/tags/list");
        if (tagsAt > 0) {
            String repo = path.substring(4, tagsAt);
            send(ex, 200, "application/json", ("{\"name\":\"" + repo + "\"," + answers.tagList())
                    .getBytes(StandardCharsets.UTF_8), null);
            return;
        }
        int manifestsAt = path.indexOf("/manifests/");
        if (manifestsAt < 0) {
            send(ex, 404, "application/json", "{\"errors\":[{\"code\":\"NOT_FOUND\"}]}".getBytes(), null);
            return;
        }
        String repo = path.substring(4, manifestsAt);
        String reference = path.substring(manifestsAt + "/manifests/".length());
        // a digest names one of this repository's manifests
        String tag = reference.startsWith("sha256:") ? answers.tagOfDigest().get(repo + "@" + reference) : reference;
        byte[] body = tag == null ? null : answers.manifests().get(repo + ":" + tag);
        if (body == null) {
            send(ex, 404, "application/json", "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\"}]}".getBytes(), null);
            return;
        }
        send(ex, 200, "application/vnd.oci.image.manifest.v1+json", body, answers.digests().get(repo + ":" + tag));
    }

    /**
     * Sends the kinds of requests a cycle sends, to both servers, until their code is compiled: a paged list of all
     * Deployments, and tag lists and manifests (GET and HEAD, by tag and by digest) of the first images.
     */
    private static void warmUp(String api, String registry, int images) throws Exception {
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            for (int round = 0; round < 3; round++) {
                String cont = null;
                do {
                    String body = client.send(HttpRequest.newBuilder(URI.create(api + "/apis/apps/v1/deployments?limit=500"
                            + (cont == null ? "" : "&continue=" + cont))).build(),
                            HttpResponse.BodyHandlers.ofString()).body();
                    int at = body.indexOf("\"continue\":\"");
                    cont = at < 0 ? null : body.substring(at + 12, body.indexOf('"', at + 12));
                } while (cont != null);
            }
            for (int i = 0; i < 3000; i++) {
                String repo = "http://" + registry + "/v2/bench/img-" + (i % Math.min(images, 100));
                client.send(HttpRequest.newBuilder(URI.create(repo + "/tags/list")).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                HttpResponse<byte[]> m = client.send(HttpRequest.newBuilder(URI.create(repo + "/manifests/1.0."
                        + (i % 5))).build(), HttpResponse.BodyHandlers.ofByteArray());
                String digest = m.headers().firstValue("Docker-Content-Digest").orElseThrow();
                client.send(HttpRequest.newBuilder(URI.create(repo + "/manifests/" + digest))
                        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                        HttpResponse.BodyHandlers.discarding());
            }
        }
    }

    /** A small OCI manifest; its created annotation: a day per tag after T0. */
    static byte[] manifest(String repo, String tag, List<String> tags) {
        Instant created = T0.plusSeconds(86400L * tags.indexOf(tag));
        String layer = sha("layer " + repo + ":" + tag);
        return ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"digest\":"
                + "\"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\",\"size\":2},"
                + "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:"
                + layer + "\",\"size\":1024}],\"annotations\":{\"org.opencontainers.image.created\":\"" + created
                + "\"}}").getBytes(StandardCharsets.UTF_8);
    }

    static String digest(byte[] body) {
        return "sha256:" + sha(body);
    }

    static String sha(String s) {
        return sha(s.getBytes(StandardCharsets.UTF_8));
    }

    static String sha(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static void send(HttpExchange ex, int status, String type, byte[] body, String digest) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        if (digest != null) {
            ex.getResponseHeaders().set("Docker-Content-Digest", digest);
        }
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, head ? -1 : body.length);
        if (!head) {
            ex.getResponseBody().write(body);
        }
    }
}
