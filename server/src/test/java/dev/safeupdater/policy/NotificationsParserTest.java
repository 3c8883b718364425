package dev.safeupdater.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import dev.safeupdater.model.NotificationEventType;
import dev.safeupdater.model.NotificationReceiver;
import dev.safeupdater.model.NotificationRoutes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The notifications file: what it routes where, and every mistake reported as file:line:column. */
class NotificationsParserTest {
    private static final String TOKEN_URL = "https://hooks.example.com/services/T0/B0/SLACKTOKEN";

    private static NotificationRoutes parse(String yaml, Map<String, String> env) throws RuleSetException {
        return NotificationsParser.parse("notify.yaml", yaml.getBytes(StandardCharsets.UTF_8), env, null);
    }

    private static List<String> refused(String yaml) {
        return refused(yaml, Map.of());
    }

    private static List<String> refused(String yaml, Map<String, String> env) {
        RuleSetException e = assertThrows(RuleSetException.class, () -> parse(yaml, env));
        return e.messages().stream().map(RuleMessage::toString).toList();
    }

    @Test
    void routesGlobalAndPerScopeEventsToNamedReceivers() throws RuleSetException {
        NotificationRoutes routes = parse(String.join("\n",
                "receivers:",
                "  ops: {url: '" + TOKEN_URL + "', format: slack}",
                "  shop:",
                "    url: https://shop.example.com/hook",
                "    secretEnv: SHOP_SECRET",
                "global:",
                "  - {receiver: ops, events: [ruleset-refused, cycle-failing, rollback-failed]}",
                "scopes:",
                "  shop-*:",
                "    - receiver: shop",
                "      events: all",
                "    - {receiver: ops, events: [update-failed]}",
                ""), Map.of("SHOP_SECRET", "hmac-key"));
        assertEquals(NotificationReceiver.Format.SLACK, routes.receivers().get("ops").format());
        assertNull(routes.receivers().get("ops").secret());
        assertEquals("hmac-key", routes.receivers().get("shop").secret());
        assertEquals(List.of("ops"), names(routes, NotificationEventType.RULESET_REFUSED, null));
        assertEquals(List.of(), names(routes, NotificationEventType.UPDATE_HELD, null));
        assertEquals(List.of("shop"), names(routes, NotificationEventType.UPDATE_HELD, "shop-prod"));
        assertEquals(List.of(), names(routes, NotificationEventType.UPDATE_HELD, "payments"));
        // a receiver named by both a global and a scope route hears the event once
        assertEquals(List.of("ops", "shop"), names(routes, NotificationEventType.ROLLBACK_FAILED, "shop-prod"));
        assertEquals(List.of("shop", "ops"), names(routes, NotificationEventType.UPDATE_FAILED, "shop-prod"));
        assertEquals(EnumSet.allOf(NotificationEventType.class), routes.scopes().get("shop-*").getFirst().events());
    }

    private static List<String> names(NotificationRoutes routes, NotificationEventType type, String scope) {
        return routes.receiversFor(type, scope).stream().map(NotificationReceiver::name).toList();
    }

    @Test
    void anEmptyFileRoutesNothing() throws RuleSetException {
        assertTrue(parse("", Map.of()).isEmpty());
        assertTrue(parse("receivers: {a: {url: 'http://127.0.0.1:9/x'}}", Map.of()).isEmpty());
    }

