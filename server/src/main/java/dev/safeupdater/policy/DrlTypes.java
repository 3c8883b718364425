package dev.safeupdater.policy;

import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The Java type of a DRL constraint operand such as {@code changeType}, {@code candidate.labels["tier"]},
 * {@code $s.candidate.changeType}, {@code zoned("Europe/Berlin").getDayOfWeek()} or {@code ChangeType.MAJOR}: a
 * chain of properties, method calls and indexes read from the pattern's own class, a bound variable, a global or a
 * class (static fields, enum constants). Resolved as Drools/MVEL resolves properties: {@code getX()}, {@code isX()},
 * a record accessor {@code x()}, a public field, a map key. Anything else (arithmetic, casts, overloads with different
 * results) has no known type: {@code null}, and the caller does not judge it.
 */
final class DrlTypes {
    /** What names mean where an expression is written. */
    record Context(Type thisType, Map<String, Type> bindings, Map<String, Type> globals,
                   Function<String, Class<?>> classes) {
    }

    /** Public methods per class: {@link Class#getMethods()} copies them on every call. */
    private static final ClassValue<Method[]> METHODS = new ClassValue<>() {
        @Override
        protected Method[] computeValue(Class<?> type) {
            return type.getMethods();
        }
    };

    private DrlTypes() {
    }

    /** The type of {@code expression} in {@code ctx}, or null when it cannot be told. */
    static Type typeOf(String expression, Context ctx) {
        List<Segment> chain = parse(expression);
        if (chain == null || chain.isEmpty()) {
            return null;
        }
        Segment first = chain.getFirst();
        Type t;
        int next = 1;
        if (first.call) {
            t = ctx.thisType() == null ? null : call(ctx.thisType(), first.name, first.args);
        } else if (first.name.equals("this")) {
            t = ctx.thisType();
        } else if (ctx.bindings().containsKey(first.name)) {
            t = ctx.bindings().get(first.name);
        } else if (ctx.thisType() != null && property(ctx.thisType(), first.name) != null) {
            t = property(ctx.thisType(), first.name);
        } else if (ctx.globals().containsKey(first.name)) {
            t = ctx.globals().get(first.name);
        } else {
            // a class, possibly qualified: ChangeType.MAJOR, java.time.DayOfWeek.FRIDAY
            t = null;
            StringBuilder name = new StringBuilder();
            for (int i = 0; i < chain.size() && !chain.get(i).call && !chain.get(i).index; i++) {
                name.append(i == 0 ? "" : ".").append(chain.get(i).name);
                Class<?> c = ctx.classes().apply(name.toString());
                if (c != null) {
                    if (i + 1 >= chain.size()) {
                        return null; // a class itself is not a value
                    }
                    Segment member = chain.get(i + 1);
                    t = member.call ? staticCall(c, member.name, member.args) : staticField(c, member.name);
                    next = i + 2;
                    break;
                }
            }
        }
        for (int i = next; i < chain.size() && t != null; i++) {
            Segment s = chain.get(i);
            if (s.index) {
                t = element(t, true);
            } else if (s.call) {
                t = call(t, s.name, s.args);
            } else {
                t = property(t, s.name);
            }
        }
        return t;
    }

    /** The class of a type (a parameterised type's raw class), or null. */
    static Class<?> raw(Type t) {
        if (t instanceof Class<?> c) {
            return c;
        }
        if (t instanceof ParameterizedType p && p.getRawType() instanceof Class<?> c) {
            return c;
        }
        if (t instanceof GenericArrayType g) {
            Class<?> component = raw(g.getGenericComponentType());
            return component == null ? null : component.arrayType();
        }
        return null;
    }

