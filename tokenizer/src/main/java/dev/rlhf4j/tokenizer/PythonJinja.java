package dev.rlhf4j.tokenizer;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jinjava.javax.el.CompositeELResolver;

/**
 * Jinjava set up as Hugging Face sets up Python's Jinja for chat templates ({@code trim_blocks}, {@code lstrip_blocks}
 * (done on the source by {@link #rewriteWhitespaceControl}),
 * {@code raise_exception}, a {@code tojson} that is {@code json.dumps}, {@code {% generation %}} blocks rendered as
 * their body), plus what Python Jinja has and Jinjava lacks: {@code str} methods ({@link PythonStringMethods}) and
 * slices with a step ({@code messages[::-1]}), which {@link #rewriteSlices} turns into a {@code py_slice} filter.
 */
final class PythonJinja {

    private static final Pattern STEP_SLICE =
            Pattern.compile("\\[\\s*(-?\\d*)\\s*:\\s*(-?\\d*)\\s*:\\s*(-?\\d*)\\s*\\]");

    private PythonJinja() {
    }

    static Jinjava create() {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonStringMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_WRITE);
        JinjavaConfig config = JinjavaConfig.newBuilder().withTrimBlocks(true).withLstripBlocks(false)
                .withElResolver(resolver).build();
        Jinjava jinjava = new Jinjava(config);
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception",
                PythonJinja.class, "raiseException", String.class));
        jinjava.getGlobalContext().registerFilter(new ToJson());
        jinjava.getGlobalContext().registerFilter(new Slice());
        jinjava.getGlobalContext().registerTag(new Generation());
        return jinjava;
    }

    /** Hugging Face's {@code raise_exception(message)}: the template refuses its input. */
    public static Object raiseException(String message) {
        throw new TemplateRaised(message);
    }

    /** What {@code raise_exception} throws; {@link ChatTemplate} reports its message. */
    static final class TemplateRaised extends RuntimeException {
        TemplateRaised(String message) {
            super(message);
        }
    }

    /**
     * {@code primary[a:b:c]} to {@code (primary|py_slice(a, b, c))}, where primary is the name, attribute chain,
     * call or subscript just before the bracket. Slices without a step are left to Jinjava, which has them.
     */
    static String rewriteSlices(String template) {
        StringBuilder out = new StringBuilder(template);
        Matcher m = STEP_SLICE.matcher(template);
        List<int[]> found = new ArrayList<>();
        while (m.find()) {
            found.add(new int[] {m.start(), m.end()});
        }
        for (int k = found.size() - 1; k >= 0; k--) {
            int open = found.get(k)[0];
            int close = found.get(k)[1];
            Matcher slice = STEP_SLICE.matcher(template.substring(open, close));
            slice.matches();
            int start = primaryStart(template, open);
            if (start == open) {
                continue;
            }
            String args = arg(slice.group(1)) + ", " + arg(slice.group(2)) + ", " + arg(slice.group(3));
            out.replace(start, close, "(" + template.substring(start, open) + "|py_slice(" + args + "))");
        }
        return out.toString();
    }

    /**
     * {@code f(name=a - 1)} to {@code f(name=(a - 1))}: Jinjava binds a keyword argument tighter than arithmetic
     * ({@code namespace(i=messages|length - 1)} would subtract 1 from the argument), Python Jinja looser. Only inside
     * {@code {{ }}} and {@code {% %}}, outside string literals, at bracket depth one or more.
     */
    static String rewriteKeywordArguments(String t) {
        StringBuilder out = new StringBuilder(t.length() + 16);
        int i = 0;
        while (i < t.length()) {
            int open = nextTag(t, i);
            if (open < 0) {
                out.append(t, i, t.length());
                break;
            }
            String closer = t.charAt(open + 1) == '{' ? "}}" : "%}";
            int close = tagEnd(t, open + 2, closer);
            out.append(t, i, open + 2).append(wrapKeywordValues(t.substring(open + 2, close)));
            i = close;
        }
        return out.toString();
    }

    /**
     * Jinja's whitespace control done on the source: {@code {{-}}, {@code {%-} and {@code {#-} remove the whitespace
     * before them, {@code -}}}, {@code -%}} and {@code -#}} the whitespace after them (Jinjava ignores the marks on
     * expressions), and {@code lstrip_blocks} removes a block tag's indentation only when nothing else precedes it on
     * its line (Jinjava's own also strips spaces after text on the same line).
     */
    static String rewriteWhitespaceControl(String t) {
        StringBuilder out = new StringBuilder(t.length());
        int i = 0;
        while (i < t.length()) {
            int open = nextTagOrComment(t, i);
            if (open < 0) {
                out.append(t, i, t.length());
                break;
            }
            out.append(t, i, open);
            char kind = t.charAt(open + 1);
            int body = open + 2;
            if (body < t.length() && t.charAt(body) == '-') {
                int keep = out.length();
                while (keep > 0 && Character.isWhitespace(out.charAt(keep - 1))) {
                    keep--;
                }
                out.setLength(keep);
                body++;
            } else if (body < t.length() && t.charAt(body) == '+') {
                body++;
            } else if (kind != '{') {
                int keep = out.length();                   // lstrip_blocks: indentation before a block tag
                while (keep > 0 && (out.charAt(keep - 1) == ' ' || out.charAt(keep - 1) == '\t')) {
                    keep--;
                }
                if (keep == 0 || out.charAt(keep - 1) == '\n') {
                    out.setLength(keep);
                }
            }
            String closer = kind == '{' ? "}}" : kind == '%' ? "%}" : "#}";
            int close = kind == '#' ? indexOrEnd(t, closer, body) : tagEnd(t, body, closer);
            boolean trimAfter = close > body && t.charAt(close - 1) == '-';
            out.append('{').append(kind).append(t, body, trimAfter ? close - 1 : close).append(closer);
            i = Math.min(close + 2, t.length());
            if (trimAfter) {
                while (i < t.length() && Character.isWhitespace(t.charAt(i))) {
                    i++;
                }
            }
        }
        return out.toString();
    }

    private static int nextTagOrComment(String t, int from) {
        int a = nextTag(t, from);
        int c = t.indexOf("{#", from);
        return a < 0 ? c : c < 0 ? a : Math.min(a, c);
    }

    private static int indexOrEnd(String t, String s, int from) {
        int at = t.indexOf(s, from);
        return at < 0 ? t.length() : at;
    }

    private static int nextTag(String t, int from) {
        int a = t.indexOf("{{", from);
        int b = t.indexOf("{%", from);
        return a < 0 ? b : b < 0 ? a : Math.min(a, b);
    }

    /** The index of {@code closer} that ends the tag, skipping string literals; the text's end if none. */
    private static int tagEnd(String t, int from, String closer) {
        char quote = 0;
        for (int i = from; i < t.length(); i++) {
            char c = t.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (t.startsWith(closer, i)) {
                return i;
            }
        }
        return t.length();
    }

    private static String wrapKeywordValues(String e) {
        StringBuilder out = new StringBuilder(e.length() + 8);
        int depth = 0;
        for (int i = 0; i < e.length(); i++) {
            char c = e.charAt(i);
            if (c == '\'' || c == '"') {
                int end = skipString(e, i);
                out.append(e, i, end);
                i = end - 1;
                continue;
            }
            depth += c == '(' || c == '[' || c == '{' ? 1 : c == ')' || c == ']' || c == '}' ? -1 : 0;
            out.append(c);
            boolean assign = c == '=' && depth > 0 && i + 1 < e.length() && e.charAt(i + 1) != '='
                    && i > 0 && "=!<>".indexOf(e.charAt(i - 1)) < 0;
            if (assign) {
                int end = valueEnd(e, i + 1);
                out.append('(').append(wrapKeywordValues(e.substring(i + 1, end))).append(')');
                i = end - 1;
            }
        }
        return out.toString();
    }

    private static int skipString(String e, int i) {
        char quote = e.charAt(i);
        for (int j = i + 1; j < e.length(); j++) {
            if (e.charAt(j) == '\\') {
                j++;
            } else if (e.charAt(j) == quote) {
                return j + 1;
            }
        }
        return e.length();
    }

    /** The end of a keyword argument's value: the next top-level comma or closing bracket. */
    private static int valueEnd(String e, int from) {
        int depth = 0;
        for (int i = from; i < e.length(); i++) {
            char c = e.charAt(i);
            if (c == '\'' || c == '"') {
                i = skipString(e, i) - 1;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                if (depth-- == 0) {
                    return i;
                }
            } else if (c == ',' && depth == 0) {
                return i;
            }
        }
        return e.length();
    }

    private static String arg(String s) {
        return s.isEmpty() ? "none" : s;
    }

    /** Where the expression whose subscript opens at {@code open} begins. */
    private static int primaryStart(String t, int open) {
        int i = open;
        while (i > 0) {
            char c = t.charAt(i - 1);
            if (Character.isLetterOrDigit(c) || c == '_' || c == '.') {
                i--;
            } else if (c == '\'' || c == '"') {
                int j = t.lastIndexOf(c, i - 2);
                i = Math.max(j, 0);
            } else if (c == ']' || c == ')') {
                char opener = c == ']' ? '[' : '(';
                int depth = 0;
                int j = i - 1;
                for (; j >= 0; j--) {
                    if (t.charAt(j) == c) {
                        depth++;
                    } else if (t.charAt(j) == opener && --depth == 0) {
                        break;
                    }
                }
                i = Math.max(j, 0);
            } else {
                break;
            }
        }
        return i;
    }

    /** {@code value|tojson(indent=n)} as Python's {@code json.dumps(value, ensure_ascii=False, indent=n)}. */
    static final class ToJson implements Filter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, args, Map.of());
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object indent = kwargs.getOrDefault("indent", args.length > 0 ? args[0] : null);
            return PythonJson.dumps(var, indent == null ? null : Integer.valueOf(indent.toString()));
        }
    }

    /** {@code value|py_slice(start, stop, step)}: Python's {@code value[start:stop:step]} on a list or string. */
    static final class Slice implements Filter {
        @Override
        public String getName() {
            return "py_slice";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, args, Map.of());
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            List<Object> items = new ArrayList<>();
            if (var instanceof CharSequence s) {
                s.codePoints().forEach(c -> items.add(Character.toString(c)));
            } else if (var instanceof Iterable<?> list) {
                list.forEach(items::add);
            } else {
                throw new TokenizerException("chat template slices a " + (var == null ? "None" : var.getClass().getSimpleName()));
            }
            int n = items.size();
            int step = args.length > 2 && args[2] != null ? Integer.parseInt(args[2].toString()) : 1;
            if (step == 0) {
                throw new TokenizerException("chat template slices with step 0");
            }
            int start = bound(args.length > 0 ? args[0] : null, n, step > 0 ? 0 : n - 1, step);
            int stop = bound(args.length > 1 ? args[1] : null, n, step > 0 ? n : -1, step);
            List<Object> out = new ArrayList<>();
            for (int i = start; step > 0 ? i < stop : i > stop; i += step) {
                out.add(items.get(i));
            }
            return var instanceof CharSequence ? String.join("", out.stream().map(String::valueOf).toList()) : out;
        }

        private static int bound(Object arg, int n, int fallback, int step) {
            if (arg == null) {
                return fallback;
            }
            int i = Integer.parseInt(arg.toString());
            if (i < 0) {
                i += n;
            }
            return step > 0 ? Math.max(0, Math.min(i, n)) : Math.max(-1, Math.min(i, n - 1));
        }
    }

    /** transformers' {@code {% generation %}...{% endgeneration %}}: marks assistant text; renders its body. */
    static final class Generation implements Tag {
        @Override
        public String getName() {
            return "generation";
        }

        @Override
        public String getEndTagName() {
            return "endgeneration";
        }

        @Override
        public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
            StringBuilder out = new StringBuilder();
            for (Node child : tagNode.getChildren()) {
                out.append(child.render(interpreter).getValue());
            }
            return out.toString();
        }
    }
}
