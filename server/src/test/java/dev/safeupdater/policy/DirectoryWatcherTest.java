package dev.safeupdater.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** File changes are noticed and debounced into one callback. */
class DirectoryWatcherTest {

    private static void awaitCount(AtomicInteger count, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (count.get() < expected && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    @Test
    void aBurstOfChangesCausesOneCallbackAfterTheQuietPeriod() throws Exception {
        Path a = Files.createTempDirectory("watch-a");
        Path missing = a.resolveSibling(a.getFileName() + "-later");
        AtomicInteger calls = new AtomicInteger();
        DirectoryWatcher watcher = new DirectoryWatcher(List.of(a, missing), Duration.ofMillis(300),
                calls::incrementAndGet).start();
        try (watcher) {
            Thread.sleep(100);
            for (int i = 0; i < 5; i++) {
                Files.writeString(a.resolve("r" + i + ".drl"), "x" + i);
                Thread.sleep(30);
            }
            awaitCount(calls, 1);
            Thread.sleep(700);
            assertEquals(1, calls.get(), "five quick writes, one reload");

            Files.delete(a.resolve("r0.drl"));
            awaitCount(calls, 2);
            assertEquals(2, calls.get(), "a deleted file is a change too");

            Files.createDirectories(missing);
            awaitCount(calls, 3);
            assertTrue(calls.get() >= 3, "a directory that appears later is watched (and counts as a change)");
            int before = calls.get();
            Files.writeString(missing.resolve("p.yaml"), "scopes: []\n");
            awaitCount(calls, before + 1);
            assertEquals(before + 1, calls.get());
        } finally {
            for (Path d : List.of(a, missing)) {
                if (Files.isDirectory(d)) {
                    try (var s = Files.list(d)) {
                        for (Path p : s.toList()) {
                            Files.delete(p);
                        }
                    }
                    Files.delete(d);
                }
            }
        }
    }
}
