package dev.safeupdater.policy;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Watches directories and calls back once changes have settled: every create, modify or delete restarts a quiet
 * period of {@code debounce}; when it passes without another change, {@code onChange} runs (on the watcher's own
 * daemon thread, never concurrently with itself). Editors that save through a temporary file, and ConfigMap volumes
 * that swap a symlink, therefore cause one reload, not several. A directory that does not exist yet (or is removed
 * and created again) is picked up when it appears.
 */
public final class DirectoryWatcher implements AutoCloseable {
    private final List<Path> dirs;
    private final Duration debounce;
    private final Runnable onChange;
    private final WatchService service;
    private final Map<WatchKey, Path> keys = new HashMap<>();
    private final Thread thread;
    private volatile boolean closed;

    public DirectoryWatcher(List<Path> dirs, Duration debounce, Runnable onChange) throws IOException {
        this.dirs = List.copyOf(dirs);
        this.debounce = debounce;
        this.onChange = onChange;
        this.service = FileSystems.getDefault().newWatchService();
        registerMissing();
        this.thread = Thread.ofPlatform().daemon().name("policy-watcher").unstarted(this::loop);
    }

    public DirectoryWatcher start() {
        thread.start();
        return this;
    }

    private void registerMissing() {
        for (Path dir : dirs) {
            if (keys.containsValue(dir) || !Files.isDirectory(dir)) {
                continue;
            }
            try {
                WatchKey key = dir.register(service, StandardWatchEventKinds.ENTRY_CREATE,
                        StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE);
                keys.put(key, dir);
            } catch (IOException e) {
                // not watchable now (removed meanwhile); tried again on the next turn
            }
        }
    }

    private void loop() {
        long recheck = Math.max(debounce.toMillis(), 200);
        while (!closed) {
            try {
                WatchKey key = service.poll(recheck, TimeUnit.MILLISECONDS);
                boolean changed = false;
                while (key != null) {
                    if (!key.pollEvents().isEmpty()) {
                        changed = true;
                    }
                    if (!key.reset()) {
                        keys.remove(key);
                        changed = true;
                    }
                    // keep draining until the directory has been quiet for the debounce period
                    key = service.poll(debounce.toMillis(), TimeUnit.MILLISECONDS);
                }
                int before = keys.size();
                registerMissing();
                changed |= keys.size() > before; // a directory appeared (again): its files are new
                if (changed && !closed) {
                    onChange.run();
                }
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            } catch (RuntimeException e) {
                // the callback reports its own failures; the watcher keeps watching
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            service.close();
        } catch (IOException e) {
            // closing anyway
        }
        thread.interrupt();
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
