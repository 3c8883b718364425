package dev.safeupdater.policy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The text of one rule file with its line starts, to turn character offsets into 1-based {@code line:column}
 * positions and to quote the offending source line in messages.
 */
final class DrlText {
    private final String text;
    private final int[] lineStarts;

    DrlText(byte[] content) {
        this(new String(content, StandardCharsets.UTF_8));
    }

    DrlText(String text) {
        this.text = text;
        int[] starts = new int[16];
        int n = 0;
        starts[n++] = 0;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                if (n == starts.length) {
                    starts = Arrays.copyOf(starts, n * 2);
                }
                starts[n++] = i + 1;
            }
        }
        this.lineStarts = Arrays.copyOf(starts, n);
    }

    String text() {
        return text;
    }

    int lines() {
        return lineStarts.length;
    }

    /** Line {@code n} (1-based) without its line break; "" outside the file. */
    String line(int n) {
        if (n < 1 || n > lineStarts.length) {
            return "";
        }
        int end = n < lineStarts.length ? lineStarts[n] - 1 : text.length();
        String s = text.substring(lineStarts[n - 1], Math.max(lineStarts[n - 1], end));
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    /** The character offset of 1-based {@code line} and 0-based {@code column}, or -1. */
    int offset(int line, int column0) {
        if (line < 1 || line > lineStarts.length || column0 < 0) {
            return -1;
        }
        int at = lineStarts[line - 1] + column0;
        return at <= text.length() ? at : -1;
    }

    /** The 1-based line of a character offset. */
    int lineOf(int offset) {
        int i = Arrays.binarySearch(lineStarts, Math.max(0, Math.min(offset, text.length())));
        return i >= 0 ? i + 1 : -i - 1;
    }

    /** The 1-based column of a character offset. */
    int columnOf(int offset) {
        int clamped = Math.max(0, Math.min(offset, text.length()));
        return clamped - lineStarts[lineOf(clamped) - 1] + 1;
    }

    /** A message at a character offset. */
    RuleMessage at(String file, int offset, String message) {
        return new RuleMessage(file, lineOf(offset), columnOf(offset), message);
    }

    /** The first non-blank 1-based column of a line (1 for a blank line). */
    int firstColumn(int line) {
        String s = line(line);
        int i = 0;
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i < s.length() ? i + 1 : 1;
    }

    /** Line {@code n}, trimmed, for quoting in a message. */
    String quote(int n) {
        String s = line(n).strip();
        return s.length() > 160 ? s.substring(0, 157) + "..." : s;
    }
}
