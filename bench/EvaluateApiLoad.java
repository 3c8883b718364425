import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Closed-loop HTTP load: N clients, each on its own keep-alive connection, POST /api/v1/evaluate back to back for
 * a fixed time. A minimal HTTP/1.1 client (pre-built request bytes, Content-Length responses) keeps the load
 * generator's own CPU small, since it shares the machine with the server.
 *
 * Usage: EvaluateApiLoad PORT CLIENTS SECONDS WARMUP_SECONDS
 */
public final class EvaluateApiLoad {
    private static final String[][] CASES = {
            {"1.25.3", "1.25.4"}, {"1.25.3", "1.26.0"}, {"1.25.3", "2.0.0"}, {"1.25.3", "1.24.9"},
            {"7.2.4", "7.2.5"}, {"16.1", "16.3"}, {"3.12.1", "3.12.2"}, {"2.4.0", "3.0.0"},
    };

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int clients = Integer.parseInt(args[1]);
        int seconds = Integer.parseInt(args[2]);
        int warmup = Integer.parseInt(args[3]);

        byte[][] requests = new byte[CASES.length * 4][];
        for (int i = 0; i < requests.length; i++) {
            String[] c = CASES[i % CASES.length];
            String body = "{\"namespace\":\"team-" + (i % 4) + "\",\"kind\":\"Deployment\",\"name\":\"svc-" + i
                    + "\",\"container\":\"app\",\"image\":\"registry.example.com/acme/svc-" + i + "\",\"currentTag\":\""
                    + c[0] + "\",\"candidateTag\":\"" + c[1] + "\",\"labels\":{\"team\":\"t" + (i % 4) + "\"}}";
            requests[i] = ("POST /api/v1/evaluate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body)
                    .getBytes(StandardCharsets.UTF_8);
        }

        run(port, clients, warmup, requests, null); // warm-up: JIT, pools, caches
        long[][] latencies = new long[clients][];
        long start = System.nanoTime();
        AtomicLong errors = run(port, clients, seconds, requests, latencies);
        double elapsed = (System.nanoTime() - start) / 1e9;

        int total = 0;
        for (long[] l : latencies) {
            total += l.length;
        }
        long[] all = new long[total];
        int k = 0;
        for (long[] l : latencies) {
            System.arraycopy(l, 0, all, k, l.length);
            k += l.length;
        }
        Arrays.sort(all);
        double rps = total / elapsed;
        System.out.printf("clients=%d duration=%.1fs requests=%d errors=%d%n", clients, elapsed, total, errors.get());
        System.out.printf("p50=%.2fms p90=%.2fms p99=%.2fms p99.9=%.2fms max=%.2fms%n", pct(all, 50), pct(all, 90),
                pct(all, 99), pct(all, 99.9), all.length == 0 ? 0 : all[all.length - 1] / 1e6);
        System.out.printf("evaluate-api: %.0f requests/s (p50 %.2f ms, p99 %.2f ms, %d errors)%n", rps, pct(all, 50),
                pct(all, 99), errors.get());
        if (errors.get() > 0) {
            System.exit(1);
        }
    }

    private static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(i, sorted.length - 1))] / 1e6;
    }

    private static AtomicLong run(int port, int clients, int seconds, byte[][] requests, long[][] out)
            throws InterruptedException {
        AtomicLong errors = new AtomicLong();
        CountDownLatch done = new CountDownLatch(clients);
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        for (int c = 0; c < clients; c++) {
            final int id = c;
            Thread.ofPlatform().start(() -> {
                long[] lat = new long[1 << 16];
                int n = 0;
                try (Socket s = new Socket()) {
                    s.setTcpNoDelay(true);
                    s.connect(new InetSocketAddress("127.0.0.1", port));
                    OutputStream os = s.getOutputStream();
                    InputStream is = new BufferedInputStream(s.getInputStream(), 16384);
                    int r = id;
                    while (System.nanoTime() < deadline) {
                        long t0 = System.nanoTime();
                        os.write(requests[r++ % requests.length]);
                        os.flush();
                        int status = readResponse(is);
                        long t = System.nanoTime() - t0;
                        if (status != 200) {
                            errors.incrementAndGet();
                        }
                        if (n == lat.length) {
                            lat = Arrays.copyOf(lat, n * 2);
                        }
                        lat[n++] = t;
                    }
                } catch (IOException e) {
                    errors.incrementAndGet();
                    System.err.println("client " + id + ": " + e);
                } finally {
                    if (out != null) {
                        out[id] = Arrays.copyOf(lat, n);
                    }
                    done.countDown();
                }
            });
        }
        done.await();
        return errors;
    }

    /** Reads one response (status line, headers, Content-Length body); returns the status code. */
    private static int readResponse(InputStream in) throws IOException {
        String status = line(in);
        int code = Integer.parseInt(status.substring(9, 12));
        int length = 0;
        for (String h = line(in); !h.isEmpty(); h = line(in)) {
            if (h.regionMatches(true, 0, "content-length:", 0, 15)) {
                length = Integer.parseInt(h.substring(15).trim());
            }
        }
        in.skipNBytes(length);
        return code;
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder(64);
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("connection closed");
            }
            if (b != '\r') {
                sb.append((char) b);
            }
        }
        return sb.toString();
    }
}
