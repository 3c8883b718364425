package dev.safeupdater.policy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.drools.compiler.builder.impl.KnowledgeBuilderImpl;
import org.drools.compiler.compiler.DescrBuildError;
import org.drools.compiler.compiler.PackageRegistry;
import org.drools.compiler.compiler.RuleBuildError;
import org.drools.drl.ast.descr.BaseDescr;
import org.drools.drl.ast.descr.ConditionalElementDescr;
import org.drools.drl.ast.descr.ExprConstraintDescr;
import org.drools.drl.ast.descr.PatternDescr;
import org.drools.drl.ast.descr.RuleDescr;
import org.drools.drl.parser.DroolsError;
import org.drools.drl.parser.ParserError;
import org.drools.util.PortablePath;
import org.kie.api.builder.Message;
import org.kie.internal.builder.KnowledgeBuilder;
import org.kie.internal.builder.KnowledgeBuilderResult;
import org.kie.internal.builder.ResultSeverity;
import org.kie.internal.jci.CompilationProblem;

/**
 * Turns what the DRL parser and Drools' builder report into one {@link RuleMessage} per problem, at the true line
 * and column, naming the offending text. Drools itself puts expression errors at line -1 or at the pattern, parser
 * errors at column 0 (the real one is in the text) followed by "Parser returned a null Package", and every Java error
 * of a consequence at the rule's first line; this class finds where each problem really is.
 */
final class BuildProblems {
    private static final Pattern PARSER_PREFIX = Pattern.compile("^\\[ERR \\d+\\] Line \\d+:\\d+ ");
    private static final Pattern ANALYSE = Pattern.compile(
            "^Unable to Analyse Expression (.*?):\\s*\\[Error: (.*?)\\]\\s*\\[Near", Pattern.DOTALL);
    private static final Pattern ANALYZE = Pattern.compile("^Unable to analyze expression '(.*)'$", Pattern.DOTALL);
    private static final Pattern STRICT = Pattern.compile(
            "unable to resolve method using strict-mode: ([\\w.$]+)\\.([\\w$]+)\\(([^)]*)\\)");
    private static final Pattern OBJECT_TYPE = Pattern.compile("^Unable to resolve ObjectType '(.*)'$");
    private static final Pattern TOKEN = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|[A-Za-z_$][\\w$]*");
    private static final Pattern COLUMN_IN_TEXT = Pattern.compile("Column: (\\d+)\\]");
    /** Lines Drools' consequence method template puts between the rule class's prefix and the consequence text. */
    private static final int CONSEQUENCE_HEADER_LINES = 4;

    private final KnowledgeBuilder builder;
    private final Map<String, DrlText> texts;
    private final UnaryOperator<String> display;
    private final Map<String, Set<String>> badImports;

    BuildProblems(KnowledgeBuilder builder, Map<String, DrlText> texts, UnaryOperator<String> display,
                  Map<String, Set<String>> badImports) {
        this.builder = builder;
        this.texts = texts;
        this.display = display;
        this.badImports = badImports;
    }

    /** Every error and warning of the build, located. */
    List<RuleMessage> all() {
        List<RuleMessage> out = new ArrayList<>();
        long id = 0;
        // a rule whose conditions cannot be built binds nothing: the errors of its consequence follow from that
        java.util.Set<BaseDescr> brokenConditions = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (KnowledgeBuilderResult r : builder.getResults(ResultSeverity.ERROR)) {
            if (r instanceof DescrBuildError d && !(r instanceof RuleBuildError) && d.getParentDescr() != null) {
                brokenConditions.add(d.getParentDescr());
            }
        }
        for (KnowledgeBuilderResult r : builder.getResults(ResultSeverity.ERROR, ResultSeverity.WARNING)) {
            String file = r.getResource() != null && r.getResource().getSourcePath() != null
                    ? r.getResource().getSourcePath() : "";
            DrlText text = texts.get(file);
            if (impliedByBadImport(file, r.getMessage())) {
                continue;
            }
            String prefix = r.getSeverity() == ResultSeverity.WARNING ? "warning (refused like an error): " : "";
            List<RuleMessage> found = new ArrayList<>();
            if (r instanceof ParserError pe) {
                RuleMessage m = parserError(display.apply(file), text, pe);
                if (m != null) {
                    found.add(m);
                }
            } else if (r instanceof RuleBuildError rbe && rbe.getObject() instanceof CompilationProblem[] problems
                    && rbe.getDescr() instanceof RuleDescr rule) {
                if (brokenConditions.contains(rule)) {
                    continue;
                }
                for (CompilationProblem p : problems) {
                    if (p.isError() || r.getSeverity() == ResultSeverity.WARNING) {
                        found.add(javaProblem(file, text, rule, p));
                    }
                }
            } else if (r instanceof DescrBuildError dbe) {
                found.add(descrError(file, text, dbe));
            } else {
                Message m = r.asMessage(id++);
                String msg = oneLine(m.getText());
                Matcher col = COLUMN_IN_TEXT.matcher(msg);
                found.add(new RuleMessage(display.apply(file), Math.max(0, m.getLine()),
                        m.getColumn() > 0 ? m.getColumn() : col.find() ? Integer.parseInt(col.group(1)) + 1 : 0,
                        msg));
            }
            for (RuleMessage m : found) {
                out.add(new RuleMessage(m.file(), m.line(), m.column(), prefix + m.message()));
            }
        }
        return out;
    }

