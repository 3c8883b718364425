package dev.safeupdater.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {
    @Test
    void defaultsAreTheEmbeddedSetup(@TempDir Path dir) {
        Settings s = Settings.load(Map.of(), Map.of(), dir);
        assertEquals("127.0.0.1", s.host());
        assertEquals(8080, s.port());
        assertEquals("jdbc:h2:file:./data/safe-updater", s.get("db.url"));
        assertEquals(dir.resolve("rules"), s.rulesDir());
        assertEquals(dir.resolve("policies"), s.policiesDir());
        assertEquals("json", s.get("log.format"));
    }

    @Test
    void eachLayerOverridesTheOneBelow(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("su.yaml"), """
                port: 9001
                db:
                  url: jdbc:h2:mem:from-yaml
                  user: yaml-user
                rules:
                  dir: yaml-rules
                log:
                  format: text
                """);
        Files.writeString(dir.resolve(".env"), """
                # comment
                export SAFE_UPDATER_DB_URL="jdbc:h2:mem:from-dotenv"
                SAFE_UPDATER_RULES_DIR=dotenv-rules
                OTHER_TOOL_SETTING=ignored
                """);
        Map<String, String> env = Map.of("SAFE_UPDATER_RULES_DIR", "env-rules", "SAFE_UPDATER_DB_USER", "env-user");
        Settings s = Settings.load(Map.of("config", "su.yaml", "db.user", "flag-user"), env, dir);
        assertEquals(9001, s.port());                                  // yaml over default
        assertEquals("text", s.get("log.format"));                     // yaml
        assertEquals("jdbc:h2:mem:from-dotenv", s.get("db.url"));      // .env over yaml
        assertEquals(dir.resolve("env-rules"), s.rulesDir());          // env over .env
        assertEquals("flag-user", s.get("db.user"));                   // flag over env
    }

    @Test
    void theConfigFileMayBeNamedByTheEnvironment(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("c.yaml"), "port: 7000\n");
        assertEquals(7000, Settings.load(Map.of(), Map.of("SAFE_UPDATER_CONFIG", "c.yaml"), dir).port());
    }

    @Test
    void mistakesAreRefusedWithWhatWasWrong(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("bad.yaml"), "db:\n  urll: x\n");
        var e = assertThrows(IllegalArgumentException.class,
                () -> Settings.load(Map.of("config", "bad.yaml"), Map.of(), dir));
        assertTrue(e.getMessage().contains("unknown setting \"db.urll\""), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> Settings.load(Map.of("port", "80a"), Map.of(), dir));
        assertTrue(e.getMessage().contains("port must be a number"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Settings.load(Map.of("port", "70000"), Map.of(), dir));
        assertTrue(e.getMessage().contains("port must be between 0 and 65535"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Settings.load(Map.of("log.format", "xml"), Map.of(), dir));
        assertTrue(e.getMessage().contains("log.format"), e.getMessage());

        Files.writeString(dir.resolve(".env"), "SAFE_UPDATER_PROT=1\n");
        e = assertThrows(IllegalArgumentException.class, () -> Settings.load(Map.of(), Map.of(), dir));
        assertTrue(e.getMessage().contains(".env:1: unknown setting SAFE_UPDATER_PROT"), e.getMessage());
    }

    @Test
    void secretsAreMaskedWhenDisplayed(@TempDir Path dir) {
        Settings s = Settings.load(Map.of("db.password", "hunter2"), Map.of(), dir);
        assertEquals("hunter2", s.get("db.password"));
        assertEquals("***", s.display().get("db.password"));
        assertTrue(!s.display().toString().contains("hunter2"));
    }

    @Test
    void everyKeyHasItsEnvironmentName() {
        assertEquals("SAFE_UPDATER_DB_URL", new Settings.Key("db.url", "", false, "").env());
        assertEquals("SAFE_UPDATER_PORT", new Settings.Key("port", "", false, "").env());
        assertEquals("SAFE_UPDATER_DB_POOL_SIZE", new Settings.Key("db.pool-size", "", false, "").env());
    }
}
