package dev.safeupdater.policy;

import java.lang.reflect.Type;
import java.time.temporal.Temporal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.stream.Collectors;

import org.drools.drl.ast.descr.AccumulateDescr;
import org.drools.drl.ast.descr.AtomicExprDescr;
import org.drools.drl.ast.descr.BaseDescr;
import org.drools.drl.ast.descr.BindingDescr;
import org.drools.drl.ast.descr.CollectDescr;
import org.drools.drl.ast.descr.ConditionalElementDescr;
import org.drools.drl.ast.descr.ConstraintConnectiveDescr;
import org.drools.drl.ast.descr.ExprConstraintDescr;
import org.drools.drl.ast.descr.GlobalDescr;
import org.drools.drl.ast.descr.PackageDescr;
import org.drools.drl.ast.descr.PatternDescr;
import org.drools.drl.ast.descr.RelationalExprDescr;
import org.drools.drl.ast.descr.RuleDescr;
import org.drools.drl.parser.DrlExprParser;
import org.drools.drl.parser.DrlExprParserFactory;
import org.kie.internal.builder.conf.LanguageLevelOption;

/**
 * Constraints Drools accepts that cannot do what they say: a comparison of a property with a literal (or another
 * value) of a type it can never equal. {@code changeType == "MAJOR"} compiles and is always false, because an enum
 * value is not its name; {@code changeType != "MAJOR"} is always true; {@code currentPrerelease == "yes"} silently
 * becomes {@code == false}; {@code currentPrerelease != null} is always true. Such a constraint refuses the set like a
 * compile error.
 *
 * <p>The check reads Drools' own parse of the rule files: every pattern wherever it is written (top level,
 * {@code not}, {@code exists}, {@code forall}, {@code or}, the input of {@code accumulate} and {@code collect}, patterns
 * fed by {@code from}), every constraint of those patterns as Drools' expression parser splits it ({@code &&},
 * {@code ||}, {@code in (...)} lists, bindings), and OOPath constraints ({@code /failures[ ... ]}). Operand types
 * come from the fact classes the package's imports resolve to, following property paths, map and list indexes,
 * method calls, bound variables and globals ({@link DrlTypes}). Operands whose type cannot be told are not judged.
 *
 * <p>It also refuses {@code str[...]} with an unknown operation or a text length: Drools 10.2 throws from the middle of
 * the build on the first instead of reporting it. The check runs before the build, which rewrites some conditions in
 * place ({@code forall}).
 */
final class LiteralTypeCheck {
    /** Text properties that only ever hold one of a few values (upper case): comparing with another never matches. */
    private static final Map<String, List<String>> CLOSED_TEXT = Map.of(
            "dev.safeupdater.model.History$Failure.state", List.of("FAILED", "ROLLED_BACK", "ROLLBACK_FAILED"));
    private static final List<String> STR_OPERATIONS = List.of("startsWith", "endsWith", "length");
    private static final java.util.Set<String> COMPARISONS = java.util.Set.of("==", "!=", "<", ">", "<=", ">=");
    private static final java.util.regex.Pattern BINDING_PREFIX =
            java.util.regex.Pattern.compile("^\\s*([$\\w]+)\\s*:=?\\s*(?=[/?])");
    private static final java.util.regex.Pattern NUMBER =
            java.util.regex.Pattern.compile("-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?[lLdDfFbBiI]?");

    private LiteralTypeCheck() {
    }

    /** Resolves a type name as written in a file of package {@code pkg}; null when unknown. */
    interface Classes {
        Class<?> resolve(String pkg, String name);
    }