    /** The element type of a collection, array or (with {@code maps}) the value type of a map, or null. */
    static Type element(Type t, boolean maps) {
        Class<?> c = raw(t);
        if (c == null) {
            return null;
        }
        if (c.isArray()) {
            return t instanceof GenericArrayType g ? g.getGenericComponentType() : c.getComponentType();
        }
        if (maps && Map.class.isAssignableFrom(c)) {
            return typeArgument(t, Map.class, 1);
        }
        if (Iterable.class.isAssignableFrom(c)) {
            return typeArgument(t, Iterable.class, 0);
        }
        return null;
    }

    /** A property as MVEL reads it: getter, is-getter, accessor method, public field, or a map's value. */
    static Type property(Type owner, String name) {
        Class<?> c = raw(owner);
        if (c == null || name.isEmpty()) {
            return null;
        }
        String cap = Character.toUpperCase(name.charAt(0)) + name.substring(1);
        for (String m : List.of("get" + cap, "is" + cap, name)) {
            try {
                Method method = c.getMethod(m);
                if (!Modifier.isStatic(method.getModifiers()) && method.getReturnType() != void.class) {
                    return resolve(owner, method.getGenericReturnType());
                }
            } catch (NoSuchMethodException e) {
                // next form
            }
        }
        try {
            Field f = c.getField(name);
            if (!Modifier.isStatic(f.getModifiers())) {
                return resolve(owner, f.getGenericType());
            }
        } catch (NoSuchFieldException e) {
            // not a field
        }
        if (Map.class.isAssignableFrom(c)) {
            return typeArgument(owner, Map.class, 1);
        }
        return null;
    }

    private static Type call(Type owner, String name, int args) {
        Class<?> c = raw(owner);
        if (c == null) {
            return null;
        }
        return sameResult(owner, c, name, args, false);
    }

    private static Type staticCall(Class<?> c, String name, int args) {
        return sameResult(c, c, name, args, true);
    }

    /** The result type of the methods with that name and arity, when they all agree; else null. */
    private static Type sameResult(Type owner, Class<?> c, String name, int args, boolean statics) {
        List<Type> results = new ArrayList<>();
        for (Method m : METHODS.get(c)) {
            if (m.getName().equals(name) && Modifier.isStatic(m.getModifiers()) == statics
                    && (m.getParameterCount() == args || m.isVarArgs() && args >= m.getParameterCount() - 1)) {
                results.add(resolve(owner, m.getGenericReturnType()));
            }
        }
        if (results.isEmpty()) {
            return null;
        }
        Class<?> first = raw(results.getFirst());
        for (Type t : results) {
            if (!Objects.equals(raw(t), first)) {
                return null;
            }
        }
        return first == void.class ? null : results.getFirst();
    }

    private static Type staticField(Class<?> c, String name) {
        try {
            Field f = c.getField(name);
            return Modifier.isStatic(f.getModifiers()) ? f.getGenericType() : null;
        } catch (NoSuchFieldException e) {
            return null;
        }
    }

    /** Replaces a type variable of {@code owner}'s class by the argument {@code owner} gives it, when it gives one. */
    private static Type resolve(Type owner, Type member) {
        if (member instanceof TypeVariable<?> v) {
            if (owner instanceof ParameterizedType p && v.getGenericDeclaration() == p.getRawType()) {
                TypeVariable<?>[] params = ((Class<?>) p.getRawType()).getTypeParameters();
                for (int i = 0; i < params.length; i++) {
                    if (params[i].getName().equals(v.getName())) {
                        return p.getActualTypeArguments()[i];
                    }
                }
            }
            return null;
        }
        return member;
    }

    /** The {@code index}-th type argument {@code t} gives {@code target} (Map's V, Iterable's T), when it is known. */
    private static Type typeArgument(Type t, Class<?> target, int index) {
        if (t instanceof ParameterizedType p) {
            Class<?> c = (Class<?>) p.getRawType();
            if (c == target || (target == Iterable.class && Collection.class.isAssignableFrom(c)
                    && p.getActualTypeArguments().length == 1) || (target == Map.class
                    && Map.class.isAssignableFrom(c) && p.getActualTypeArguments().length == 2)) {
                Type a = p.getActualTypeArguments()[index];
                return a instanceof Class<?> || a instanceof ParameterizedType ? a : null;
            }
        }
        return null;
    }

