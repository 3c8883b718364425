package dev.safeupdater.registry;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A user name and password (or an identity token, Docker's OAuth2 refresh token) for one registry. Its
 * {@link #toString()} never shows the secret.
 */
public final class Credentials {
    private final String username;
    private final String password;
    private final String identityToken;

    public Credentials(String username, String password, String identityToken) {
        this.username = username == null ? "" : username;
        this.password = password == null ? "" : password;
        this.identityToken = identityToken == null || identityToken.isEmpty() ? null : identityToken;
    }

    public static Credentials basic(String username, String password) {
        return new Credentials(username, password, null);
    }

    public String username() {
        return username;
    }

    String password() {
        return password;
    }

    String identityToken() {
        return identityToken;
    }

    /** The value of an {@code Authorization: Basic} header. */
    String basicHeader() {
        return "Basic " + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "Credentials[" + username + ", ***]";
    }
}
