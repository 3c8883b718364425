import java.util.concurrent.CountDownLatch;

import dev.safeupdater.testing.MockCluster;
import dev.safeupdater.testing.Workloads;

/**
 * The benchmark's Kubernetes API: fabric8's mock server in CRUD mode (no real API server can run here) holding
 * WORKLOADS workloads in NAMESPACES namespaces, put into the CRUD store directly, with lists paged (limit/continue)
 * the way a real API server pages them (testing/MockCluster#startPaging). Runs in its own JVM so the 10,000
 * stored objects do not count against the scanner's heap. Prints "READY <url> <seconds to load>" and serves until
 * killed; prints "REQUESTS <n>" on exit.
 *
 * <p>Usage: java -cp server+test classes bench/InventoryMockServer.java WORKLOADS NAMESPACES
 */
public class InventoryMockServer {
    public static void main(String[] args) throws Exception {
        int workloads = Integer.parseInt(args[0]);
        int namespaces = Integer.parseInt(args[1]);
        long t0 = System.nanoTime();
        MockCluster cluster = MockCluster.startPaging();
        String lastApplied = "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"annotations\":{},"
                + "\"labels\":{\"app\":\"x\"}},\"spec\":{\"replicas\":2,\"template\":{\"spec\":{\"containers\":"
                + "[{\"name\":\"app\",\"image\":\"nginx\",\"env\":[{\"name\":\"A\",\"value\":\"b\"}]}]}}}}";
        int perNamespace = workloads / namespaces;
        for (int n = 0; n < namespaces; n++) {
            String ns = "team-" + n;
            cluster.put(Workloads.namespace(ns));
            for (int i = 0; i < perNamespace; i++) {
                // per namespace of 50: 35 Deployments, 8 StatefulSets, 4 DaemonSets, 3 CronJobs
                int slot = i % 50;
                String kind = slot < 35 ? "Deployment" : slot < 43 ? "StatefulSet" : slot < 47 ? "DaemonSet" : "CronJob";
                Workloads w = Workloads.of(kind, ns, kind.toLowerCase() + "-" + i)
                        .container("app", "registry.example.com/" + ns + "/svc-" + i + ":1." + (i % 7) + "." + n)
                        .label("app.kubernetes.io/name", "svc-" + i).label("app.kubernetes.io/part-of", ns)
                        .label("team", "team-" + (n % 17))
                        .annotation("kubectl.kubernetes.io/last-applied-configuration", lastApplied)
                        .annotation("deployment.kubernetes.io/revision", Integer.toString(1 + i % 4));
                if (i % 5 == 0) {
                    w.container("proxy", "envoyproxy/envoy:v1.30." + (i % 3));
                }
                if (i % 10 == 0) {
                    w.init("migrate", "registry.example.com/" + ns + "/migrate:" + i);
                }
                cluster.put(w.build());
            }
        }
        double load = (System.nanoTime() - t0) / 1e9;
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("REQUESTS " + cluster.requests());
            System.out.flush();
            stop.countDown();
        }));
        System.out.printf("READY %s %.2f%n", cluster.url(), load);
        System.out.flush();
        stop.await();
    }
}