    /** One step of a chain: {@code name}, {@code name(args)} or {@code [index]}. */
    private record Segment(String name, boolean call, int args, boolean index) {
    }

    /** Splits {@code a.b(x, y)[k]!.c} into segments; null when the text is anything else. */
    private static List<Segment> parse(String expression) {
        String s = unwrap(expression.strip());
        List<Segment> out = new ArrayList<>();
        int i = 0;
        boolean expectName = true;
        while (i < s.length()) {
            char ch = s.charAt(i);
            if (expectName) {
                if (!Character.isJavaIdentifierStart(ch)) {
                    return null;
                }
                int start = i;
                while (i < s.length() && Character.isJavaIdentifierPart(s.charAt(i))) {
                    i++;
                }
                String name = s.substring(start, i);
                i = skipSpaces(s, i);
                if (i < s.length() && s.charAt(i) == '(') {
                    int end = closing(s, i, '(', ')');
                    if (end < 0) {
                        return null;
                    }
                    out.add(new Segment(name, true, arity(s.substring(i + 1, end)), false));
                    i = end + 1;
                } else {
                    out.add(new Segment(name, false, 0, false));
                }
                expectName = false;
            } else if (ch == '.') {
                i++;
                expectName = true;
            } else if ((ch == '!' || ch == '?') && i + 1 < s.length() && s.charAt(i + 1) == '.') {
                i += 2;
                expectName = true;
            } else if (ch == '[') {
                int end = closing(s, i, '[', ']');
                if (end < 0) {
                    return null;
                }
                out.add(new Segment("", false, 0, true));
                i = end + 1;
            } else if (Character.isWhitespace(ch)) {
                i++;
            } else {
                return null;
            }
            i = skipSpaces(s, i);
        }
        return expectName && !out.isEmpty() ? null : out;
    }

    private static String unwrap(String s) {
        while (s.length() >= 2 && s.charAt(0) == '(' && closing(s, 0, '(', ')') == s.length() - 1) {
            s = s.substring(1, s.length() - 1).strip();
        }
        return s;
    }

    private static int skipSpaces(String s, int i) {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    /** The index of the bracket closing the one at {@code open}, skipping string literals; -1 when unbalanced. */
    static int closing(String s, int open, char opening, char close) {
        int depth = 0;
        for (int i = open; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\'') {
                i = endOfString(s, i);
                if (i < 0) {
                    return -1;
                }
            } else if (c == opening) {
                depth++;
            } else if (c == close && --depth == 0) {
                return i;
            }
        }
        return -1;
    }

    /** The index of the quote ending the string literal that starts at {@code i}; -1 when it does not end. */
    static int endOfString(String s, int i) {
        char quote = s.charAt(i);
        for (int j = i + 1; j < s.length(); j++) {
            if (s.charAt(j) == '\\') {
                j++;
            } else if (s.charAt(j) == quote) {
                return j;
            }
        }
        return -1;
    }

    /** How many arguments a call's argument text holds (commas outside brackets and strings). */
    private static int arity(String args) {
        if (args.isBlank()) {
            return 0;
        }
        return splitTopLevel(args, ',').size();
    }

    /** Splits at {@code separator} outside brackets and string literals; each part with its start offset. */
    static List<Map.Entry<Integer, String>> splitTopLevel(String s, char separator) {
        List<Map.Entry<Integer, String>> out = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\'') {
                int end = endOfString(s, i);
                if (end < 0) {
                    break;
                }
                i = end;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            } else if (c == separator && depth == 0) {
                out.add(Map.entry(start, s.substring(start, i)));
                start = i + 1;
            }
        }
        out.add(Map.entry(start, s.substring(start)));
        return out;
    }
}
