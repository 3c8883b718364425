import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Closed-loop HTTP load: N clients, each on its own keep-alive connection, POST /api/v1/evaluate back to back for
 * a fixed time. A minimal HTTP/1.1 client (pre-built request bytes, Content-Length responses, one selector thread)
 * keeps the load generator's own CPU small, since it shares the machine with the server.
 *
 * Warms up until the throughput is stable, then measures POST /api/v1/evaluate and a no-op route
 * (GET /api/v1/no-op: the catch-all's 404 problem; the same server, HTTP stack, filters and connections, no work) in alternating slices, and prints
 * both p99s and their ratio.
 *
 * <p>Both routes get the same 32 closed-loop clients, which keep the two cores busy: by Little's law each route's
 * latency is then about CLIENTS x its cost per request / 2 cores, so the p99 ratio follows the ratio of what a request
 * costs the server. With the server's process id the CPU time the server spent per request of each route is printed
 * too (from /proc), which shows where a ratio comes from.
 *
 * Usage: EvaluateApiLoad PORT CLIENTS SECONDS MAX_WARMUP_SECONDS [SERVER_PID]
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
        long serverPid = args.length > 4 ? Long.parseLong(args[4]) : -1;

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

        // the no-op: an API path no resource serves, answered by the catch-all with a 404 problem document
        // (same connection handling, filters, routing and JSON rendering as evaluate, no evaluation)
        byte[][] noop = {("GET /api/v1/no-op HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8)};

        // Warm-up until the throughput is stable (JIT, pools, caches): 2 s windows of both routes until the
        // evaluate rate of three windows in a row is within 10 %, at most WARMUP_SECONDS.
        long warmStart = System.nanoTime();
        double[] rates = new double[3];
        int windows = 0;
        while (true) {
            long[][] lat = new long[clients][];
            long t0 = System.nanoTime();
            run(port, clients, 2, requests, lat, 200);
            double rate = count(lat) / ((System.nanoTime() - t0) / 1e9);
            run(port, clients, 1, noop, null, 404);
            rates[windows++ % 3] = rate;
            System.out.printf("warm-up window %d: %.0f evaluate requests/s%n", windows, rate);
            double min = Math.min(rates[0], Math.min(rates[1], rates[2]));
            double max = Math.max(rates[0], Math.max(rates[1], rates[2]));
            if (windows >= 3 && max <= min * 1.10) {
                break;
            }
            if ((System.nanoTime() - warmStart) / 1e9 > warmup) {
                System.out.printf("warm-up: throughput still moving after %d s; measuring anyway%n", warmup);
                break;
            }
        }
        System.out.printf("warm-up: %.0f s%n", (System.nanoTime() - warmStart) / 1e9);

        // Measure: evaluate and the no-op route in alternating slices under the same load, so drift hits both.
        int slices = 4;
        int slice = Math.max(1, seconds / (2 * slices));
        long[][] evalLat = new long[clients * slices][];
        long[][] noopLat = new long[clients * slices][];
        AtomicLong errors = new AtomicLong();
        double evalTime = 0;
        double noopTime = 0;
        long evalCpu = 0;
        long noopCpu = 0;
        for (int i = 0; i < slices; i++) {
            long[][] e = new long[clients][];
            long t0 = System.nanoTime();
            long c0 = cpuTicks(serverPid);
            errors.addAndGet(run(port, clients, slice, requests, e, 200).get());
            evalCpu += cpuTicks(serverPid) - c0;
            evalTime += (System.nanoTime() - t0) / 1e9;
            System.arraycopy(e, 0, evalLat, i * clients, clients);
            long[][] n = new long[clients][];
            t0 = System.nanoTime();
            c0 = cpuTicks(serverPid);
            errors.addAndGet(run(port, clients, slice, noop, n, 404).get());
            noopCpu += cpuTicks(serverPid) - c0;
            noopTime += (System.nanoTime() - t0) / 1e9;
            System.arraycopy(n, 0, noopLat, i * clients, clients);
        }
        long[] all = sorted(evalLat);
        long[] none = sorted(noopLat);
        double rps = all.length / evalTime;
        System.out.printf("clients=%d evaluate: %.1fs %d requests; no-op (GET /api/v1/no-op, 404): %.1fs %d requests;"
                + " errors=%d%n", clients, evalTime, all.length, noopTime, none.length, errors.get());
        System.out.printf("evaluate p50=%.2fms p90=%.2fms p99=%.2fms p99.9=%.2fms max=%.2fms%n", pct(all, 50),
                pct(all, 90), pct(all, 99), pct(all, 99.9), all.length == 0 ? 0 : all[all.length - 1] / 1e6);
        System.out.printf("no-op    p50=%.2fms p90=%.2fms p99=%.2fms p99.9=%.2fms (%.0f requests/s)%n", pct(none, 50),
                pct(none, 90), pct(none, 99), pct(none, 99.9), none.length / noopTime);
        if (serverPid > 0 && all.length > 0 && none.length > 0) {
            double evalUs = evalCpu * 1e6 / TICKS_PER_SECOND / all.length;
            double noopUs = noopCpu * 1e6 / TICKS_PER_SECOND / none.length;
            System.out.printf("server CPU per request: evaluate %.0f us, no-op %.0f us (ratio %.2f)%n", evalUs, noopUs,
                    evalUs / noopUs);
        }
        double ratio = pct(none, 99) == 0 ? 0 : pct(all, 99) / pct(none, 99);
        System.out.printf("evaluate-api: %.0f requests/s, p99 %.2f ms vs no-op p99 %.2f ms: ratio %.2f (target <= 1.5),"
                + " %d errors%n", rps, pct(all, 99), pct(none, 99), ratio, errors.get());
        if (errors.get() > 0) {
            System.exit(1);
        }
    }

    /** Clock ticks per second of /proc/PID/stat's times (USER_HZ: 100 on Linux). */
    private static final double TICKS_PER_SECOND = 100;

    /** CPU time (user + system, in clock ticks) process {@code pid} has used; 0 without a pid or /proc. */
    private static long cpuTicks(long pid) throws IOException {
        if (pid <= 0) {
            return 0;
        }
        java.nio.file.Path stat = java.nio.file.Path.of("/proc/" + pid + "/stat");
        if (!java.nio.file.Files.isReadable(stat)) {
            return 0;
        }
        String s = java.nio.file.Files.readString(stat);
        String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15: utime, stime
    }

    private static int count(long[][] latencies) {
        int total = 0;
        for (long[] l : latencies) {
            total += l == null ? 0 : l.length;
        }
        return total;
    }

    private static long[] sorted(long[][] latencies) {
        long[] all = new long[count(latencies)];
        int k = 0;
        for (long[] l : latencies) {
            if (l != null) {
                System.arraycopy(l, 0, all, k, l.length);
                k += l.length;
            }
        }
        Arrays.sort(all);
        return all;
    }

    private static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(i, sorted.length - 1))] / 1e6;
    }

    /**
     * Runs {@code clients} keep-alive connections from ONE thread (a selector loop): each sends its next request as
     * soon as the previous response is complete. One client thread instead of 32 keeps the generator from competing
     * with the server for the two cores, so the latencies measured are the server's, not the generator's scheduling.
     */
    private static AtomicLong run(int port, int clients, int seconds, byte[][] requests, long[][] out, int expected)
            throws IOException {
        AtomicLong errors = new AtomicLong();
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        try (Selector selector = Selector.open()) {
            Conn[] conns = new Conn[clients];
            for (int c = 0; c < clients; c++) {
                SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                ch.configureBlocking(false);
                conns[c] = new Conn(ch, c);
                ch.register(selector, SelectionKey.OP_READ, conns[c]);
                conns[c].send(requests[c % requests.length]);
            }
            int open = clients;
            while (open > 0) {
                selector.select(100);
                for (SelectionKey key : selector.selectedKeys()) {
                    Conn conn = (Conn) key.attachment();
                    int status = conn.read();
                    if (status == 0) {
                        continue; // response not complete yet
                    }
                    if (status < 0) {
                        errors.incrementAndGet();
                        key.cancel();
                        conn.channel.close();
                        open--;
                        continue;
                    }
                    conn.record(System.nanoTime() - conn.sentAt);
                    if (status != expected) {
                        errors.incrementAndGet();
                    }
                    if (System.nanoTime() < deadline) {
                        conn.send(requests[conn.next++ % requests.length]);
                    } else {
                        key.cancel();
                        conn.channel.close();
                        open--;
                    }
                }
                selector.selectedKeys().clear();
            }
            if (out != null) {
                for (Conn c : conns) {
                    out[c.id] = Arrays.copyOf(c.latencies, c.count);
                }
            }
        }
        return errors;
    }

    /** One keep-alive connection: the request in flight and a buffer for the response. */
    private static final class Conn {
        final SocketChannel channel;
        final int id;
        final ByteBuffer in = ByteBuffer.allocate(64 * 1024);
        long sentAt;
        int next;
        long[] latencies = new long[1 << 16];
        int count;

        Conn(SocketChannel channel, int id) {
            this.channel = channel;
            this.id = id;
            this.next = id + 1;
        }

        void send(byte[] request) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(request);
            sentAt = System.nanoTime();
            while (b.hasRemaining()) {
                channel.write(b);
            }
        }

        void record(long nanos) {
            if (count == latencies.length) {
                latencies = Arrays.copyOf(latencies, count * 2);
            }
            latencies[count++] = nanos;
        }

        /** Reads what arrived; the status code once the whole response is in, 0 before, -1 on a closed socket. */
        int read() throws IOException {
            if (channel.read(in) < 0) {
                return -1;
            }
            int headerEnd = indexOf(in, "\r\n\r\n");
            if (headerEnd < 0) {
                return 0;
            }
            String head = new String(in.array(), 0, headerEnd, StandardCharsets.ISO_8859_1);
            int length = 0;
            boolean chunked = false;
            for (String h : head.split("\r\n")) {
                if (h.regionMatches(true, 0, "content-length:", 0, 15)) {
                    length = Integer.parseInt(h.substring(15).trim());
                } else if (h.regionMatches(true, 0, "transfer-encoding:", 0, 18) && h.contains("chunked")) {
                    chunked = true;
                }
            }
            int total = headerEnd + 4 + length;
            if (chunked) {
                int end = indexOf(in, "\r\n0\r\n\r\n");
                if (end < 0) {
                    return 0;
                }
                total = end + 7;
            }
            if (in.position() < total) {
                return 0;
            }
            int status = Integer.parseInt(head.substring(9, 12));
            // keep any bytes beyond this response (there are none with one request in flight)
            in.flip();
            in.position(total);
            in.compact();
            return status;
        }

        private static int indexOf(ByteBuffer b, String s) {
            byte[] a = b.array();
            outer:
            for (int i = 0; i + s.length() <= b.position(); i++) {
                for (int j = 0; j < s.length(); j++) {
                    if (a[i + j] != s.charAt(j)) {
                        continue outer;
                    }
                }
                return i;
            }
            return -1;
        }
    }

}
