package dev.safeupdater.execution;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import dev.safeupdater.inventory.InventorySource;
import dev.safeupdater.platform.FileErrors;

/**
 * The inventory file ({@code inventory.file}) as it is now: every scan asks for the sources again, so an edit takes
 * effect at the next scan without a restart. An unchanged file gives the same source objects (their watch state is
 * kept); a changed one is parsed anew. A file that cannot be read or parsed throws, and the caller keeps the sources
 * of the last good version.
 */
public final class InventoryFile {
    private final Path file;
    private final Function<Path, List<InventorySource>> parser;
    private byte[] lastHash;
    private List<InventorySource> last;

    /** {@code parser} reads the file and throws {@link IllegalArgumentException} naming every problem. */
    public InventoryFile(Path file, Function<Path, List<InventorySource>> parser) {
        this.file = file;
        this.parser = parser;
    }

    public Path path() {
        return file;
    }

    /**
     * The sources the file names now (the same objects as last time when the file did not change).
     *
     * @throws IllegalArgumentException when the file cannot be read or is not a valid inventory
     */
    public synchronized List<InventorySource> load() {
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(FileErrors.cannotRead("inventory file", file, e));
        }
        byte[] hash = sha256(content);
        if (last != null && Arrays.equals(hash, lastHash)) {
            return last;
        }
        List<InventorySource> sources = List.copyOf(parser.apply(file));
        last = sources;
        lastHash = hash;
        return sources;
    }

    private static byte[] sha256(byte[] content) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(content);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
