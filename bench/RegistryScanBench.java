import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.safeupdater.execution.TagService;
import dev.safeupdater.registry.HostOptions;
import dev.safeupdater.registry.Registry;
import dev.safeupdater.registry.RegistryOptions;
import dev.safeupdater.store.Database;
import dev.safeupdater.store.ImageTagStore;

/**
 * A scan of REPOS repositories with TAGS tags each in a real local registry: one discovery request per repository
 * (current tag 1.2.3: patch, minor and major candidates with digests and release times), recorded in an in-memory
 * H2 store; then the same scan again with a warm cache. Reports wall time and registry requests for both.
 */
public class RegistryScanBench {
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    public static void main(String[] args) throws Exception {
        String registryBin = args[0];
        int repos = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        int tagsPer = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        Path dir = Files.createTempDirectory("su-bench-registry-");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Files.writeString(dir.resolve("config.yml"), "version: 0.1\nlog:\n  level: error\n  accesslog:\n"
                + "    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: " + dir.resolve("data")
                + "\nhttp:\n  addr: 127.0.0.1:" + port + "\n");
        Process registry = new ProcessBuilder(registryBin, "serve", dir.resolve("config.yml").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
        String host = "127.0.0.1:" + port;
        try {
            await(port);
            long p0 = System.nanoTime();
            push(host, repos, tagsPer);
            System.out.printf("pushed %d repositories x %d tags in %.1f s (registry %s)%n", repos, tagsPer,
                    (System.nanoTime() - p0) / 1e9, host);

            Database db = Database.open("jdbc:h2:mem:scanbench;DB_CLOSE_DELAY=-1", "sa", "", 4);
            db.migrate();
            HostOptions local = new HostOptions(true, null, 5000, 5000, 16);
            RegistryOptions options = RegistryOptions.builder().host(host, local)
                    .cache(Duration.ofMinutes(10), 5000).build();
            System.out.printf("registry politeness for %s: rate %.0f/s, burst %d, at most %d in flight; cache TTL %s%n",
                    host, local.rate(), local.burst(), local.maxConcurrent(), options.cacheTtl());
            List<TagService.DiscoveryRequest> requests = new ArrayList<>();
            for (int r = 0; r < repos; r++) {
                requests.add(new TagService.DiscoveryRequest(host + "/bench/app" + r, "1.2.3", null, false));
            }
            try (TagService tags = new TagService(new Registry(options), new ImageTagStore(db), Clock.systemUTC())) {
                double coldS = scan("cold", tags, requests, repos);
                scan("warm", tags, requests, repos);
                long rows = db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM image_tag").mapTo(Long.class).one());
                System.out.printf("image_tag rows recorded: %,d%n", rows);
                System.out.printf("registry-scan: %.2f s%n", coldS);
            }
            db.close();
        } finally {
            registry.destroy();
            registry.waitFor();
            try (var walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    static double scan(String name, TagService tags, List<TagService.DiscoveryRequest> requests, int repos) {
        long before = tags.registry().client().requests();
        long t0 = System.nanoTime();
        List<TagService.Discovery> out = tags.discover(requests);
        double s = (System.nanoTime() - t0) / 1e9;
        long made = tags.registry().client().requests() - before;
        long stale = out.stream().filter(TagService.Discovery::stale).count();
        long withMajor = out.stream().filter(d -> d.candidates().containsKey("major")
                && d.candidates().get("major").releaseTime() != null).count();
        System.out.printf("%s scan: %d images in %.2f s, %d registry requests (%.2f per image), %d stale,"
                + " %d with a dated major candidate%n", name, repos, s, made, (double) made / repos, stale, withMajor);
        return s;
    }

    static void push(String host, int repos, int tagsPer) throws Exception {
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<?>> fs = new ArrayList<>();
            for (int r = 0; r < repos; r++) {
                int repo = r;
                fs.add(pool.submit(() -> {
                    pushRepo(host, "bench/app" + repo, tagsPer);
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        }
    }

    /** Tags 1.x.y and 2.x.y (x 0-4, y 0-9, as many as asked) over 10 distinct images. */
    static void pushRepo(String host, String repo, int tagsPer) throws Exception {
        byte[] layer = ("layer " + repo).getBytes(StandardCharsets.UTF_8);
        String layerDigest = blob(host, repo, layer);
        byte[][] manifests = new byte[10][];
        for (int i = 0; i < 10; i++) {
            byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\""
                    + Instant.parse("2025-01-01T00:00:00Z").plusSeconds(86400L * i) + "\",\"config\":{},"
                    + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + sha256(layer) + "\"]}}")
                    .getBytes(StandardCharsets.UTF_8);
            String configDigest = blob(host, repo, config);
            manifests[i] = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
                    + "\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"size\":"
                    + config.length + ",\"digest\":\"" + configDigest + "\"},\"layers\":[{\"mediaType\":"
                    + "\"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"size\":" + layer.length
                    + ",\"digest\":\"" + layerDigest + "\"}]}").getBytes(StandardCharsets.UTF_8);
        }
        int n = 0;
        for (int major = 1; major <= 2 && n < tagsPer; major++) {
            for (int minor = 0; minor < 5 && n < tagsPer; minor++) {
                for (int patch = 0; patch < 10 && n < tagsPer; patch++, n++) {
                    byte[] m = manifests[((major - 1) * 5 + minor) % 10];
                    send(HttpRequest.newBuilder(URI.create("http://" + host + "/v2/" + repo + "/manifests/" + major
                                    + "." + minor + "." + patch))
                            .header("Content-Type", "application/vnd.docker.distribution.manifest.v2+json")
                            .PUT(HttpRequest.BodyPublishers.ofByteArray(m)), 201);
                }
            }
        }
    }

    static String blob(String host, String repo, byte[] data) throws Exception {
        String digest = sha256(data);
        HttpResponse<String> start = send(HttpRequest.newBuilder(URI.create("http://" + host + "/v2/" + repo
                + "/blobs/uploads/")).POST(HttpRequest.BodyPublishers.noBody()), 202);
        URI loc = URI.create("http://" + host).resolve(start.headers().firstValue("Location").orElseThrow());
        send(HttpRequest.newBuilder(URI.create(loc + (loc.toString().contains("?") ? "&" : "?") + "digest=" + digest))
                .header("Content-Type", "application/octet-stream").PUT(HttpRequest.BodyPublishers.ofByteArray(data)), 201);
        return digest;
    }

    static HttpResponse<String> send(HttpRequest.Builder b, int expected) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != expected) {
            throw new IllegalStateException("push: HTTP " + r.statusCode() + " " + r.body());
        }
        return r;
    }

    static String sha256(byte[] b) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    static void await(int port) throws Exception {
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("registry did not start");
    }
}