    /**
     * Checks every constraint of every rule against the resolved fact classes; one message per constraint with a
     * problem, at the constraint's position. Rules with an operator Drools would throw on while building
     * ({@code str[startsWit]}) are added to {@code unbuildable}: the build must leave them out.
     */
    static List<RuleMessage> check(Map<String, PackageDescr> parsed, Map<String, DrlText> texts, Classes classes,
                                   UnaryOperator<String> display, java.util.Set<RuleDescr> unbuildable) {
        List<RuleMessage> out = new ArrayList<>();
        new java.util.TreeMap<>(parsed).forEach((file, pkg) -> {
            Function<String, Class<?>> resolve = name -> classes.resolve(pkg.getName(), name);
            Map<String, Type> globals = new HashMap<>();
            for (GlobalDescr g : pkg.getGlobals()) {
                Class<?> t = resolve.apply(g.getType());
                if (t != null) {
                    globals.put(g.getIdentifier(), t);
                }
            }
            for (RuleDescr rule : pkg.getRules()) {
                Walk walk = new Walk(display.apply(file), texts.get(file), rule, resolve, globals, out);
                walk.rule();
                if (walk.unbuildable) {
                    unbuildable.add(rule);
                }
            }
        });
        return out;
    }

    private enum Problem {
        ENUM_TEXT, ENUM_OTHER, ENUM_MISMATCH, TEXT_OTHER, CLOSED_TEXT, BOOLEAN_OTHER, NUMBER_OTHER, TIME_LITERAL,
        NEVER_NULL, STR_OPERATION, STR_LENGTH
    }

    /** One comparison with a problem; comparisons of one operand with one kind of problem are told together. */
    private record Issue(Problem problem, String operand, Class<?> type, String op, List<String> values,
                         String detail, String anchor) {
        Issue(Problem problem, String operand, Class<?> type, String op, List<String> values, String detail) {
            this(problem, operand, type, op, values, detail, operand);
        }

        /** The same issue, located at the comparison's first operand as written. */
        Issue at(String written) {
            return new Issue(problem, operand, type, op, values, detail, written);
        }
    }

    /** One rule: its bindings as they are declared, and the messages for its constraints. */
    private static final class Walk {
        private final String file;
        private final DrlText text;
        private final RuleDescr rule;
        private final Function<String, Class<?>> classes;
        private final Map<String, Type> globals;
        private final List<RuleMessage> out;
        private final Map<String, Type> bindings = new HashMap<>();
        /** A constraint of this rule uses an operator Drools throws on while building. */
        private boolean unbuildable;

        Walk(String file, DrlText text, RuleDescr rule, Function<String, Class<?>> classes, Map<String, Type> globals,
             List<RuleMessage> out) {
            this.file = file;
            this.text = text;
            this.rule = rule;
            this.classes = classes;
            this.globals = globals;
            this.out = out;
        }

        void rule() {
            walk(rule.getLhs());
        }

        private void walk(BaseDescr d) {
            if (d instanceof PatternDescr p) {
                pattern(p);
            } else if (d instanceof ConditionalElementDescr ce) {
                // and, or, not, exists, forall
                for (BaseDescr c : ce.getDescrs()) {
                    walk(c);
                }
            }
        }

        private void pattern(PatternDescr p) {
            if (p.getSource() instanceof AccumulateDescr a) {
                walk(a.getInput());
            } else if (p.getSource() instanceof CollectDescr c) {
                walk(c.getInputPattern());
            }
            Type type = p.getObjectType() == null ? null : classes.apply(p.getObjectType());
            if (p.getIdentifier() != null && type != null) {
                bindings.put(p.getIdentifier(), type);
            }
            for (BaseDescr c : p.getDescrs()) {
                if (c instanceof ExprConstraintDescr e) {
                    constraint(e.getExpression(), start(e), type);
                }
            }
        }

        /** Where a constraint's text starts in the file (its descr's offset, checked against the text), or -1. */
        private int start(ExprConstraintDescr e) {
            String expr = e.getExpression();
            if (text == null || expr == null) {
                return -1;
            }
            int at = e.getStartCharacter();
            if (at >= 0 && text.text().startsWith(expr, at)) {
                return at;
            }
            at = text.offset(e.getLine(), e.getColumn());
            if (at >= 0 && text.text().startsWith(expr, at)) {
                return at;
            }
            int from = text.offset(rule.getLine(), 0);
            at = from < 0 ? -1 : text.text().indexOf(expr, from);
            return at;
        }

