package dev.safeupdater.policy;

/** One DRL file of a rule set and the SHA-256 of its bytes (hex). */
public record RuleFile(String name, String sha256) {
}
