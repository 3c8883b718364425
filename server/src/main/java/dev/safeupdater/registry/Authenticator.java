package dev.safeupdater.registry;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Authentication per registry. The first request goes anonymously; a 401 teaches the registry's scheme. Basic:
 * the configured credentials. Bearer: a token from the challenge's realm for the repository scope (GET with Basic
 * credentials, or an OAuth2 refresh-token POST when the credentials hold an identity token), cached until it
 * expires and fetched anew when the registry answers 401 to it. Credentials are sent to a plain-HTTP realm only
 * when the registry itself is configured insecure.
 */
final class Authenticator {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final long DEFAULT_TOKEN_SECONDS = 60;
    private static final long EXPIRY_MARGIN_SECONDS = 5;

    private record Token(String value, Instant expires) {
    }

    private final RegistryOptions options;
    private final RegistryHttp http;
    private final Map<String, AuthChallenge> challenges = new ConcurrentHashMap<>();
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();
    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
    private final AtomicLong tokenFetches = new AtomicLong();
    /** "registry scope" → credentials an asset's own pull secrets give for that repository (win over the config). */
    private final Map<String, Credentials> repositoryCredentials = new ConcurrentHashMap<>();

    Authenticator(RegistryOptions options, RegistryHttp http) {
        this.options = options;
        this.http = http;
    }

    /** Tokens fetched so far. */
    long tokenFetches() {
        return tokenFetches.get();
    }

    private Optional<Credentials> credentials(String registry, String scope) {
        Credentials own = scope == null ? null : repositoryCredentials.get(registry + " " + scope);
        return own != null ? Optional.of(own) : options.credentials().find(registry);
    }

    /**
     * Uses {@code credentials} (null: the configured ones again) for requests in {@code scope} of {@code registry};
     * a token fetched with other credentials for that scope is dropped.
     */
    void useCredentials(String registry, String scope, Credentials credentials) {
        String key = registry + " " + scope;
        Credentials before = credentials == null ? repositoryCredentials.remove(key)
                : repositoryCredentials.put(key, credentials);
        if (before != credentials) {
            tokens.remove(key);
        }
    }