        /** Checks one constraint, written at {@code offset} (-1: unknown), of a pattern of type {@code self}. */
        private void constraint(String expression, int offset, Type self) {
            if (expression == null || expression.isBlank()) {
                return;
            }
            Matcher binding = BINDING_PREFIX.matcher(expression);
            boolean bound = binding.find();
            int pathAt = bound ? binding.end() : 0;
            String rest = expression.substring(pathAt);
            if (rest.startsWith("/") || rest.startsWith("?/")) {
                oopath(bound ? binding.group(1) : null, rest, offset < 0 ? -1 : offset + pathAt, self);
                return;
            }
            DrlExprParser parser = DrlExprParserFactory.getDrlExprParser(LanguageLevelOption.DRL6);
            ConstraintConnectiveDescr tree;
            try {
                tree = parser.parse(expression);
            } catch (RuntimeException e) {
                return; // Drools reports what it cannot parse
            }
            if (tree == null || parser.hasErrors()) {
                return;
            }
            DrlTypes.Context ctx = new DrlTypes.Context(self, bindings, globals, classes);
            List<Issue> issues = new ArrayList<>();
            visit(tree, ctx, issues);
            if (!issues.isEmpty()) {
                unbuildable |= issues.stream().anyMatch(i -> i.problem() == Problem.STR_OPERATION);
                report(file, text, rule, expression, offset, issues, out);
            }
        }

        /** {@code /failures[ state == "X" ]/...}: each step's constraints are checked against its element type. */
        private void oopath(String variable, String path, int offset, Type self) {
            Type current = self;
            int i = 0;
            while (i < path.length() && current != null) {
                if (path.startsWith("?/", i)) {
                    i += 2;
                } else if (path.charAt(i) == '/') {
                    i++;
                } else {
                    return;
                }
                int start = i;
                while (i < path.length() && Character.isJavaIdentifierPart(path.charAt(i))) {
                    i++;
                }
                Type property = DrlTypes.property(current, path.substring(start, i));
                Type element = property == null ? null : DrlTypes.element(property, false);
                current = element != null ? element : property;
                if (i < path.length() && path.charAt(i) == '#') {
                    int castAt = ++i;
                    while (i < path.length() && (Character.isJavaIdentifierPart(path.charAt(i))
                            || path.charAt(i) == '.')) {
                        i++;
                    }
                    current = classes.apply(path.substring(castAt, i));
                }
                if (i < path.length() && path.charAt(i) == '[') {
                    int end = DrlTypes.closing(path, i, '[', ']');
                    if (end < 0) {
                        return;
                    }
                    String inner = path.substring(i + 1, end);
                    for (Map.Entry<Integer, String> part : DrlTypes.splitTopLevel(inner, ',')) {
                        String c = part.getValue();
                        int lead = c.length() - c.stripLeading().length();
                        constraint(c.strip(), offset < 0 ? -1 : offset + i + 1 + part.getKey() + lead, current);
                    }
                    i = end + 1;
                }
            }
            if (variable != null && current != null) {
                bindings.put(variable, current);
            }
        }

        private void visit(BaseDescr d, DrlTypes.Context ctx, List<Issue> issues) {
            if (d instanceof ConstraintConnectiveDescr c) {
                for (BaseDescr child : c.getDescrs()) {
                    visit(child, ctx, issues);
                }
            } else if (d instanceof BindingDescr b) {
                bind(b, ctx);
            } else if (d instanceof RelationalExprDescr r) {
                relation(r, ctx, issues);
            }
        }

        private void bind(BindingDescr b, DrlTypes.Context ctx) {
            Type t = DrlTypes.typeOf(b.getExpression(), ctx);
            if (t != null) {
                bindings.put(b.getVariable(), t);
            }
        }

