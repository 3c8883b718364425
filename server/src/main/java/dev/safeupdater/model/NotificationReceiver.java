package dev.safeupdater.model;

import java.net.URI;
import java.util.Locale;
import java.util.Objects;

/**
 * A webhook that notifications are posted to: its name in the notifications file, its URL, the body format, and the
 * optional HMAC secret that signs each body. The URL's path and query and the secret are never shown (a Slack-style
 * URL carries its token in the path): {@link #target()} is the printable form and {@link #toString()} masks both.
 */
public record NotificationReceiver(String name, URI url, Format format, String secret) {
    /** The body posted: the event as JSON, or a Slack-compatible {@code {"text": ...}} message. */
    public enum Format {
        JSON, SLACK;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public NotificationReceiver {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(url, "url");
        format = format == null ? Format.JSON : format;
        secret = secret == null || secret.isEmpty() ? null : secret;
    }

    /** True when bodies are signed. */
    public boolean signed() {
        return secret != null;
    }

    /** {@code scheme://host[:port]} plus {@code /…} when the URL has a path or query: safe to log and show. */
    public String target() {
        return target(url);
    }

    /** The printable form of {@code url} (see {@link #target()}). */
    public static String target(URI url) {
        StringBuilder sb = new StringBuilder().append(url.getScheme()).append("://").append(url.getHost());
        if (url.getPort() >= 0) {
            sb.append(':').append(url.getPort());
        }
        String path = url.getRawPath();
        if ((path != null && !path.isEmpty() && !path.equals("/")) || url.getRawQuery() != null) {
            sb.append("/…");
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "NotificationReceiver[name=" + name + ", target=" + target() + ", format=" + format.id() + ", signed="
                + signed() + "]";
    }
}