    /** The Authorization header for a request to {@code registry} in {@code scope}, or null (anonymous). */
    String authorization(String registry, String scope) {
        AuthChallenge challenge = challenges.get(registry);
        if (challenge == null) {
            return null;
        }
        if (challenge.scheme().equals("basic")) {
            return credentials(registry, scope).map(Credentials::basicHeader).orElse(null);
        }
        String key = registry + " " + scope;
        Token t = tokens.get(key);
        Instant now = options.clock().instant();
        if (t != null && now.isBefore(t.expires())) {
            return "Bearer " + t.value();
        }
        ReentrantLock lock = locks.computeIfAbsent(key, k -> new ReentrantLock());
        lock.lock();
        try {
            t = tokens.get(key);
            if (t != null && options.clock().instant().isBefore(t.expires())) {
                return "Bearer " + t.value();
            }
            t = fetchToken(registry, challenge, scope);
            tokens.put(key, t);
            return "Bearer " + t.value();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Learns from a 401: remembers the challenge and drops a rejected token. True when a retry can succeed (a token
     * to fetch, or credentials not yet sent).
     */
    boolean onUnauthorized(String registry, String scope, List<String> wwwAuthenticate, String usedAuthorization) {
        List<AuthChallenge> parsed = AuthChallenge.parse(wwwAuthenticate);
        AuthChallenge bearer = parsed.stream().filter(c -> c.scheme().equals("bearer")).findFirst().orElse(null);
        AuthChallenge basic = parsed.stream().filter(c -> c.scheme().equals("basic")).findFirst().orElse(null);
        if (bearer != null && bearer.param("realm") != null) {
            challenges.put(registry, bearer);
            if (usedAuthorization != null && usedAuthorization.startsWith("Bearer ")) {
                tokens.remove(registry + " " + scope);
            }
            return true;
        }
        if (basic != null) {
            challenges.put(registry, basic);
            return usedAuthorization == null && credentials(registry, scope).isPresent();
        }
        return false;
    }

    /** The message for a final 401, without secrets. */
    String explain(String registry, String scope, boolean sentCredentials, String registryError) {
        boolean configured = credentials(registry, scope).isPresent();
        String base = sentCredentials && configured
                ? "the credentials configured for " + registry + " were rejected (401)"
                : configured ? registry + " refused access (401)"
                : registry + " requires authentication and no credentials are configured for it (401)";
        return registryError == null ? base : base + ": " + registryError;
    }

    private Token fetchToken(String registry, AuthChallenge challenge, String scope) {
        String realm = challenge.param("realm");
        URI realmUri;
        try {
            realmUri = URI.create(realm);
        } catch (IllegalArgumentException e) {
            throw new RegistryException(RegistryException.Kind.PROTOCOL, registry + " sent an unusable token realm");
        }
        String scheme = realmUri.getScheme();
        if (!"https".equals(scheme) && !"http".equals(scheme) || realmUri.getHost() == null) {
            throw new RegistryException(RegistryException.Kind.PROTOCOL, registry + " sent an unusable token realm");
        }
        Optional<Credentials> creds = credentials(registry, scope);
        if (creds.isPresent() && "http".equals(scheme) && !options.host(registry).insecure()) {
            throw new RegistryException(RegistryException.Kind.CONFIGURATION, "the token service of " + registry
                    + " is plain HTTP (" + realmUri.getAuthority() + "): credentials are not sent there unless the"
                    + " registry is configured insecure");
        }
        String service = challenge.param("service");
        StringBuilder query = new StringBuilder();
        if (service != null) {
            query.append("service=").append(enc(service));
        }
        String authHost = realmUri.getAuthority();
        Map<String, String> headers;
        byte[] body = null;
        String method = "GET";
        URI uri;
        Credentials c = creds.orElse(null);
        if (c != null && c.identityToken() != null) {
            method = "POST";
            headers = Map.of("Content-Type", "application/x-www-form-urlencoded");
            String form = "grant_type=refresh_token&client_id=safe-updater&refresh_token=" + enc(c.identityToken())
                    + "&scope=" + enc(scope) + (service == null ? "" : "&service=" + enc(service));
            body = form.getBytes(StandardCharsets.UTF_8);
            uri = realmUri;
        } else {
            query.append(query.isEmpty() ? "" : "&").append("scope=").append(enc(scope));
            uri = URI.create(realm + (realm.contains("?") ? "&" : "?") + query);
            headers = c == null ? Map.of() : Map.of("Authorization", c.basicHeader());
        }
        tokenFetches.incrementAndGet();
        Instant requested = options.clock().instant();
        try {
            return http.send(authHost, method, uri, headers, null, body, List.of(200), response -> {
                JsonNode json = MAPPER.readTree(response.body().readNBytes(1024 * 1024));
                String token = json == null ? null : json.path("token").asText(null);
                if (token == null || token.isEmpty()) {
                    token = json == null ? null : json.path("access_token").asText(null);
                }
                if (token == null || token.isEmpty()) {
                    throw new RegistryException(RegistryException.Kind.PROTOCOL, "the token service of " + registry
                            + " answered without a token");
                }
                long expiresIn = json.path("expires_in").asLong(DEFAULT_TOKEN_SECONDS);
                if (expiresIn <= 0) {
                    expiresIn = DEFAULT_TOKEN_SECONDS;
                }
                Instant issued = requested;
                String issuedAt = json.path("issued_at").asText(null);
                if (issuedAt != null) {
                    try {
                        issued = Instant.parse(issuedAt);
                    } catch (RuntimeException e) {
                        issued = requested;
                    }
                }
                long margin = Math.min(EXPIRY_MARGIN_SECONDS, expiresIn / 10);
                return new Token(token, issued.plusSeconds(expiresIn - margin));
            });
        } catch (RegistryException e) {
            if (e.kind() == RegistryException.Kind.UNAUTHORIZED || e.kind() == RegistryException.Kind.DENIED) {
                throw new RegistryException(RegistryException.Kind.UNAUTHORIZED, "the token service of " + registry
                        + (c == null ? " refused an anonymous token for " + scope
                        : " rejected the credentials configured for " + registry), e);
            }
            throw new RegistryException(e.kind(), "cannot get a token for " + registry + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new RegistryException(RegistryException.Kind.PROTOCOL, "the token service of " + registry
                    + " answered something unreadable", e);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
