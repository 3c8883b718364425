package dev.safeupdater.policy;

import java.nio.charset.StandardCharsets;
import java.time.temporal.Temporal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import org.drools.base.definitions.rule.impl.RuleImpl;
import org.drools.base.rule.Pattern;
import org.drools.base.rule.RuleConditionElement;
import org.drools.base.rule.constraint.Constraint;
import org.drools.drl.ast.descr.PackageDescr;
import org.drools.drl.ast.descr.RuleDescr;
import org.drools.mvel.MVELConstraint;
import org.kie.api.definition.KiePackage;
import org.kie.api.definition.rule.Rule;

/**
 * Type problems Drools lets through: a constraint that compares a fact property with a literal of the wrong type
 * ({@code changeType == "MAJR"}, {@code releaseTime > "yesterday"}, {@code image == 5},
 * {@code currentPrerelease == "yes"}) compiles, and then never matches or fails while deciding. Such a constraint
 * refuses the set like a compile error.
 */
final class LiteralTypeCheck {
    private LiteralTypeCheck() {
    }

    static List<RuleMessage> check(Collection<KiePackage> packages, Map<String, byte[]> sources,
                                   Map<String, PackageDescr> parsed, UnaryOperator<String> display) {
        List<RuleMessage> out = new ArrayList<>();
        for (KiePackage pkg : packages) {
            for (Rule rule : pkg.getRules()) {
                if (rule instanceof RuleImpl impl) {
                    walk(impl.getLhs(), impl, sources, parsed, display, out);
                }
            }
        }
        return out;
    }

    private static void walk(RuleConditionElement element, RuleImpl rule, Map<String, byte[]> sources,
                             Map<String, PackageDescr> parsed, UnaryOperator<String> display, List<RuleMessage> out) {
        if (element == null) {
            return;
        }
        if (element instanceof Pattern p) {
            for (Constraint c : p.getConstraints()) {
                if (c instanceof MVELConstraint mvel) {
                    String problem = problem(mvel);
                    if (problem != null) {
                        out.add(locate(rule, mvel.getExpression(), problem, sources, parsed, display));
                    }
                }
            }
        }
        for (RuleConditionElement nested : element.getNestedElements()) {
            if (nested != element) {
                walk(nested, rule, sources, parsed, display, out);
            }
        }
    }

    private enum Literal {
        TEXT, NUMBER, BOOLEAN
    }

    private static final java.util.regex.Pattern NUMBER = java.util.regex.Pattern.compile(
            "-?\\d+(\\.\\d+)?[lLdDfFbBiI]?");

    /**
     * What is wrong with a {@code property OP literal} constraint, or null. Drools converts the literal to the
     * property's type while compiling ({@code currentPrerelease == "yes"} silently becomes {@code == false}), so the
     * literal is judged as written in the expression.
     */
    static String problem(MVELConstraint c) {
        if (c.getField() == null || c.getFieldExtractor() == null || c.getConstraintType() == null
                || !(c.getConstraintType().isEquality() || c.getConstraintType().isComparison())) {
            return null;
        }
        Class<?> type = boxed(c.getFieldExtractor().getExtractToClass());
        String expression = c.getExpression();
        String op = c.getConstraintType().getOperator();
        int at = expression == null || op == null ? -1 : expression.indexOf(op);
        if (type == null || type == Object.class || at < 0) {
            return null;
        }
        String rhs = expression.substring(at + op.length()).strip();
        Literal kind = kind(rhs);
        if (kind == null) {
            return null;
        }
        String what = "`" + expression + "` compares " + type.getSimpleName() + " with " + rhs;
        if (type.isEnum()) {
            if (kind == Literal.TEXT) {
                String name = rhs.substring(1, rhs.length() - 1);
                return Arrays.stream(type.getEnumConstants()).anyMatch(e -> ((Enum<?>) e).name().equals(name)) ? null
                        : what + ", which is not one of its values " + Arrays.toString(type.getEnumConstants())
                                + " (write " + type.getSimpleName() + "."
                                + ((Enum<?>) type.getEnumConstants()[0]).name() + " and import the type)";
            }
            return what + " (write " + type.getSimpleName() + ".NAME)";
        }
        if (type == String.class || type == Character.class) {
            return kind == Literal.TEXT ? null : what + ": text never equals a number or boolean (quote the value)";
        }
        if (type == Boolean.class) {
            return kind == Literal.BOOLEAN ? null : what + " (Drools would turn it into false; write true or false,"
                    + " unquoted)";
        }
        if (Number.class.isAssignableFrom(type)) {
            return kind == Literal.NUMBER ? null : what + " (write a number, unquoted)";
        }
        if (Temporal.class.isAssignableFrom(type) || Date.class.isAssignableFrom(type)) {
            return what + ": compare times with times, e.g. Clock( $now : now ) and releaseTime < $now.minus(...)";
        }
        return null;
    }

    private static Literal kind(String rhs) {
        if (rhs.length() >= 2 && (rhs.startsWith("\"") && rhs.endsWith("\"")
                || rhs.startsWith("'") && rhs.endsWith("'"))) {
            return Literal.TEXT;
        }
        if (rhs.equals("true") || rhs.equals("false")) {
            return Literal.BOOLEAN;
        }
        return NUMBER.matcher(rhs).matches() ? Literal.NUMBER : null;
    }

    private static Class<?> boxed(Class<?> t) {
        if (t == null || !t.isPrimitive()) {
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

    /** Where the constraint is: its text within the rule in the source file, else the rule's own line. */
    private static RuleMessage locate(RuleImpl rule, String expression, String problem, Map<String, byte[]> sources,
                                      Map<String, PackageDescr> parsed, UnaryOperator<String> display) {
        String message = "rule \"" + rule.getName() + "\": " + problem;
        for (Map.Entry<String, PackageDescr> e : parsed.entrySet()) {
            for (RuleDescr r : e.getValue().getRules()) {
                if (!r.getName().equals(rule.getName())) {
                    continue;
                }
                String[] lines = new String(sources.get(e.getKey()), StandardCharsets.UTF_8).split("\n", -1);
                for (int i = Math.max(0, r.getLine() - 1); i < lines.length; i++) {
                    int col = lines[i].indexOf(expression);
                    if (col >= 0) {
                        return new RuleMessage(display.apply(e.getKey()), i + 1, col + 1, message);
                    }
                    if (i > r.getLine() && lines[i].strip().equals("end")) {
                        break;
                    }
                }
                return new RuleMessage(display.apply(e.getKey()), r.getLine(), r.getColumn(), message);
            }
        }
        return new RuleMessage("", 0, 0, message);
    }
}
