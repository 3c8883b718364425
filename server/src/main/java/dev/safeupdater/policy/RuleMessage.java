package dev.safeupdater.policy;

/** A problem in a rule file, located as {@code file:line:column}. Line and column are 1-based; 0 when unknown. */
public record RuleMessage(String file, int line, int column, String message) {
    @Override
    public String toString() {
        return file + ":" + line + ":" + column + ": " + message;
    }
}
