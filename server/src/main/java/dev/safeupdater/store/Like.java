package dev.safeupdater.store;

/**
 * LIKE patterns from user text: {@code %}, {@code _} and the escape character match only themselves. Use them as
 * {@code LIKE :p ESCAPE '!'} (the same escape on PostgreSQL and H2).
 */
final class Like {
    private Like() {
    }

    static String escape(String text) {
        return text.replace("!", "!!").replace("%", "!%").replace("_", "!_");
    }

    static String prefix(String text) {
        return escape(text) + "%";
    }

    static String contains(String text) {
        return "%" + escape(text) + "%";
    }
}
