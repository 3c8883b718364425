package dev.safeupdater.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the repository's data directories are, whether tests run from the root or from server/. */
public final class TestPaths {
    private TestPaths() {
    }

    public static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null) {
            if (Files.isDirectory(p.resolve("rules")) && Files.isDirectory(p.resolve("migrations"))) {
                return p;
            }
            p = p.getParent();
        }
        throw new IllegalStateException("cannot find the repository root from " + Path.of("").toAbsolutePath());
    }

    /** The shipped rules directory. */
    public static Path rules() {
        return repoRoot().resolve("rules");
    }

    /** The shipped policies directory. */
    public static Path policies() {
        return repoRoot().resolve("policies");
    }
}
