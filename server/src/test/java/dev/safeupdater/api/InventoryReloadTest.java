package dev.safeupdater.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import dev.safeupdater.testing.DatabaseContract;
import dev.safeupdater.testing.Http;
import dev.safeupdater.testing.TestDatabase;
import dev.safeupdater.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * A running server reads the inventory file again at every scan: an edit takes effect without a restart, and a bad
 * edit keeps the last good sources with the error in the scan's result (H2 and PostgreSQL).
 */
class InventoryReloadTest {

    @Nested
    class OnH2 extends Contract {
        OnH2() {
            super(TestDatabase.Kind.H2);
        }
    }

    @Nested
    class OnPostgres extends Contract {
        OnPostgres() {
            super(TestDatabase.Kind.POSTGRES);
        }
    }

    abstract static class Contract extends DatabaseContract {
        private Path dir;
        private TestServer server;
        private Http http;

        Contract(TestDatabase.Kind kind) {
            super(kind);
        }

        private static final String ONE_SOURCE = """
                sources:
                  - name: edge
                    type: static
                    file: edge.yaml
                """;

        @BeforeAll
        void start() throws Exception {
            dir = Files.createTempDirectory("inventory-reload");
            Files.writeString(dir.resolve("edge.yaml"), """
                    assets:
                      - kind: Appliance
                        name: edge-proxy
                        image: registry.example.com/edge/proxy:2.4.1
                    """);
            Files.writeString(dir.resolve("lab.yaml"), """
                    assets:
                      - kind: VM
                        name: lab-db
                        image: postgres:16.1
                    """);
            Files.writeString(dir.resolve("inventory.yaml"), ONE_SOURCE);
            server = TestServer.start(db, Map.of("inventory.file", dir.resolve("inventory.yaml").toString()));
            http = server.http();
        }

        @AfterAll
        void stop() {
            server.close();
        }

        private JsonNode scan() {
            Http.Response r = http.send(http.request("/api/v1/scan").header("X-Actor", "ops")
                    .POST(java.net.http.HttpRequest.BodyPublishers.noBody()));
            assertEquals(201, r.status(), r.body());
            return r.json();
        }

        private static List<String> names(JsonNode run) {
            List<String> out = new ArrayList<>();
            run.path("sources").forEach(s -> out.add(s.path("name").asText()));
            return out;
        }

        private int live(String kind) {
            return http.get("/api/v1/assets?kind=" + kind).json().path("items").size();
        }

        @Test
        void eachScanUsesTheFileAsItIsNowAndABadEditKeepsTheLastGoodSources() throws Exception {
            JsonNode first = scan();
            assertEquals(List.of("edge"), names(first));
            assertEquals("SUCCEEDED", first.path("status").asText());

            // an edit while the server runs: the next scan has the new source
            Files.writeString(dir.resolve("inventory.yaml"), ONE_SOURCE + """
                      - name: lab
                        type: static
                        file: lab.yaml
                    """);
            JsonNode second = scan();
            assertEquals(List.of("edge", "lab"), names(second));
            assertEquals(1, live("VM"));

            // a bad edit: the last good sources are scanned, and every source's result says why
            Files.writeString(dir.resolve("inventory.yaml"), ONE_SOURCE + """
                      - name: lab
                        type: vmware
                    """);
            JsonNode third = scan();
            assertEquals(List.of("edge", "lab"), names(third));
            assertEquals("PARTIAL", third.path("status").asText());
            for (JsonNode s : third.path("sources")) {
                String warning = s.path("warnings").get(0).asText();
                assertTrue(warning.startsWith("the inventory file was refused, so its last good version is scanned"),
                        warning);
                assertTrue(warning.contains("sources[1].type: must be kubernetes, docker, helm or static, not"
                        + " \"vmware\""), warning);
            }
            assertEquals(1, live("VM"), "the last good sources keep their assets");

            // fixed: the lab source left the file; its assets are no longer scanned by it
            Files.writeString(dir.resolve("inventory.yaml"), ONE_SOURCE);
            JsonNode fourth = scan();
            assertEquals(List.of("edge"), names(fourth));
            assertEquals("SUCCEEDED", fourth.path("status").asText());
            assertTrue(fourth.path("sources").get(0).path("warnings").isEmpty(),
                    fourth.path("sources").get(0).toString());
        }
    }
}
