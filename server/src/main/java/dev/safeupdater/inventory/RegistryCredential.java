package dev.safeupdater.inventory;

/**
 * Credentials for one registry host from a pull secret. Either {@code username} + {@code password}, or an
 * {@code identityToken}. {@link #toString()} never shows the secret parts.
 */
public record RegistryCredential(String registry, String username, String password, String identityToken) {
    @Override
    public String toString() {
        return "RegistryCredential[registry=" + registry + ", username=" + username + ", password="
                + (password == null ? "null" : "***") + ", identityToken=" + (identityToken == null ? "null" : "***")
                + "]";
    }
}
