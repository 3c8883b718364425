package dev.safeupdater.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Plain-text tables (left-aligned columns as wide as their widest cell, two spaces apart) and the counts under them.
 */
final class Table {
    private Table() {
    }

    static void print(PrintWriter out, String[] header, List<String[]> rows) {
        print(out, header, rows, Integer.MAX_VALUE);
    }

    /**
     * As {@link #print(PrintWriter, String[], List)}, with the last column's text wrapped at spaces into lines of at
     * most {@code lastWidth} characters (a longer word stays whole), continued under the column: long reasons no
     * longer make every row of the table as wide as the longest.
     */
    static void print(PrintWriter out, String[] header, List<String[]> rows, int lastWidth) {
        int[] width = new int[header.length];
        for (int i = 0; i < header.length; i++) {
            width[i] = header[i].length();
        }
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i] == null ? 1 : r[i].length());
            }
        }
        line(out, header, width);
        int last = header.length - 1;
        for (String[] r : rows) {
            List<String> parts = wrap(r[last] == null ? "-" : r[last], lastWidth);
            String[] cells = r.clone();
            cells[last] = parts.getFirst();
            line(out, cells, width);
            String[] more = new String[header.length];
            Arrays.fill(more, "");
            for (String part : parts.subList(1, parts.size())) {
                more[last] = part;
                line(out, more, width);
            }
        }
    }

    /** Lines of at most {@code width} characters, broken at spaces; a longer word gets a line of its own. */
    static List<String> wrap(String text, int width) {
        if (text.length() <= width) {
            return List.of(text);
        }
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ", -1)) {
            if (!line.isEmpty() && line.length() + 1 + word.length() > width) {
                lines.add(line.toString());
                line.setLength(0);
            } else if (!line.isEmpty()) {
                line.append(' ');
            }
            line.append(word);
        }
        lines.add(line.toString());
        return lines;
    }

    private static void line(PrintWriter out, String[] cells, int[] width) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            String c = cells[i] == null ? "-" : cells[i];
            sb.append(c);
            if (i + 1 < cells.length) {
                sb.append(" ".repeat(width[i] - c.length() + 2));
            }
        }
        out.println(sb.toString().stripTrailing());
    }

    /** "1 image", "3 images", "10,000 assets": a count and its noun in English. */
    static String count(long n, String noun) {
        return count(n, noun, noun + "s");
    }

    /** "1 entry", "2 entries". */
    static String count(long n, String one, String many) {
        return String.format(Locale.ROOT, "%,d %s", n, n == 1 ? one : many);
    }
}
