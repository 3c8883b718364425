package dev.safeupdater.policy;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import dev.safeupdater.model.NotificationEventType;
import dev.safeupdater.model.NotificationReceiver;
import dev.safeupdater.model.NotificationRoutes;

/**
 * Reads the notifications file ({@code notifications.file}, docs/notifications.md): named webhook receivers, the
 * global routes and the routes per policy scope. Read as strictly as the policy files, with the same
 * {@code file:line:column: message} errors, all of them in one pass. Secrets and receiver URLs are never echoed in
 * a message (a Slack-style URL carries its token in the path).
 *
 * <pre>
 * receivers:
 *   ops:   {url: https://hooks.example.com/T0/B0/xyz, format: slack}
 *   shop:  {url: https://shop.example.com/hooks/safe-updater, secretEnv: SHOP_WEBHOOK_SECRET}
 * global:
 *   - {receiver: ops, events: [ruleset-refused, cycle-failing, rollback-failed]}
 * scopes:
 *   shop-*:
 *     - {receiver: shop, events: all}
 * </pre>
 */
public final class NotificationsParser {
    private static final List<String> FILE_KEYS = List.of("receivers", "global", "scopes");
    private static final List<String> RECEIVER_KEYS = List.of("url", "format", "secret", "secretEnv", "secretFile");
    private static final List<String> ROUTE_KEYS = List.of("receiver", "events");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._-]{0,62})");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final int MAX_SECRET_BYTES = 4096;

    private NotificationsParser() {
    }

    /** Reads {@code file}; {@code env} resolves {@code secretEnv}. Throws with every problem found. */
    public static NotificationRoutes load(Path file, Map<String, String> env) throws RuleSetException {
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new RuleSetException(List.of(new RuleMessage(file.toString(), 0, 0, "cannot read the notifications"
                    + " file: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage()))));
        }
        Path dir = file.toAbsolutePath().getParent();
        return parse(file.toString(), content, env, dir);
    }

    /** Parses {@code content} shown as {@code display} in messages; {@code secretFile} paths are taken from {@code dir}. */
    static NotificationRoutes parse(String display, byte[] content, Map<String, String> env, Path dir)
            throws RuleSetException {
        List<RuleMessage> errors = new ArrayList<>();
        YamlFields f = new YamlFields(display, errors);
        NotificationRoutes routes = parse(content, f, env, dir, display);
        if (!errors.isEmpty()) {
            throw new RuleSetException(errors);
        }
        return routes;
    }

    private static NotificationRoutes parse(byte[] content, YamlFields f, Map<String, String> env, Path dir,
                                            String display) {
        YamlNode root;
        try {
            root = YamlReader.read(content);
        } catch (YamlReader.YamlException e) {
            f.error(new YamlNode.Scalar(null, e.line, e.column), e.getMessage());
            return NotificationRoutes.NONE;
        }
        if (root == null) {
            return new NotificationRoutes(display, Map.of(), List.of(), Map.of());
        }
        YamlNode.Mapping top = f.mapping(root, "the notifications file");
        if (top == null) {
            return NotificationRoutes.NONE;
        }
        f.onlyKeys(top, FILE_KEYS, "the notifications file");
        Map<String, NotificationReceiver> receivers = new LinkedHashMap<>();
        Set<String> declared = new java.util.HashSet<>();
        YamlNode receiversNode = top.get("receivers");
        if (receiversNode != null) {
            YamlNode.Mapping m = f.mapping(receiversNode, "receivers");
            if (m != null) {
                m.entries().forEach((k, v) -> {
                    declared.add(k.name());
                    if (!NAME.matcher(k.name()).matches()) {
                        f.error(k, "receiver name \"" + k.name() + "\" must be 1-63 letters, digits, '.', '_' or"
                                + " '-', starting with a letter or digit");
                        return;
                    }
                    NotificationReceiver r = receiver(k.name(), v, f, env, dir);
                    if (r != null) {
                        receivers.put(k.name(), r);
                    }
                });
            }
        }
        List<NotificationRoutes.Route> global = new ArrayList<>();
        YamlNode globalNode = top.get("global");
        if (globalNode != null) {
            global.addAll(routes(globalNode, "global", f, receivers, declared));
        }
        Map<String, List<NotificationRoutes.Route>> scopes = new LinkedHashMap<>();
        YamlNode scopesNode = top.get("scopes");
        if (scopesNode != null) {
            YamlNode.Mapping m = f.mapping(scopesNode, "scopes");
            if (m != null) {
                m.entries().forEach((k, v) -> scopes.put(k.name(),
                        routes(v, "scopes." + k.name(), f, receivers, declared)));
            }
        }
        return new NotificationRoutes(display, receivers, global, scopes);
    }

    private static NotificationReceiver receiver(String name, YamlNode n, YamlFields f, Map<String, String> env,
                                                 Path dir) {
        String what = "receiver \"" + name + "\"";
        YamlNode.Mapping m = f.mapping(n, what);
        if (m == null) {
            return null;
        }
        f.onlyKeys(m, RECEIVER_KEYS, what);
        int before = f.errorCount();
        URI url = null;
        YamlNode urlNode = m.get("url");
        if (urlNode == null) {
            f.error(m, what + " needs a url");
        } else {
            url = url(urlNode, what, f);
        }
        NotificationReceiver.Format format = NotificationReceiver.Format.JSON;
        YamlNode formatNode = m.get("format");
        if (formatNode != null) {
            String v = f.choice(formatNode, what + " format", List.of("json", "slack"));
            if (v != null) {
                format = NotificationReceiver.Format.valueOf(v.toUpperCase(Locale.ROOT));
            }
        }
        String secret = secret(m, what, f, env, dir);
        if (f.errorCount() > before || url == null) {
            return null;
        }
        return new NotificationReceiver(name, url, format, secret);
    }

    /** The URL, or null with an error that does not repeat it. */
    private static URI url(YamlNode n, String what, YamlFields f) {
        if (!(n instanceof YamlNode.Scalar s) || s.text() == null || s.text().isBlank()) {
            f.error(n, what + " url must be a non-empty string");
            return null;
        }
        URI u;
        try {
            u = new URI(s.text().strip());
        } catch (URISyntaxException e) {
            f.error(n, what + " url is not a valid URL (" + e.getReason() + ")");
            return null;
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            f.error(n, what + " url must start with https:// or http://");
            return null;
        }
        if (u.getHost() == null || u.getHost().isEmpty()) {
            f.error(n, what + " url has no host name");
            return null;
        }
        if (u.getRawUserInfo() != null) {
            f.error(n, what + " url must not carry a user name or password (they are not sent; use secret for"
                    + " signing)");
            return null;
        }
        if (u.getRawFragment() != null) {
            f.error(n, what + " url must not have a #fragment");
            return null;
        }
        return u;
    }

    /** The HMAC secret from one of secret, secretEnv, secretFile (at most one), or null; never echoed. */
    private static String secret(YamlNode.Mapping m, String what, YamlFields f, Map<String, String> env, Path dir) {
        List<String> given = new ArrayList<>();
        for (String k : List.of("secret", "secretEnv", "secretFile")) {
            if (m.get(k) != null) {
                given.add(k);
            }
        }
        if (given.isEmpty()) {
            return null;
        }
        if (given.size() > 1) {
            f.error(m.get(given.get(1)), what + " may have only one of secret, secretEnv, secretFile (found "
                    + String.join(" and ", given) + ")");
            return null;
        }
        String key = given.getFirst();
        YamlNode n = m.get(key);
        if (!(n instanceof YamlNode.Scalar s) || s.text() == null || s.text().isBlank()) {
            f.error(n, what + " " + key + " must be a non-empty string");
            return null;
        }
        String value = s.text().strip();
        String secret = switch (key) {
            case "secret" -> value;
            case "secretEnv" -> {
                if (!ENV_NAME.matcher(value).matches()) {
                    f.error(n, what + " secretEnv must name an environment variable (letters, digits, _)");
                    yield null;
                }
                String v = env.get(value);
                if (v == null || v.isEmpty()) {
                    f.error(n, what + " secretEnv: the environment variable " + value + " is not set or empty");
                    yield null;
                }
                yield v;
            }
            default -> {
                Path p = dir == null ? Path.of(value) : dir.resolve(value);
                try {
                    if (Files.size(p) > MAX_SECRET_BYTES) {
                        f.error(n, what + " secretFile " + p + " is larger than " + MAX_SECRET_BYTES + " bytes");
                        yield null;
                    }
                    String v = Files.readString(p, StandardCharsets.UTF_8).strip();
                    if (v.isEmpty()) {
                        f.error(n, what + " secretFile " + p + " is empty");
                        yield null;
                    }
                    yield v;
                } catch (IOException e) {
                    f.error(n, what + " secretFile " + p + " cannot be read (" + e.getClass().getSimpleName() + ")");
                    yield null;
                }
            }
        };
        return secret;
    }

    private static List<NotificationRoutes.Route> routes(YamlNode n, String what, YamlFields f,
                                                         Map<String, NotificationReceiver> receivers,
                                                         Set<String> declared) {
        YamlNode.Sequence seq = f.sequence(n, what);
        if (seq == null) {
            return List.of();
        }
        List<NotificationRoutes.Route> out = new ArrayList<>();
        int i = 0;
        for (YamlNode item : seq.items()) {
            String at = what + "[" + i++ + "]";
            YamlNode.Mapping m = f.mapping(item, at);
            if (m == null) {
                continue;
            }
            f.onlyKeys(m, ROUTE_KEYS, at);
            YamlNode receiverNode = m.get("receiver");
            YamlNode eventsNode = m.get("events");
            String receiver = null;
            if (receiverNode == null) {
                f.error(m, at + " needs a receiver");
            } else {
                receiver = f.string(receiverNode, at + " receiver");
                if (receiver != null && !receivers.containsKey(receiver)) {
                    if (!declared.contains(receiver)) { // a declared but broken receiver has its own error
                        String near = YamlFields.nearest(receiver, receivers.keySet());
                        f.error(receiverNode, at + " names receiver \"" + receiver + "\", which is not defined under"
                                + " receivers" + (near == null ? "" : " (did you mean \"" + near + "\"?)"));
                    }
                    receiver = null;
                }
            }
            Set<NotificationEventType> events = null;
            if (eventsNode == null) {
                f.error(m, at + " needs events (a list of " + String.join(", ", NotificationEventType.ids())
                        + ", or all)");
            } else {
                events = events(eventsNode, at, f);
            }
            if (receiver != null && events != null) {
                out.add(new NotificationRoutes.Route(receiver, events));
            }
        }
        return out;
    }

    private static Set<NotificationEventType> events(YamlNode n, String at, YamlFields f) {
        if (n instanceof YamlNode.Scalar s && s.text() != null && s.text().strip().equalsIgnoreCase("all")) {
            return EnumSet.allOf(NotificationEventType.class);
        }
        List<YamlNode> items = n instanceof YamlNode.Sequence seq ? seq.items() : List.of(n);
        if (items.isEmpty()) {
            f.error(n, at + " events must not be an empty list");
            return null;
        }
        int before = f.errorCount();
        Set<NotificationEventType> out = EnumSet.noneOf(NotificationEventType.class);
        for (YamlNode item : items) {
            String name = f.string(item, at + " events");
            if (name == null) {
                continue;
            }
            NotificationEventType t = NotificationEventType.fromId(name);
            if (t == null) {
                String near = YamlFields.nearest(name, NotificationEventType.ids());
                f.error(item, "unknown event \"" + name + "\" in " + at
                        + (near == null ? "" : " (did you mean \"" + near + "\"?)") + "; events: "
                        + String.join(", ", NotificationEventType.ids()) + ", or all");
            } else {
                out.add(t);
            }
        }
        return f.errorCount() > before ? null : out;
    }
}
