package dev.safeupdater.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * API tokens for tests: one per role by default ({@code vera} viewer, {@code audrey} auditor, {@code alice} approver,
 * {@code root} admin), written as an {@code auth.tokens-file} holding only their SHA-256. {@link #token} gives the
 * secret to send as {@code Authorization: Bearer}.
 */
public final class Tokens {
    public static final Map<String, String> DEFAULT_ROLES = Map.of("vera", "viewer", "audrey", "auditor",
            "alice", "approver", "root", "admin");
    private final Map<String, String> roles = new LinkedHashMap<>();

    public Tokens() {
        roles.putAll(DEFAULT_ROLES);
    }

    /** Adds (or changes) a token. */
    public Tokens with(String name, String role) {
        roles.put(name, role);
        return this;
    }

    /** The secret token of {@code name} (deterministic, so logs can be searched for it). */
    public static String token(String name) {
        return "su-test-token-" + name + "-9f8e7d6c5b4a";
    }

    /** The token of the first name with {@code role}. */
    public String tokenOf(String role) {
        return roles.entrySet().stream().filter(e -> e.getValue().equals(role)).findFirst()
                .map(e -> token(e.getKey())).orElseThrow();
    }

    /** Writes the tokens file to {@code file}. */
    public Path write(Path file) {
        StringBuilder sb = new StringBuilder("tokens:\n");
        roles.forEach((name, role) -> sb.append("  - name: ").append(name).append("\n    role: ").append(role)
                .append("\n    sha256: ").append(sha256(token(name))).append('\n'));
        try {
            Files.writeString(file, sb.toString());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return file;
    }

    public static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