    /** A parser error at its real position (Drools' column is 0-based), or null for the follow-up noise. */
    static RuleMessage parserError(String file, DrlText text, DroolsError e) {
        String msg = oneLine(e.getMessage());
        if (msg.startsWith("Parser returned a null Package")) {
            return null;
        }
        int line = e instanceof ParserError pe ? pe.getRow() : e.getLines().length > 0 ? e.getLines()[0] : 0;
        int column = e instanceof ParserError pe ? pe.getCol() + 1 : 0;
        msg = PARSER_PREFIX.matcher(msg).replaceFirst("");
        if (text != null && line > 0 && !text.quote(line).isEmpty()) {
            msg += ": `" + text.quote(line) + "`";
        }
        return new RuleMessage(file, Math.max(0, line), Math.max(0, column), msg);
    }

    private boolean impliedByBadImport(String file, String message) {
        Set<String> bad = badImports.get(file);
        if (bad == null || message == null) {
            return false;
        }
        for (String target : bad) {
            String simple = target.substring(target.lastIndexOf('.') + 1);
            if (message.contains(target) || message.contains("'" + simple + "'")
                    || message.startsWith("Error importing")) {
                return true;
            }
        }
        return false;
    }

    /** An error about a constraint, pattern or {@code from} expression: at the text it is about. */
    private RuleMessage descrError(String file, DrlText text, DescrBuildError e) {
        String raw = e.getMessage() == null ? "" : e.getMessage().strip();
        RuleDescr rule = e.getParentDescr() instanceof RuleDescr r ? r : null;
        String where = rule == null ? "" : "rule \"" + rule.getName() + "\": ";
        BaseDescr d = e.getDescr();
        String expression = null;
        String problem = oneLine(raw);
        Matcher m = ANALYSE.matcher(raw);
        Matcher m2 = ANALYZE.matcher(raw);
        if (m.find()) {
            expression = m.group(1).strip();
            problem = inner(oneLine(m.group(2)));
        } else if (m2.find()) {
            expression = m2.group(1).strip();
            problem = "cannot be analysed";
        }
        Matcher type = OBJECT_TYPE.matcher(problem);
        if (type.find()) {
            String name = type.group(1);
            int at = text == null ? -1 : patternTypeOffset(text, d, name);
            String msg = where + "unknown fact type \"" + name + "\" (is it imported? " + RuleCompiler.FACT_TYPES_HINT
                    + ")";
            return at >= 0 ? text.at(display.apply(file), at, msg) : at(file, d, rule, msg);
        }
        if (expression != null && text != null && rule != null) {
            int[] found = locate(text, rule, expression);
            if (found != null) {
                String written = text.text().substring(found[0], found[1]).strip();
                return text.at(display.apply(file), found[0], where + "`" + written + "`: " + problem);
            }
        }
        return at(file, d, rule, where + (expression == null ? "" : "`" + expression + "`: ") + problem);
    }

    private RuleMessage at(String file, BaseDescr d, RuleDescr rule, String message) {
        if (d != null && d.getLine() > 0) {
            return new RuleMessage(display.apply(file), d.getLine(), Math.max(0, d.getColumn()) + 1, message);
        }
        if (rule != null && rule.getLine() > 0) {
            return new RuleMessage(display.apply(file), rule.getLine(), Math.max(0, rule.getColumn()) + 1, message);
        }
        return new RuleMessage(display.apply(file), 0, 0, message);
    }