        private void relation(RelationalExprDescr r, DrlTypes.Context ctx, List<Issue> issues) {
            String leftText = operand(r.getLeft(), ctx);
            String rightText = operand(r.getRight(), ctx);
            String op = r.getOperator();
            if ("str".equals(op)) {
                List<String> params = r.getParameters() == null ? List.of() : r.getParameters();
                String operation = params.isEmpty() ? "" : params.getFirst().strip();
                if (!STR_OPERATIONS.contains(operation)) {
                    issues.add(new Issue(Problem.STR_OPERATION, leftText == null ? "" : leftText, null, "str",
                            List.of(operation), null));
                } else if (operation.equals("length") && literal(r.getRight(), rightText) != Literal.NUMBER) {
                    issues.add(new Issue(Problem.STR_LENGTH, leftText == null ? "" : leftText, null, "str",
                            List.of(String.valueOf(rightText)), null));
                }
                return;
            }
            if (leftText == null || rightText == null || !COMPARISONS.contains(op)) {
                return;
            }
            if (r.isNegated()) {
                op = switch (op) {
                    case "==" -> "!=";
                    case "!=" -> "==";
                    case "<" -> ">=";
                    case ">" -> "<=";
                    case "<=" -> ">";
                    default -> "<";
                };
            }
            Literal leftLiteral = literal(r.getLeft(), leftText);
            Literal rightLiteral = literal(r.getRight(), rightText);
            if (leftLiteral != null && rightLiteral != null) {
                return;
            }
            String written = leftText;
            if (leftLiteral != null) {
                // "MAJOR" == changeType
                String t = leftText;
                leftText = rightText;
                rightText = t;
                rightLiteral = leftLiteral;
            }
            Type leftType = DrlTypes.typeOf(leftText, ctx);
            Class<?> left = DrlTypes.raw(leftType);
            if (left == null || left == Object.class) {
                return;
            }
            if (rightLiteral != null) {
                Issue issue = literalProblem(leftText, left, op, rightLiteral, rightText, ctx);
                if (issue != null) {
                    issues.add(issue.at(written));
                }
                return;
            }
            Class<?> right = DrlTypes.raw(DrlTypes.typeOf(rightText, ctx));
            if (right != null && (op.equals("==") || op.equals("!=")) && neverEqual(left, right)) {
                issues.add(new Issue(Problem.ENUM_MISMATCH, leftText, left, op, List.of(rightText),
                        right.getSimpleName()));
            }
        }

        /** The text of an operand; a binding written on the left side is registered and its expression used. */
        private String operand(BaseDescr d, DrlTypes.Context ctx) {
            if (d instanceof BindingDescr b) {
                bind(b, ctx);
                return b.getExpression();
            }
            if (d instanceof AtomicExprDescr a) {
                return a.getExpression() == null ? null : a.getExpression().strip();
            }
            return null;
        }
    }

    private enum Literal {
        TEXT, NUMBER, BOOLEAN, NULL
    }

    private static Literal literal(BaseDescr d, String text) {
        if (!(d instanceof AtomicExprDescr a) || text == null) {
            return null;
        }
        if (text.length() >= 2 && (text.startsWith("\"") && text.endsWith("\"")
                || text.startsWith("'") && text.endsWith("'"))) {
            return Literal.TEXT;
        }
        if (text.equals("true") || text.equals("false")) {
            return Literal.BOOLEAN;
        }
        if (text.equals("null")) {
            return Literal.NULL;
        }
        return a.isLiteral() && NUMBER.matcher(text).matches() ? Literal.NUMBER : null;
    }

