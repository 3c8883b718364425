package dev.safeupdater.registry.helm;

import java.util.List;

/**
 * What chart discovery needs from the OCI registry client: the tags of a repository ({@code host[:port]/path}),
 * following pagination. The registry client (registry/**) provides it; this package does not talk OCI itself.
 */
@FunctionalInterface
public interface OciTagLister {
    List<String> tags(String repository) throws Exception;
}