    /** MVEL's words for common mistakes, said plainly. */
    private static String inner(String error) {
        Matcher m = STRICT.matcher(error);
        if (m.find()) {
            String owner = m.group(1).substring(m.group(1).lastIndexOf('.') + 1).replace('$', '.');
            String name = m.group(2);
            if (!m.group(3).isBlank()) {
                return owner + " has no method " + name + "(" + java.util.Arrays.stream(m.group(3).split(","))
                        .map(a -> a.strip().substring(a.strip().lastIndexOf('.') + 1))
                        .collect(java.util.stream.Collectors.joining(", ")) + ") (an argument of the wrong type?)";
            }
            if (name.startsWith("$")) {
                return name + " is not bound: no pattern or constraint before this one binds it (write e.g. "
                        + name + " : Candidate() first)";
            }
            return owner + " has no property or method \"" + name + "\"";
        }
        return error;
    }

    /** Where the type name of the pattern a descr belongs to is written. */
    private static int patternTypeOffset(DrlText text, BaseDescr d, String name) {
        if (d == null || d.getLine() < 1) {
            return -1;
        }
        int from = text.offset(d.getLine(), Math.max(0, d.getColumn()));
        int at = from < 0 ? -1 : text.text().indexOf(name, from);
        return at >= 0 && text.lineOf(at) <= d.getLine() + 1 ? at : from;
    }

    /**
     * The start and end offsets of the text an error's expression was made from, within the rule: the expression as
     * written, else the constraint sharing the most names and strings with it (Drools rewrites {@code matches},
     * {@code str[...]} and the like before it analyses them).
     */
    private static int[] locate(DrlText text, RuleDescr rule, String expression) {
        int from = Math.max(0, text.offset(rule.getLine(), 0));
        int to = rule.getEndCharacter() > from && rule.getEndCharacter() <= text.text().length()
                ? rule.getEndCharacter() : text.text().length();
        String region = text.text().substring(from, to);
        int exact = region.indexOf(expression);
        if (exact >= 0) {
            return new int[]{from + exact, from + exact + expression.length()};
        }
        List<String> tokens = new ArrayList<>();
        Matcher t = TOKEN.matcher(expression);
        while (t.find()) {
            tokens.add(t.group());
        }
        int[] best = null;
        int bestScore = 0;
        for (ExprConstraintDescr c : constraints(rule)) {
            String written = c.getExpression();
            int start = constraintStart(text, c);
            if (written == null || start < 0) {
                continue;
            }
            int score = 0;
            for (String token : tokens) {
                if (written.contains(token)) {
                    score++;
                }
            }
            if (score > bestScore) {
                bestScore = score;
                best = new int[]{start, start + written.length()};
            }
        }
        return bestScore * 2 >= tokens.size() ? best : null;
    }

    private static int constraintStart(DrlText text, ExprConstraintDescr c) {
        String expr = c.getExpression();
        if (expr == null) {
            return -1;
        }
        int at = c.getStartCharacter();
        if (at >= 0 && text.text().startsWith(expr, at)) {
            return at;
        }
        at = text.offset(c.getLine(), c.getColumn());
        return at >= 0 && text.text().startsWith(expr, at) ? at : -1;
    }

    /** Every constraint of every pattern of a rule. */
    static List<ExprConstraintDescr> constraints(RuleDescr rule) {
        List<ExprConstraintDescr> out = new ArrayList<>();
        collect(rule.getLhs(), out);
        return out;
    }

    private static void collect(BaseDescr d, List<ExprConstraintDescr> out) {
        if (d instanceof PatternDescr p) {
            if (p.getSource() instanceof org.drools.drl.ast.descr.AccumulateDescr a) {
                collect(a.getInput(), out);
            } else if (p.getSource() instanceof org.drools.drl.ast.descr.CollectDescr c) {
                collect(c.getInputPattern(), out);
            }
            for (BaseDescr c : p.getDescrs()) {
                if (c instanceof ExprConstraintDescr e) {
                    out.add(e);
                }
            }
        } else if (d instanceof ConditionalElementDescr ce) {
            for (BaseDescr c : ce.getDescrs()) {
                collect(c, out);
            }
        }
    }

