package dev.safeupdater.execution;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.safeupdater.model.Role;
import dev.safeupdater.platform.FileErrors;
import dev.safeupdater.store.AccessAuditStore;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.service.registry.Services;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may call the API. With a tokens file ({@code auth.tokens-file}) every caller presents a bearer token whose
 * SHA-256 is listed there with a name and a {@link Role}; only the hashes are stored, and they are compared in
 * constant time. The file is read again when it changes (checked at most once a second); an edit that does not
 * parse keeps the last good list and is logged as an error. Without a file access is {@link #open() open} (the
 * server then serves loopback only, unless {@code auth.disabled}).
 *
 * <p>Refused mutations are appended to the audit trail ({@code access.refuse}), at most {@value #AUDITS_PER_MINUTE}
 * a minute so an unauthenticated flood cannot fill the database; every refusal counts in
 * {@code safe_updater_auth_refusals_total{status}}.
 */
public final class AccessControl {
    /** An authenticated caller: the token's name (the actor of whatever it does) and role. */
    public record Caller(String name, Role role) {
    }

    /** The tokens a file grants; {@code hashes[i]} belongs to {@code callers[i]}. */
    private record Grants(List<byte[]> hashes, List<Caller> callers, Object stamp) {
    }

    static final int AUDITS_PER_MINUTE = 120;
    private static final Logger LOG = LoggerFactory.getLogger(AccessControl.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-fA-F]{64}");
    private static final Duration CHECK_EVERY = Duration.ofSeconds(1);

    private final Path file;
    private final AccessAuditStore audit;
    private final Clock clock;
    private final Counter refused401;
    private final Counter refused403;
    private volatile Grants grants;
    private volatile Instant nextCheck = Instant.MIN;
    private Instant auditWindow = Instant.MIN;
    private int auditsInWindow;

    private AccessControl(Path file, Grants grants, AccessAuditStore audit, Clock clock) {
        this.file = file;
        this.grants = grants;
        this.audit = audit;
        this.clock = clock;
        this.refused401 = refusals("401");
        this.refused403 = refusals("403");
    }

    /** No tokens: every caller may do everything (callers may only name themselves). */
    public static AccessControl open() {
        return new AccessControl(null, null, null, Clock.systemUTC());
    }

    /**
     * Tokens from {@code file}; refusals audited to {@code audit} (may be null without a database).
     *
     * @throws IllegalArgumentException when the file cannot be read or is not a valid tokens file
     */
    public static AccessControl fromFile(Path file, AccessAuditStore audit, Clock clock) {
        Grants g = read(file);
        LOG.atInfo().addKeyValue("event", "auth_tokens_loaded").addKeyValue("file", file.toString())
                .addKeyValue("tokens", g.callers().size())
                .log("{} API tokens from {}", g.callers().size(), file);
        return new AccessControl(file, g, audit, clock);
    }

    /** True when callers must present a token. */
    public boolean required() {
        return file != null;
    }

    /** The caller a bearer token belongs to; empty when it belongs to none (or no tokens are configured). */
    public Optional<Caller> authenticate(String token) {
        if (file == null || token == null || token.isEmpty()) {
            return Optional.empty();
        }
        Grants g = current();
        byte[] presented = sha256(token.getBytes(StandardCharsets.UTF_8));
        Caller found = null;
        // every entry is compared, each in constant time, so the time taken says nothing about which matched
        for (int i = 0; i < g.hashes().size(); i++) {
            if (MessageDigest.isEqual(presented, g.hashes().get(i))) {
                found = g.callers().get(i);
            }
        }
        return Optional.ofNullable(found);
    }

    /**
     * Records a refused call: counted always; audited when it was a mutation (not GET/HEAD/OPTIONS).
     *
     * @param actor  the token's name when it was valid but too weak; {@code anonymous} otherwise
     * @param route  the route pattern the call matched (or the path when none)
     * @param status 401 or 403
     */
    public void refused(String actor, String method, String route, String path, int status, Role required) {
        (status == 401 ? refused401 : refused403).increment();
        if (audit == null || method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS")
                || !auditAllowed()) {
            return;
        }
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("method", method);
        detail.put("path", path.length() > 300 ? path.substring(0, 300) + "…" : path);
        detail.put("status", status);
        detail.put("requiredRole", required.id());
        try {
            audit.refused(clock.instant(), actor, method + " " + route, detail);
        } catch (RuntimeException e) {
            LOG.atWarn().addKeyValue("event", "audit_failed").log("cannot audit a refused call: {}", e.getMessage());
        }
    }

    private synchronized boolean auditAllowed() {
        Instant now = clock.instant();
        if (now.isAfter(auditWindow.plus(Duration.ofMinutes(1)))) {
            if (auditsInWindow > AUDITS_PER_MINUTE) {
                LOG.atWarn().addKeyValue("event", "auth_refusals_not_audited")
                        .addKeyValue("count", auditsInWindow - AUDITS_PER_MINUTE)
                        .log("{} refused calls in a minute were counted but not audited",
                                auditsInWindow - AUDITS_PER_MINUTE);
            }
            auditWindow = now;
            auditsInWindow = 0;
        }
        return ++auditsInWindow <= AUDITS_PER_MINUTE;
    }

    /** The grants, re-read first when the file changed since the last look (at most once a second). */
    private Grants current() {
        Instant now = Instant.now();
        if (now.isBefore(nextCheck)) {
            return grants;
        }
        synchronized (this) {
            if (now.isBefore(nextCheck)) {
                return grants;
            }
            nextCheck = now.plus(CHECK_EVERY);
            Object stamp = stamp(file);
            if (stamp != null && !stamp.equals(grants.stamp())) {
                try {
                    Grants g = read(file);
                    grants = g;
                    LOG.atInfo().addKeyValue("event", "auth_tokens_reloaded").addKeyValue("file", file.toString())
                            .addKeyValue("tokens", g.callers().size())
                            .log("{} API tokens from {} (file changed)", g.callers().size(), file);
                } catch (IllegalArgumentException e) {
                    // keep the last good list; do not complain again until the file changes again
                    grants = new Grants(grants.hashes(), grants.callers(), stamp);
                    LOG.atError().addKeyValue("event", "auth_tokens_refused").addKeyValue("file", file.toString())
                            .log("the changed tokens file is refused, the previous tokens stay: {}", e.getMessage());
                }
            }
            return grants;
        }
    }

    /** What changes when the file (or the Secret behind a symlink) is replaced; null when it cannot be read. */
    private static Object stamp(Path file) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return List.of(a.lastModifiedTime(), a.size(), String.valueOf(a.fileKey()));
        } catch (IOException e) {
            return null;
        }
    }

    /** Reads and checks a tokens file; every problem in one message. */
    static Grants read(Path file) {
        Object stamp = stamp(file);
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new IllegalArgumentException(FileErrors.cannotRead("tokens file", file, e));
        }
        List<String> problems = new ArrayList<>();
        JsonNode tokens = root == null ? null : root.get("tokens");
        if (root == null || !root.isObject() || tokens == null || !tokens.isArray()) {
            throw new IllegalArgumentException(file + ": expected a mapping with a list \"tokens\" of"
                    + " {name, role, sha256}");
        }
        root.fieldNames().forEachRemaining(f -> {
            if (!f.equals("tokens")) {
                problems.add("unknown key \"" + f + "\"");
            }
        });
        List<byte[]> hashes = new ArrayList<>();
        List<Caller> callers = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<String> seenHashes = new HashSet<>();
        for (int i = 0; i < tokens.size(); i++) {
            JsonNode t = tokens.get(i);
            String at = "tokens[" + i + "]";
            if (!t.isObject()) {
                problems.add(at + ": expected {name, role, sha256}");
                continue;
            }
            t.fieldNames().forEachRemaining(f -> {
                if (f.equals("token") || f.equals("value") || f.equals("secret")) {
                    problems.add(at + ": \"" + f + "\" is not allowed, give the token's sha256 only");
                } else if (!Set.of("name", "role", "sha256").contains(f)) {
                    problems.add(at + ": unknown key \"" + f + "\"");
                }
            });
            String name = t.path("name").asText("");
            Role role = Role.parse(t.path("role").asText(null));
            String sha = t.path("sha256").asText("");
            boolean ok = true;
            if (!NAME.matcher(name).matches()) {
                problems.add(at + ": name must be 1-100 letters, digits or ._@+- (starting with a letter or digit)");
                ok = false;
            } else if (!names.add(name)) {
                problems.add(at + ": the name \"" + name + "\" is given twice");
                ok = false;
            }
            if (role == null) {
                problems.add(at + ": role must be one of " + Role.ids());
                ok = false;
            }
            if (!SHA256.matcher(sha).matches()) {
                problems.add(at + ": sha256 must be 64 hex digits (sha256sum of the token)");
                ok = false;
            } else if (!seenHashes.add(sha.toLowerCase(java.util.Locale.ROOT))) {
                problems.add(at + ": the same token is listed twice");
                ok = false;
            }
            if (ok) {
                hashes.add(HexFormat.of().parseHex(sha.toLowerCase(java.util.Locale.ROOT)));
                callers.add(new Caller(name, role));
            }
        }
        if (problems.isEmpty() && callers.isEmpty()) {
            problems.add("no tokens: nobody could call the API (remove auth.tokens-file to serve loopback only)");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(file + ": " + String.join("; ", problems));
        }
        return new Grants(List.copyOf(hashes), List.copyOf(callers), stamp);
    }

    /** The SHA-256 of {@code bytes}. */
    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Counter refusals(String status) {
        return Services.get(MeterRegistry.class).getOrCreate(Counter.builder("safe_updater_auth_refusals")
                .description("API calls refused: 401 no or unknown token, 403 role too weak")
                .tags(List.of(Tag.create("status", status))));
    }
}