    private static Issue literalProblem(String operand, Class<?> type, String op, Literal kind, String value,
                                        DrlTypes.Context ctx) {
        Class<?> boxed = boxed(type);
        if (kind == Literal.NULL) {
            return type.isPrimitive() ? new Issue(Problem.NEVER_NULL, operand, type, op, List.of(value), null) : null;
        }
        if (type.isEnum()) {
            return new Issue(kind == Literal.TEXT ? Problem.ENUM_TEXT : Problem.ENUM_OTHER, operand, type, op,
                    List.of(value), null);
        }
        if (boxed == String.class || boxed == Character.class) {
            if (kind != Literal.TEXT) {
                return new Issue(Problem.TEXT_OTHER, operand, type, op, List.of(value), null);
            }
            List<String> closed = closedValues(operand, ctx);
            String v = value.substring(1, value.length() - 1);
            return closed != null && !closed.contains(v) && (op.equals("==") || op.equals("!="))
                    ? new Issue(Problem.CLOSED_TEXT, operand, type, op, List.of(value), String.join(", ", closed))
                    : null;
        }
        if (boxed == Boolean.class) {
            return kind == Literal.BOOLEAN ? null
                    : new Issue(Problem.BOOLEAN_OTHER, operand, type, op, List.of(value), null);
        }
        if (Number.class.isAssignableFrom(boxed)) {
            return kind == Literal.NUMBER ? null
                    : new Issue(Problem.NUMBER_OTHER, operand, type, op, List.of(value), null);
        }
        if (Temporal.class.isAssignableFrom(boxed) || Date.class.isAssignableFrom(boxed)) {
            return new Issue(Problem.TIME_LITERAL, operand, type, op, List.of(value), null);
        }
        return null;
    }

    /** The values a closed text property can hold, when {@code operand} ends in one. */
    private static List<String> closedValues(String operand, DrlTypes.Context ctx) {
        int dot = operand.lastIndexOf('.');
        Type owner = dot < 0 ? ctx.thisType() : DrlTypes.typeOf(operand.substring(0, dot), ctx);
        Class<?> c = DrlTypes.raw(owner);
        String property = operand.substring(dot + 1).strip();
        return c == null ? null : CLOSED_TEXT.get(c.getName() + "." + property);
    }

    /** Values of these types are never equal (an enum compared with anything but itself, or a supertype of it). */
    private static boolean neverEqual(Class<?> a, Class<?> b) {
        Class<?> x = boxed(a);
        Class<?> y = boxed(b);
        if (x.isAssignableFrom(y) || y.isAssignableFrom(x)) {
            return false;
        }
        if (x.isEnum() || y.isEnum()) {
            Class<?> other = x.isEnum() ? y : x;
            return !other.isInterface() && other != Object.class;
        }
        return false;
    }

    private static Class<?> boxed(Class<?> t) {
        if (!t.isPrimitive()) {
            return t;
        }
        if (t == boolean.class) {
            return Boolean.class;
        }
        if (t == char.class) {
            return Character.class;
        }
        return Number.class;
    }

    /** One message for a constraint: every problem of it, at the first problem's operand. */
    private static void report(String file, DrlText text, RuleDescr rule, String expression, int offset,
                               List<Issue> issues, List<RuleMessage> out) {
        Map<List<Object>, Issue> grouped = new LinkedHashMap<>();
        for (Issue i : issues) {
            grouped.merge(List.of(i.problem(), i.operand(), i.op(), String.valueOf(i.detail())), i, (a, b) -> {
                List<String> values = new ArrayList<>(a.values());
                values.addAll(b.values());
                return new Issue(a.problem(), a.operand(), a.type(), a.op(), values, a.detail(), a.anchor());
            });
        }
        String explained = grouped.values().stream().map(LiteralTypeCheck::explain)
                .collect(Collectors.joining("; "));
        String message = "rule \"" + rule.getName() + "\": `" + expression.strip() + "` " + explained;
        Issue first = issues.getFirst();
        if (text == null || offset < 0) {
            out.add(new RuleMessage(file, rule.getLine(), rule.getColumn() + 1, message));
            return;
        }
        int within = first.anchor().isEmpty() ? -1 : expression.indexOf(first.anchor());
        if (first.problem() == Problem.STR_OPERATION || first.problem() == Problem.STR_LENGTH) {
            within = expression.indexOf("str");
        }
        out.add(text.at(file, offset + Math.max(0, within), message));
    }

