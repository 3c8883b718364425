package dev.safeupdater.model;

import java.util.Map;

/**
 * A rule that fired for a candidate: its name, what it said (null when it only fired) and its metadata
 * ({@code @owner}, {@code @ticket}, free keys).
 */
public record FiredRule(String name, Outcome outcome, String reason, Map<String, String> metadata) {
    public FiredRule {
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }
}
