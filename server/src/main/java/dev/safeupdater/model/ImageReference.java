package dev.safeupdater.model;

import java.util.Locale;

/**
 * An image reference split into registry, repository, tag and digest, with Docker's defaults applied:
 * {@code nginx} is {@code docker.io/library/nginx}; the first path component is a registry when it has a dot, a
 * port or is {@code localhost}. Tag and digest may be null. One parser for every stage: the inventory reads what
 * workloads run with it, the registry client what to look up.
 *
 * <p>The grammar (Docker's reference grammar, as regular expressions in {@code ImageReferenceGrammarTest}, which checks
 * these methods against them) is checked by hand-written scanners: a cycle parses every workload's image a few times,
 * and regular expressions made that one of the first cycle's largest JIT compilations.
 */
public record ImageReference(String registry, String repository, String tag, String digest) {
    public static final String DOCKER_HUB = "docker.io";
    private static final String DOCKER_HUB_API = "registry-1.docker.io";
    public ImageReference {
        if (registry == null || repository == null) {
            throw new IllegalArgumentException("registry and repository are required");
        }
    }

    /** Parses {@code ref}; throws {@link IllegalArgumentException} saying what is wrong. */
    public static ImageReference parse(String ref) {
        if (ref == null || ref.isBlank()) {
            throw new IllegalArgumentException("an image reference is required");
        }
        if (ref.length() > 1024) {
            throw new IllegalArgumentException("image reference is longer than 1024 characters");
        }
        String rest = ref.strip();
        String digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = rest.substring(at + 1);
            rest = rest.substring(0, at);
            if (!isDigest(digest)) {
                throw new IllegalArgumentException("\"" + digest + "\" is not a digest like sha256:<64 hex digits>");
            }
        }
        String tag = null;
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/')) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
            if (!isTag(tag)) {
                throw new IllegalArgumentException("\"" + tag + "\" is not a valid tag");
            }
        }
        String registry = DOCKER_HUB;
        String path = rest;
        int slash = rest.indexOf('/');
        if (slash > 0) {
            String first = rest.substring(0, slash);
            if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
                registry = normaliseRegistry(first);
                path = rest.substring(slash + 1);
                if (!isHost(first)) {
                    throw new IllegalArgumentException("\"" + first + "\" is not a registry host[:port]");
                }
            }
        }
        if (path.isEmpty()) {
            throw new IllegalArgumentException("\"" + ref + "\" names no repository");
        }
        for (String component : path.split("/", -1)) {
            if (!isComponent(component)) {
                throw new IllegalArgumentException("\"" + path + "\" is not a repository path (lower-case letters,"
                        + " digits and . _ - separators, components joined by /)");
            }
        }
        if (path.length() > 255) {
            throw new IllegalArgumentException("repository path is longer than 255 characters");
        }
        if (registry.equals(DOCKER_HUB) && !path.contains("/")) {
            path = "library/" + path;
        }
        return new ImageReference(registry, path, tag, digest);
    }

    /**
     * The reference as written, without its tag and digest ({@code ghcr.io/acme/app:1.2@sha256:…} →
     * {@code ghcr.io/acme/app}; {@code nginx:1.25} → {@code nginx}): what a user recognises as "the image".
     */
    public static String withoutTagAndDigest(String ref) {
        String rest = ref.strip();
        int at = rest.indexOf('@');
        if (at >= 0) {
            rest = rest.substring(0, at);
        }
        int colon = rest.lastIndexOf(':');
        return colon > rest.lastIndexOf('/') ? rest.substring(0, colon) : rest;
    }

    /** The canonical registry name for a host: Docker Hub's aliases become {@code docker.io}, lower case. */
    public static String normaliseRegistry(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return switch (h) {
            case "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com", "docker.io" -> DOCKER_HUB;
            default -> h;
        };
    }

    /** {@code registry/repository}, the key used for caching and storage ({@code docker.io/library/nginx}). */
    public String name() {
        return registry + "/" + repository;
    }

    /** The host the distribution API is served from ({@code registry-1.docker.io} for Docker Hub). */
    public String apiHost() {
        return registry.equals(DOCKER_HUB) ? DOCKER_HUB_API : registry;
    }

    /** The same repository without tag and digest. */
    public ImageReference repositoryOnly() {
        return tag == null && digest == null ? this : new ImageReference(registry, repository, null, null);
    }

    @Override
    public String toString() {
        return name() + (tag == null ? "" : ":" + tag) + (digest == null ? "" : "@" + digest);
    }

    /** A registry host: dot-separated labels of letters, digits and inner hyphens, then an optional :port (1-5 digits). */
    static boolean isHost(String s) {
        int colon = s.indexOf(':');
        int end = colon < 0 ? s.length() : colon;
        if (colon >= 0) {
            int port = s.length() - colon - 1;
            if (port < 1 || port > 5) {
                return false;
            }
            for (int i = colon + 1; i < s.length(); i++) {
                if (!isDigit(s.charAt(i))) {
                    return false;
                }
            }
        }
        int label = 0; // start of the current label
        for (int i = 0; i <= end; i++) {
            if (i == end || s.charAt(i) == '.') {
                if (i == label || s.charAt(label) == '-' || s.charAt(i - 1) == '-') {
                    return false; // an empty label, or one that starts or ends with a hyphen
                }
                label = i + 1;
            } else if (!isAlnum(s.charAt(i)) && s.charAt(i) != '-') {
                return false;
            }
        }
        return true;
    }

    /**
     * A repository path component: runs of lower-case letters and digits, joined by one separator each: {@code .},
     * {@code _}, {@code __} or one or more {@code -}.
     */
    static boolean isComponent(String s) {
        int i = 0;
        int n = s.length();
        while (true) {
            int run = i;
            while (i < n && isLowerAlnum(s.charAt(i))) {
                i++;
            }
            if (i == run) {
                return false; // empty, or a separator not followed by a letter or digit
            }
            if (i == n) {
                return true;
            }
            char c = s.charAt(i);
            if (c == '.') {
                i++;
            } else if (c == '_') {
                i += i + 1 < n && s.charAt(i + 1) == '_' ? 2 : 1;
            } else if (c == '-') {
                while (i < n && s.charAt(i) == '-') {
                    i++;
                }
            } else {
                return false;
            }
        }
    }

    /** A tag: 1-128 letters, digits, {@code _ . -}, not starting with {@code .} or {@code -}; false for null. */
    public static boolean isTag(String s) {
        if (s == null || s.isEmpty() || s.length() > 128 || s.charAt(0) == '.' || s.charAt(0) == '-') {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!isAlnum(c) && c != '_' && c != '.' && c != '-') {
                return false;
            }
        }
        return true;
    }

    /**
     * A digest: an algorithm (runs of lower-case letters and digits joined by one of {@code . + _ -}), a colon, and at
     * least 32 hex digits.
     */
    static boolean isDigest(String s) {
        int colon = s.indexOf(':');
        if (colon < 1 || s.length() - colon - 1 < 32) {
            return false;
        }
        for (int i = colon + 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!isDigit(c) && !(c >= 'a' && c <= 'f') && !(c >= 'A' && c <= 'F')) {
                return false;
            }
        }
        boolean afterSeparator = true; // the algorithm starts like after a separator: a letter or digit must follow
        for (int i = 0; i < colon; i++) {
            char c = s.charAt(i);
            if (isLowerAlnum(c)) {
                afterSeparator = false;
            } else if ((c == '.' || c == '+' || c == '_' || c == '-') && !afterSeparator) {
                afterSeparator = true;
            } else {
                return false;
            }
        }
        return !afterSeparator;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isLowerAlnum(char c) {
        return isDigit(c) || (c >= 'a' && c <= 'z');
    }

    private static boolean isAlnum(char c) {
        return isLowerAlnum(c) || (c >= 'A' && c <= 'Z');
    }
}
