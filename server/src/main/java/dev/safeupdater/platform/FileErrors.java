package dev.safeupdater.platform;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Why a file could not be read, in words: Java's file exceptions carry only the path as their message
 * ({@code NoSuchFileException: nope.yaml}), which made errors read "cannot read inventory file nope.yaml: nope.yaml".
 */
public final class FileErrors {
    private FileErrors() {
    }

    /** "cannot read {what} {file}: no such file (/abs/path)", or the reason the file system gave. */
    public static String cannotRead(String what, Path file, IOException e) {
        String reason;
        if (e instanceof NoSuchFileException) {
            reason = "no such file";
        } else if (e instanceof AccessDeniedException) {
            reason = "permission denied";
        } else if (e instanceof FileSystemException fs) {
            reason = fs.getReason() != null ? fs.getReason() : e.getClass().getSimpleName();
        } else {
            reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
        Path absolute = file.toAbsolutePath().normalize();
        return "cannot read " + what + " " + file + ": " + reason
                + (absolute.toString().equals(file.toString()) ? "" : " (" + absolute + ")");
    }
}
