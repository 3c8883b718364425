package dev.safeupdater.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.safeupdater.model.ObservedAsset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StaticSourceTest {
    private static final String DIGEST = "sha256:" + "d".repeat(64);

    @TempDir
    Path tmp;

    private SourceScan scan(String yaml) throws Exception {
        Path f = tmp.resolve("assets.yaml");
        Files.writeString(f, yaml);
        return new StaticSource("edge", f).scan(ScanProgress.NONE);
    }

    @Test
    void assetsWithFullReferencesOrSeparateTagAndDigest() throws Exception {
        SourceScan s = scan("""
                assets:
                  - kind: Appliance
                    name: proxy
                    cluster: dc1
                    image: registry.example.com:5000/edge/proxy:2.4.1@%s
                    labels: {team: net}
                    annotations: {safe-updater.io/policy: network}
                  - kind: VM
                    name: db
                    container: postgres
                    image: postgres
                    tag: "16.1"
                  - kind: VM
                    name: cache
                    image: redis
                """.formatted(DIGEST));
        List<ObservedAsset> a = s.assets();
        assertEquals("static/dc1/Appliance/proxy", a.get(0).key().display());
        assertEquals("registry.example.com:5000/edge/proxy", a.get(0).image());
        assertEquals("2.4.1", a.get(0).tag());
        assertEquals(DIGEST, a.get(0).digest());
        assertEquals(Map.of("team", "net"), a.get(0).labels());
        assertEquals(Map.of("safe-updater.io/policy", "network"), a.get(0).annotations());
        assertEquals("16.1", a.get(1).tag());
        assertEquals("postgres", a.get(1).key().container());
        assertEquals("latest", a.get(2).tag(), "no tag and no digest means latest");
        assertEquals("assets.yaml", a.get(0).details().get("file"));
    }

    @Test
    void aFileWithInvalidEntriesIsRefusedWholeWithEveryProblem() {
        SourceException e = assertThrows(SourceException.class, () -> scan("""
                assets:
                  - kind: VM
                  - name: x
                    image: "Bad Image"
                  - kind: VM
                    name: dup
                    image: nginx:1
                  - kind: VM
                    name: dup
                    image: nginx:2
                  - kind: VM
                    name: both
                    image: nginx:1
                    tag: "2"
                """));
        String m = e.getMessage();
        for (String expected : List.of("has 6 problems", "assets[0].name: is required",
                "assets[0].image: is required", "assets[1].kind: is required",
                "assets[1].image: \"Bad Image\" is not a repository path",
                "assets[3]: the same slot as an earlier entry", "assets[4].image: give the tag/digest either")) {
            assertTrue(m.contains(expected), "missing \"" + expected + "\" in " + m);
        }
    }

    @Test
    void aMissingOrMalformedFileFailsTheSource() {
        SourceException missing = assertThrows(SourceException.class,
                () -> new StaticSource("edge", tmp.resolve("nope.yaml")).scan(ScanProgress.NONE));
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
        SourceException unknown = assertThrows(SourceException.class,
                () -> scan("assets:\n  - {kind: VM, name: a, image: x, colour: red}\n"));
        assertTrue(unknown.getMessage().contains("colour"), unknown.getMessage());
        assertTrue(unknown.getMessage().contains("line 2"), unknown.getMessage());
    }
}
