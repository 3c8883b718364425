package dev.safeupdater.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.safeupdater.execution.AccessControl;
import dev.safeupdater.testing.Http;
import dev.safeupdater.testing.TestDatabase;
import dev.safeupdater.testing.TestServer;
import dev.safeupdater.testing.Tokens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Secure by default: what the server agrees to start with, and the metrics scrape behind a token. */
class AuthStartupTest {
    private static Settings settings(Map<String, String> flags, Path work) {
        Map<String, String> all = new HashMap<>(Map.of("port", "0"));
        all.putAll(flags);
        return Settings.load(all, Map.of(), work);
    }

    @Test
    void aNonLoopbackHostWithoutTokensRefusesToStart(@TempDir Path work) {
        var e = assertThrows(Application.StartupException.class,
                () -> Application.accessControl(settings(Map.of("host", "0.0.0.0"), work), null));
        assertTrue(e.getMessage().contains("0.0.0.0 is not a loopback address"), e.getMessage());
        assertTrue(e.getMessage().contains("auth.tokens-file"), e.getMessage());
        // loopback without tokens: open
        assertFalse(Application.accessControl(settings(Map.of("host", "127.0.0.1"), work), null).required());
        assertFalse(Application.accessControl(settings(Map.of("host", "localhost"), work), null).required());
    }

    @Test
    void authDisabledStartsOpenAndWarnsEveryTime(@TempDir Path work) {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        root.addAppender(logs);
        try {
            for (int i = 0; i < 2; i++) {
                AccessControl a = Application.accessControl(settings(Map.of("host", "0.0.0.0", "auth.disabled",
                        "true"), work), null);
                assertFalse(a.required());
            }
        } finally {
            root.detachAppender(logs);
        }
        long warnings = logs.list.stream().filter(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN
                && e.getFormattedMessage().contains("authentication is disabled")).count();
        assertEquals(2, warnings);
    }

    @Test
    void tokensAndDisabledTogetherOrABadTokensFileRefuseToStart(@TempDir Path work) throws Exception {
        Path tokens = new Tokens().write(work.resolve("tokens.yaml"));
        var both = assertThrows(Application.StartupException.class, () -> Application.accessControl(
                settings(Map.of("auth.tokens-file", tokens.toString(), "auth.disabled", "true"), work), null));
        assertTrue(both.getMessage().contains("choose one"), both.getMessage());

        Files.writeString(work.resolve("plain.yaml"), """
                tokens:
                  - name: alice
                    role: boss
                    token: hunter2-plaintext
                  - name: alice
                    role: viewer
                    sha256: abc
                """);
        var bad = assertThrows(Application.StartupException.class, () -> Application.accessControl(
                settings(Map.of("auth.tokens-file", "plain.yaml"), work), null));
        String m = bad.getMessage();
        assertTrue(m.contains("tokens[0]: \"token\" is not allowed"), m);
        assertTrue(m.contains("tokens[0]: role must be one of viewer, auditor, approver, admin"), m);
        assertTrue(m.contains("tokens[1]: the name \"alice\" is given twice"), m);
        assertTrue(m.contains("tokens[1]: sha256 must be 64 hex digits"), m);
        assertFalse(m.contains("hunter2"), "the message never repeats a secret: " + m);
        var missing = assertThrows(Application.StartupException.class, () -> Application.accessControl(
                settings(Map.of("auth.tokens-file", "nope.yaml"), work), null));
        assertTrue(missing.getMessage().contains("cannot read tokens file"), missing.getMessage());
        Files.writeString(work.resolve("empty.yaml"), "tokens: []\n");
        assertTrue(assertThrows(Application.StartupException.class, () -> Application.accessControl(
                settings(Map.of("auth.tokens-file", "empty.yaml"), work), null)).getMessage().contains("no tokens"));
    }

    @Test
    void metricsCanRequireATokenWhileHealthStaysOpen(@TempDir Path work) {
        Tokens tokens = new Tokens();
        try (TestDatabase db = TestDatabase.h2();
             TestServer server = TestServer.start(db, Map.of("auth.tokens-file",
                     tokens.write(work.resolve("t.yaml")).toString(), "metrics.require-token", "true"))) {
            Http http = server.http();
            assertEquals(401, http.get("/observe/metrics").status());
            var scrape = http.send(http.request("/observe/metrics")
                    .header("Authorization", "Bearer " + tokens.tokenOf("viewer")).GET());
            assertEquals(200, scrape.status());
            assertTrue(scrape.body().contains("safe_updater_"), scrape.body());
            assertEquals(200, http.get("/observe/health").status());
        }
        // by default the scrape is open even with tokens
        try (TestDatabase db = TestDatabase.h2();
             TestServer server = TestServer.start(db, Map.of("auth.tokens-file",
                     tokens.write(work.resolve("t2.yaml")).toString()))) {
            assertEquals(200, server.http().get("/observe/metrics").status());
            assertEquals(401, server.http().get("/api/v1/assets").status());
        }
    }

    @Test
    void theTokensFileIsReadAgainWhenItChangesAndABadEditKeepsTheLastGoodOne(@TempDir Path work) throws Exception {
        Path file = work.resolve("tokens.yaml");
        new Tokens().write(file);
        AccessControl access = AccessControl.fromFile(file, null, java.time.Clock.systemUTC());
        assertEquals("alice", access.authenticate(Tokens.token("alice")).orElseThrow().name());
        assertTrue(access.authenticate(Tokens.token("carol")).isEmpty());

        new Tokens().with("carol", "admin").write(file);
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
        assertTrue(eventually(() -> access.authenticate(Tokens.token("carol")).isPresent()), "carol's token works");

        Files.writeString(file, "tokens: [ {name: carol, role: admin, sha256: ");
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 10000));
        Thread.sleep(1500);
        assertTrue(access.authenticate(Tokens.token("carol")).isPresent(), "a bad edit keeps the last good tokens");
        assertTrue(access.authenticate(Tokens.token("alice")).isPresent());
        assertTrue(access.authenticate("").isEmpty());
        assertTrue(access.authenticate(Tokens.token("alice") + "x").isEmpty());
    }

    private static boolean eventually(java.util.function.BooleanSupplier check) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            if (check.getAsBoolean()) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

}