    @Test
    void everyMistakeIsReportedWithItsPositionInOnePass() {
        List<String> errors = refused(String.join("\n",
                "receivers:",
                "  ops: {url: 'ftp://files.example.com/x', formt: slack}",
                "  bad name: {url: 'https://a.example.com'}",
                "  nourl: {format: xml}",
                "global:",
                "  - {receiver: opz, events: [update-hold]}",
                "  - {events: [all]}",
                "scopes:",
                "  shop: {receiver: ops}",
                "extra: 1",
                ""));
        assertTrue(errors.contains("notify.yaml:2:14: receiver \"ops\" url must start with https:// or http://"),
                errors.toString());
        assertTrue(errors.stream().anyMatch(e -> e.startsWith("notify.yaml:2:43: unknown key \"formt\"")
                && e.contains("did you mean \"format\"")), errors.toString());
        assertTrue(errors.stream().anyMatch(e -> e.startsWith("notify.yaml:3:3: receiver name \"bad name\"")),
                errors.toString());
        assertTrue(errors.contains("notify.yaml:4:10: receiver \"nourl\" needs a url"), errors.toString());
        assertTrue(errors.stream().anyMatch(e -> e.startsWith("notify.yaml:4:19: receiver \"nourl\" format must be"
                + " one of json, slack")), errors.toString());
        assertTrue(errors.contains("notify.yaml:6:16: global[0] names receiver \"opz\", which is not defined under"
                + " receivers"), errors.toString());
        assertTrue(errors.stream().anyMatch(e -> e.startsWith("notify.yaml:6:30: unknown event \"update-hold\" in"
                + " global[0] (did you mean \"update-held\"?)")), errors.toString());
        assertTrue(errors.contains("notify.yaml:7:5: global[1] needs a receiver"), errors.toString());
        assertTrue(errors.stream().anyMatch(e -> e.startsWith("notify.yaml:7:15: unknown event \"all\"")),
                errors.toString());
        assertTrue(errors.contains("notify.yaml:9:9: scopes.shop must be a list, not a mapping"), errors.toString());
        assertTrue(errors.stream().anyMatch(e -> e.startsWith("notify.yaml:10:1: unknown key \"extra\"")),
                errors.toString());
    }

    @Test
    void secretsAndUrlsAreNeverEchoed() {
        String secret = "VERY-SECRET-VALUE";
        List<String> errors = refused(String.join("\n",
                "receivers:",
                "  a: {url: '" + TOKEN_URL + "', secret: " + secret + ", secretEnv: X}",
                "  b: {url: 'https://user:" + secret + "@hooks.example.com/x'}",
                "  c: {url: 'https://hooks.example.com/x#" + secret + "'}",
                "  d: {url: 'gopher://hooks.example.com/" + secret + "'}",
                "  e: {url: 'https://hooks.example.com/x', secret: [" + secret + "]}",
                ""));
        assertEquals(5, errors.size(), errors.toString());
        for (String e : errors) {
            assertFalse(e.contains(secret), e);
            assertFalse(e.contains("SLACKTOKEN"), e);
        }
        assertTrue(errors.getFirst().contains("only one of secret, secretEnv, secretFile"), errors.toString());
    }

    @Test
    void secretsComeFromTheEnvironmentOrAFile(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("hook.secret"), "from-file\n");
        Path file = dir.resolve("notifications.yaml");
        Files.writeString(file, String.join("\n",
                "receivers:",
                "  a: {url: 'https://a.example.com/h', secretFile: hook.secret}",
                "  b: {url: 'https://b.example.com/h', secretEnv: B_SECRET}",
                "global: [{receiver: a, events: all}, {receiver: b, events: all}]",
                ""));
        NotificationRoutes routes = NotificationsParser.load(file, Map.of("B_SECRET", "from-env"));
        assertEquals("from-file", routes.receivers().get("a").secret());
        assertEquals("from-env", routes.receivers().get("b").secret());
        assertFalse(routes.receivers().get("b").toString().contains("from-env"));

        RuleSetException e = assertThrows(RuleSetException.class, () -> NotificationsParser.load(file, Map.of()));
        assertEquals(List.of(file + ":3:50: receiver \"b\" secretEnv: the environment variable B_SECRET is not set"
                + " or empty"), e.messages().stream().map(RuleMessage::toString).toList());
        Files.delete(dir.resolve("hook.secret"));
        e = assertThrows(RuleSetException.class, () -> NotificationsParser.load(file, Map.of("B_SECRET", "x")));
        assertTrue(e.getMessage().startsWith(file + ":2:51: receiver \"a\" secretFile "), e.getMessage());
    }

    @Test
    void invalidYamlAndMissingFilesAreReported(@TempDir Path dir) {
        assertEquals(List.of("notify.yaml:2:1: key \"a\" appears twice in this mapping (first at line 1)"),
                refused("a: 1\na: 2\n").subList(0, 1));
        RuleSetException e = assertThrows(RuleSetException.class,
                () -> NotificationsParser.load(dir.resolve("missing.yaml"), Map.of()));
        assertTrue(e.getMessage().contains("missing.yaml:0:0: cannot read the notifications file"), e.getMessage());
    }
}