    private static String explain(Issue i) {
        String type = i.type() == null ? "" : i.type().getSimpleName();
        String values = String.join(", ", i.values());
        String many = i.values().size() > 1 ? "s" : "";
        String result = switch (i.op()) {
            case "==" -> "always false";
            case "!=" -> "always true";
            default -> "never true";
        };
        return switch (i.problem()) {
            case ENUM_TEXT -> enumText(i, type, values, many, result);
            case ENUM_OTHER -> "compares " + type + ", an enum, with " + values + ": the comparison is " + result
                    + ". Write " + constants(i) + " (import " + i.type().getCanonicalName() + ")";
            case ENUM_MISMATCH -> "compares " + type + " with `" + values + "` (a " + i.detail() + "): values of"
                    + " different types are never equal, so the comparison is " + result;
            case TEXT_OTHER -> "compares " + type + " with " + values + ": text never equals a number or boolean"
                    + " (quote the value)";
            case CLOSED_TEXT -> "compares " + i.operand() + " with " + values + ", a value it never has (it is one of "
                    + i.detail() + "), so the comparison is " + result;
            case BOOLEAN_OTHER -> "compares " + type + " with " + values + " (Drools would turn it into false; write"
                    + " true or false, unquoted)";
            case NUMBER_OTHER -> "compares " + type + " with " + values + " (write a number, unquoted)";
            case TIME_LITERAL -> "compares " + type + " with " + values + ": compare times with times, e.g."
                    + " Clock( $now : now ) and releaseTime < $now.minus(java.time.Duration.ofDays(7))";
            case NEVER_NULL -> "compares " + type + " with null: a " + type + " is never null, so the comparison is "
                    + result;
            case STR_OPERATION -> "uses str[" + values + "]: str takes startsWith, endsWith or length";
            case STR_LENGTH -> "compares a length with " + values + " (write a number, unquoted)";
        };
    }

    private static String enumText(Issue i, String type, String values, String many, String result) {
        List<String> names = Arrays.stream(i.type().getEnumConstants()).map(e -> ((Enum<?>) e).name()).toList();
        List<String> unknown = i.values().stream().map(v -> v.substring(1, v.length() - 1))
                .filter(v -> !names.contains(v)).toList();
        String out = "compares " + type + ", an enum, with the text" + many + " " + values + ": an enum value never"
                + " equals text, so the comparison is " + result + ". Write " + constants(i) + " (import "
                + i.type().getCanonicalName() + ")";
        if (!unknown.isEmpty()) {
            out += "; " + type + " has no value " + unknown.stream().map(u -> "\"" + u + "\"")
                    .collect(Collectors.joining(", ")) + " (its values: " + String.join(", ", names) + ")";
        }
        return out;
    }

    /** {@code ChangeType.MAJOR} for each value written (the first constant for values that are no name). */
    private static String constants(Issue i) {
        List<String> names = Arrays.stream(i.type().getEnumConstants()).map(e -> ((Enum<?>) e).name()).toList();
        return i.values().stream().map(v -> {
            String n = v.length() >= 2 && (v.startsWith("\"") || v.startsWith("'")) ? v.substring(1, v.length() - 1)
                    : v;
            return i.type().getSimpleName() + "." + closest(n, names);
        }).distinct().collect(Collectors.joining(", "));
    }

    /** The constant a written name most likely means ({@code "major"} → MAJOR, {@code "MAJR"} → MAJOR), or NAME. */
    private static String closest(String written, List<String> names) {
        String nearest = YamlFields.nearest(written, names);
        return nearest == null ? "NAME" : nearest;
    }
}
