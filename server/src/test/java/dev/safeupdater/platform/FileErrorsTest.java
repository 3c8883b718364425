package dev.safeupdater.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileErrorsTest {

    @Test
    void saysWhyAFileCouldNotBeReadAndWhereItWasLookedFor(@TempDir Path dir) {
        Path relative = Path.of("no-such-inventory.yaml");
        IOException missing = assertThrows(IOException.class, () -> Files.readAllBytes(relative));
        assertEquals("cannot read inventory file no-such-inventory.yaml: no such file ("
                + relative.toAbsolutePath() + ")", FileErrors.cannotRead("inventory file", relative, missing));

        // an absolute path is not repeated; a directory gives the file system's own reason
        IOException isDir = assertThrows(IOException.class, () -> Files.readAllBytes(dir));
        assertEquals("cannot read registries file " + dir + ": Is a directory",
                FileErrors.cannotRead("registries file", dir, isDir));
    }
}
