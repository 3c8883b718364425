import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
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
 * patches of 5).</li>
 * </ul>
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
        registry.createContext("/v2/", ex -> {
            try (ex) {
                registryRequests.incrementAndGet();
                serve(ex, tags, tagList);
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
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("REQUESTS " + cluster.requests() + " " + registryRequests.get());
            System.out.flush();
            stop.countDown();
        }));
        System.out.println("READY " + cluster.url() + " " + host);
        System.out.flush();
        stop.await();
    }

    private static void serve(HttpExchange ex, List<String> tags, String tagList) throws IOException {
        String path = ex.getRequestURI().getPath(); // /v2/bench/img-K/...
        if (path.equals("/v2/")) {
            send(ex, 200, "application/json", "{}".getBytes(StandardCharsets.UTF_8), null);
            return;
        }
        int tagsAt = path.indexOf("/tags/list");
        if (tagsAt > 0) {
            String repo = path.substring(4, tagsAt);
            send(ex, 200, "application/json", ("{\"name\":\"" + repo + "\"," + tagList)
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
        String tag = reference;
        if (reference.startsWith("sha256:")) {
            tag = null;
            for (String t : tags) { // a digest names one of this repository's manifests
                if (digest(manifest(repo, t, tags)).equals(reference)) {
                    tag = t;
                    break;
                }
            }
        }
        if (tag == null || !tags.contains(tag)) {
            send(ex, 404, "application/json", "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\"}]}".getBytes(), null);
            return;
        }
        byte[] body = manifest(repo, tag, tags);
        send(ex, 200, "application/vnd.oci.image.manifest.v1+json", body, digest(body));
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
