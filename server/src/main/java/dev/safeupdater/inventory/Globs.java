package dev.safeupdater.inventory;

import java.util.List;
import java.util.regex.Pattern;

/** Shell-style globs ({@code *} any run of characters, {@code ?} one character) for namespace selection. */
final class Globs {
    private final List<Pattern> patterns;

    private Globs(List<Pattern> patterns) {
        this.patterns = patterns;
    }

    static Globs of(List<String> globs) {
        return new Globs(globs.stream().map(Globs::compile).toList());
    }

    boolean matches(String value) {
        for (Pattern p : patterns) {
            if (p.matcher(value).matches()) {
                return true;
            }
        }
        return false;
    }

    /** True when {@code glob} has no wildcard, i.e. names exactly one value. */
    static boolean isLiteral(String glob) {
        return glob.indexOf('*') < 0 && glob.indexOf('?') < 0;
    }

    private static Pattern compile(String glob) {
        StringBuilder re = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (char c : glob.toCharArray()) {
            if (c == '*' || c == '?') {
                if (!literal.isEmpty()) {
                    re.append(Pattern.quote(literal.toString()));
                    literal.setLength(0);
                }
                re.append(c == '*' ? ".*" : ".");
            } else {
                literal.append(c);
            }
        }
        if (!literal.isEmpty()) {
            re.append(Pattern.quote(literal.toString()));
        }
        return Pattern.compile(re.toString());
    }
}
