package dev.safeupdater.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes DRL test rule files with the imports and global every rule file needs. */
public final class Drl {
    public static final String HEADER = """
            package test.rules;
            import dev.safeupdater.model.Candidate;
            import dev.safeupdater.model.ChangeType;
            global dev.safeupdater.policy.Verdict verdict;
            """;

    private Drl() {
    }

    /** Writes {@code HEADER + body} to {@code dir/name} and returns the directory. */
    public static Path write(Path dir, String name, String body) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(name), HEADER + body);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A simple rule: {@code when Candidate(<constraint>) then verdict.<action>($c, "<reason>")}. */
    public static String rule(String name, String constraint, String action, String reason) {
        return """
                rule "%s"
                    @owner("tests")
                when
                    $c : Candidate( %s )
                then
                    verdict.%s($c, "%s");
                end
                """.formatted(name, constraint, action, reason);
    }
}
