package dev.safeupdater.model;

import java.util.Locale;
import java.util.regex.Pattern;
/**
 * An image reference split into registry, repository, tag and digest, with Docker's defaults applied:
 * {@code nginx} is {@code docker.io/library/nginx}; the first path component is a registry when it has a dot, a
 * port or is {@code localhost}. Tag and digest may be null. One parser for every stage: the inventory reads what
 * workloads run with it, the registry client what to look up.
 */
public record ImageReference(String registry, String repository, String tag, String digest) {
    public static final String DOCKER_HUB = "docker.io";
    private static final String DOCKER_HUB_API = "registry-1.docker.io";
    private static final Pattern HOST = Pattern.compile(
            "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]{1,5})?");
    private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    /** The Docker/OCI tag grammar. */
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    private static final Pattern DIGEST = Pattern.compile("[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}");

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
            if (!DIGEST.matcher(digest).matches()) {
                throw new IllegalArgumentException("\"" + digest + "\" is not a digest like sha256:<64 hex digits>");
            }
        }
        String tag = null;
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/')) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
            if (!TAG.matcher(tag).matches()) {
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
                if (!HOST.matcher(first).matches()) {
                    throw new IllegalArgumentException("\"" + first + "\" is not a registry host[:port]");
                }
            }
        }
        if (path.isEmpty()) {
            throw new IllegalArgumentException("\"" + ref + "\" names no repository");
        }
        for (String component : path.split("/", -1)) {
            if (!COMPONENT.matcher(component).matches()) {
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
}
