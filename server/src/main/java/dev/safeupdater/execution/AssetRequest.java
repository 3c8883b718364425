package dev.safeupdater.execution;

import java.util.Map;

/** Registers or updates a static asset slot. {@code source} defaults to {@code static}. */
public record AssetRequest(String source,
                           String cluster,
                           String namespace,
                           String kind,
                           String name,
                           String container,
                           String image,
                           String currentTag,
                           String currentDigest,
                           Map<String, String> labels,
                           Map<String, String> annotations) {
}
