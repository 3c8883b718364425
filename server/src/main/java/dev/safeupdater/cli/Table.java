package dev.safeupdater.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/**
 * Plain-text tables (left-aligned columns as wide as their widest cell, two spaces apart) and the counts under them.
 */
final class Table {
    private Table() {
    }

    static void print(PrintWriter out, String[] header, List<String[]> rows) {
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
        for (String[] r : rows) {
            line(out, r, width);
        }
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
