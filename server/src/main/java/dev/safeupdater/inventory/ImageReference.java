package dev.safeupdater.inventory;

import java.util.regex.Pattern;

/**
 * An image reference as workloads write it ({@code [registry[:port]/]path[:tag][@digest]}), split into the repository
 * (as written), tag and digest. A reference without tag and digest runs {@code latest}, as container runtimes do.
 */
record ImageReference(String repository, String tag, String digest) {
    private static final Pattern DIGEST = Pattern.compile("[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    private static final Pattern HOST = Pattern.compile("(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)"
            + "(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]{1,5})?");
    private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final String DOCKER_HUB = "docker.io";

    /** Parses {@code ref}; throws {@link IllegalArgumentException} saying what is wrong. */
    static ImageReference parse(String ref) {
        if (ref == null || ref.isBlank()) {
            throw new IllegalArgumentException("image reference is empty");
        }
        String rest = ref.strip();
        if (rest.length() > 1024) {
            throw new IllegalArgumentException("image reference is longer than 1024 characters");
        }
        String digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = rest.substring(at + 1);
            rest = rest.substring(0, at);
            if (!DIGEST.matcher(digest).matches()) {
                throw new IllegalArgumentException("\"" + ref + "\" has an invalid digest");
            }
        }
        String tag = null;
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/')) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
            if (!TAG.matcher(tag).matches()) {
                throw new IllegalArgumentException("\"" + ref + "\" has an invalid tag");
            }
        }
        if (!validRepository(rest)) {
            throw new IllegalArgumentException("\"" + ref + "\" is not a valid image reference");
        }
        if (tag == null && digest == null) {
            tag = "latest";
        }
        return new ImageReference(rest, tag, digest);
    }

    /** The registry host (with port) the repository lives on; {@code docker.io} when the reference names none. */
    String registry() {
        String first = firstComponentIfHost(repository);
        return first == null ? DOCKER_HUB : normalizeHub(first);
    }

    /** The repository with registry and Docker Hub's implicit {@code library/} spelled out, for comparisons. */
    String canonical() {
        String first = firstComponentIfHost(repository);
        String path = first == null ? repository : repository.substring(first.length() + 1);
        String registry = first == null ? DOCKER_HUB : normalizeHub(first);
        if (registry.equals(DOCKER_HUB) && path.indexOf('/') < 0) {
            path = "library/" + path;
        }
        return registry + "/" + path;
    }

    private static boolean validRepository(String repo) {
        if (repo.isEmpty()) {
            return false;
        }
        String[] parts = repo.split("/", -1);
        int start = 0;
        if (parts.length > 1 && isHost(parts[0])) {
            if (!HOST.matcher(parts[0]).matches()) {
                return false;
            }
            start = 1;
        }
        for (int i = start; i < parts.length; i++) {
            if (!COMPONENT.matcher(parts[i]).matches()) {
                return false;
            }
        }
        return true;
    }

    private static String firstComponentIfHost(String repo) {
        int slash = repo.indexOf('/');
        if (slash < 0) {
            return null;
        }
        String first = repo.substring(0, slash);
        return isHost(first) ? first : null;
    }

    private static boolean isHost(String component) {
        return component.contains(".") || component.contains(":") || component.equals("localhost");
    }

    private static String normalizeHub(String host) {
        return host.equals("index.docker.io") || host.equals("registry-1.docker.io") ? DOCKER_HUB : host;
    }
}