    /**
     * A Java compile error of a consequence (or {@code eval}): found by the generated line's text, else by the
     * offending token, else by Drools' line offset of the consequence.
     */
    private RuleMessage javaProblem(String file, DrlText text, RuleDescr rule, CompilationProblem p) {
        String where = "rule \"" + rule.getName() + "\": ";
        String problem = oneLine(p.getMessage());
        if (text == null) {
            return new RuleMessage(display.apply(file), rule.getLine(), rule.getColumn() + 1, where + problem);
        }
        String generated = generatedSource(rule, p.getFileName());
        int first = rule.getLine();
        int last = Math.max(first, text.lineOf(rule.getEndCharacter() > 0 ? rule.getEndCharacter()
                : text.text().length()));
        int line = -1;
        int column = -1;
        if (generated != null) {
            DrlText gen = new DrlText(generated);
            int genLine = p.getStartLine();
            int genStart = p.getStartColumn() >= gen.offset(genLine, 0) ? p.getStartColumn()
                    : gen.offset(genLine, Math.max(0, p.getStartColumn()));
            String genText = gen.line(genLine);
            String core = genText.strip();
            if (!core.isEmpty()) {
                int estimate = consequenceLine(text, rule, p);
                for (int l = first; l <= last; l++) {
                    if (text.line(l).strip().equals(core) && (line < 0
                            || Math.abs(l - estimate) < Math.abs(line - estimate))) {
                        line = l;
                    }
                }
                if (line > 0 && genStart >= 0) {
                    int inGen = genStart - gen.offset(genLine, 0) - genText.indexOf(core);
                    column = text.line(line).indexOf(core) + Math.max(0, inGen) + 1;
                }
            }
            if (line < 0 && genStart >= 0 && p.getEndColumn() >= genStart && p.getEndColumn() < generated.length()) {
                String token = generated.substring(genStart, p.getEndColumn() + 1);
                int from = text.offset(first, 0);
                int to = text.offset(last, 0) + text.line(last).length();
                int at = token.isBlank() ? -1 : text.text().indexOf(token, from);
                int again = at < 0 ? -1 : text.text().indexOf(token, at + 1);
                if (at >= 0 && at < to && (again < 0 || again >= to)) {
                    line = text.lineOf(at);
                    column = text.columnOf(at);
                }
            }
        }
        if (line < 0) {
            int estimate = consequenceLine(text, rule, p);
            line = estimate >= first && estimate <= last ? estimate : rule.getLine();
        }
        if (column < 1) {
            column = text.firstColumn(line);
        }
        return new RuleMessage(display.apply(file), line, column, where + problem + ": `" + text.quote(line) + "`");
    }

    /**
     * The DRL line of a consequence problem from Drools' own bookkeeping: the rule class puts the consequence
     * {@link #CONSEQUENCE_HEADER_LINES} lines after {@code getConsequenceOffset()}, its first line being the one the
     * first token after {@code then} is on.
     */
    private static int consequenceLine(DrlText text, RuleDescr rule, CompilationProblem p) {
        int then = text.offset(rule.getConsequenceLine(), Math.max(0, rule.getConsequencePattern()));
        if (then < 0 || rule.getConsequenceOffset() <= 0) {
            return -1;
        }
        int i = then;
        if (text.text().startsWith("then", i)) {
            i += 4;
        }
        while (i < text.text().length() && Character.isWhitespace(text.text().charAt(i))) {
            i++;
        }
        return text.lineOf(i) + p.getStartLine() - rule.getConsequenceOffset() - CONSEQUENCE_HEADER_LINES;
    }

    /**
     * The Java source Drools generated for a rule, kept by its Java dialect. Drools does not publish it, so it is read
     * from the dialect's {@code src} field; when that fails, positions come from line offsets alone.
     */
    private String generatedSource(RuleDescr rule, String fileName) {
        if (!(builder instanceof KnowledgeBuilderImpl impl) || fileName == null) {
            return null;
        }
        try {
            PackageRegistry registry = impl.getPackageRegistry(rule.getNamespace());
            if (registry == null) {
                return null;
            }
            Object dialect = registry.getDialectCompiletimeRegistry().getDialect("java");
            java.lang.reflect.Field src = dialect.getClass().getDeclaredField("src");
            src.setAccessible(true);
            Object reader = src.get(dialect);
            if (reader instanceof org.kie.memorycompiler.resources.MemoryResourceReader r) {
                byte[] bytes = r.getBytes(PortablePath.of(fileName));
                return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // positions from line offsets only
        }
        return null;
    }

    static String oneLine(String text) {
        return text == null ? "" : text.strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
