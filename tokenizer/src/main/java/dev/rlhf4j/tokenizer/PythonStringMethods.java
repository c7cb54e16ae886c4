package dev.rlhf4j.tokenizer;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Python's {@code str} methods for Jinjava, which would otherwise call Java's {@code String} methods (no
 * {@code startswith}; a {@code split} that takes a regex and drops trailing empty strings). Chat templates call
 * {@code content.startswith('<tool_response>')}, {@code content.split('</think>')[-1].lstrip('\n')} and the like;
 * each is implemented here with Python's semantics. Property lookups fall through to Jinjava's own resolver.
 */
final class PythonStringMethods extends ELResolver {

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(base instanceof CharSequence) || !(method instanceof String name)) {
            return null;
        }
        Object result = call(base.toString(), name, params == null ? new Object[0] : params);
        if (result != NOT_A_METHOD) {
            context.setPropertyResolved(true);
            return result;
        }
        throw new TokenizerException("chat template calls str." + name + "(), which is not supported");
    }

    private static final Object NOT_A_METHOD = new Object();

    private static Object call(String s, String name, Object[] args) {
        String a0 = args.length > 0 && args[0] != null ? args[0].toString() : null;
        return switch (name) {
            case "startswith" -> args[0] instanceof Collection<?> c ? c.stream().anyMatch(p -> s.startsWith(p.toString()))
                    : s.startsWith(a0);
            case "endswith" -> args[0] instanceof Collection<?> c ? c.stream().anyMatch(p -> s.endsWith(p.toString()))
                    : s.endsWith(a0);
            case "strip" -> rstrip(lstrip(s, a0), a0);
            case "lstrip" -> lstrip(s, a0);
            case "rstrip" -> rstrip(s, a0);
            case "split" -> split(s, a0, args.length > 1 ? ((Number) args[1]).intValue() : -1);
            case "upper" -> s.toUpperCase(Locale.ROOT);
            case "lower" -> s.toLowerCase(Locale.ROOT);
            case "title", "capitalize" -> s.isEmpty() ? s : s.substring(0, 1).toUpperCase(Locale.ROOT)
                    + (name.equals("capitalize") ? s.substring(1).toLowerCase(Locale.ROOT) : s.substring(1));
            case "replace" -> s.replace(a0, args[1].toString());
            case "find" -> s.indexOf(a0);
            case "count" -> count(s, a0);
            case "join" -> String.join(s, ((Collection<?>) args[0]).stream().map(String::valueOf).toList());
            case "isdigit" -> !s.isEmpty() && s.chars().allMatch(Character::isDigit);
            case "isspace" -> !s.isEmpty() && s.chars().allMatch(Character::isWhitespace);
            default -> NOT_A_METHOD;
        };
    }

    /** Python's whitespace for {@code strip()} with no argument. */
    private static boolean isSpace(char c, String chars) {
        return chars == null ? Character.isWhitespace(c) || Character.isSpaceChar(c) : chars.indexOf(c) >= 0;
    }

    private static String lstrip(String s, String chars) {
        int i = 0;
        while (i < s.length() && isSpace(s.charAt(i), chars)) {
            i++;
        }
        return s.substring(i);
    }

    private static String rstrip(String s, String chars) {
        int j = s.length();
        while (j > 0 && isSpace(s.charAt(j - 1), chars)) {
            j--;
        }
        return s.substring(0, j);
    }

    /** {@code str.split(sep, maxsplit)}: on a literal separator, or on whitespace runs when sep is None. */
    private static List<String> split(String s, String sep, int maxSplit) {
        List<String> out = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            while (true) {
                while (i < s.length() && isSpace(s.charAt(i), null)) {
                    i++;
                }
                if (i >= s.length()) {
                    return out;
                }
                if (maxSplit >= 0 && out.size() == maxSplit) {
                    out.add(rstrip(s.substring(i), null));
                    return out;
                }
                int j = i;
                while (j < s.length() && !isSpace(s.charAt(j), null)) {
                    j++;
                }
                out.add(s.substring(i, j));
                i = j;
            }
        }
        if (sep.isEmpty()) {
            throw new TokenizerException("chat template calls str.split('') (empty separator)");
        }
        int from = 0;
        for (int at = s.indexOf(sep); at >= 0 && (maxSplit < 0 || out.size() < maxSplit); at = s.indexOf(sep, from)) {
            out.add(s.substring(from, at));
            from = at + sep.length();
        }
        out.add(s.substring(from));
        return out;
    }

    private static int count(String s, String sub) {
        int n = 0;
        for (int at = s.indexOf(sub); at >= 0 && !sub.isEmpty(); at = s.indexOf(sub, at + sub.length())) {
            n++;
        }
        return n;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return false;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
    }
}
