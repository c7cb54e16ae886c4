package dev.rlhf4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Python-Jinja behaviour chat templates rely on, one construct per line, as jinja2 renders it. */
class PythonJinjaTest {

    private static String render(String template, Map<String, Object> variables) {
        return new ChatTemplate(template, Map.of("bos_token", "<s>", "eos_token", "</s>"))
                .render(List.of(ChatMessage.user("a"), ChatMessage.assistant("b"), ChatMessage.user("c")), false, variables);
    }

    private static String render(String template) {
        return render(template, Map.of());
    }

    @Test
    void pythonConstructs() {
        assertEquals("cba", render("{% for m in messages[::-1] %}{{ m.content }}{% endfor %}"));
        assertEquals("ca", render("{{ (messages[::-2]|map(attribute='content'))|join('') }}"));
        assertEquals("olleh", render("{{ 'hello'[::-1] }}"));
        assertEquals("3:b", render("{{ 'a</t>b</t>'.split('</t>')|length }}:{{ 'a</t>b</t>'.split('</t>')[-2] }}"));
        assertEquals("x|", render("{{ '\\n\\nx\\n'.strip('\\n') }}|"));
        assertEquals("True False", render("{{ 'abc'.startswith('ab') }} {{ 'abc'.endswith('x') }}").replace("true", "True")
                .replace("false", "False"));
        assertEquals("2", render("{% set ns = namespace(i=messages|length - 1) %}{{ ns.i }}"));
        assertEquals("<s>x</s>", render("{{ bos_token }}x{{ eos_token }}"));
        Map<String, Object> tool = new java.util.LinkedHashMap<>();
        tool.put("name", "f");
        tool.put("args", List.of(1, "é"));
        assertEquals("{\"name\": \"f\", \"args\": [1, \"é\"]}", render("{{ tool | tojson }}", Map.of("tool", tool)));
        assertEquals("0:a 1:b 2:c last", render("{% for m in messages %}{{ loop.index0 }}:{{ m.content }}"
                + "{% if not loop.last %} {% endif %}{% endfor %}{% if loop is not defined %} last{% endif %}"));
        assertEquals("T", render("{% if enable_thinking is defined and enable_thinking is false %}T{% endif %}",
                Map.of("enable_thinking", false)));
        assertEquals("  x", render("  {%- if true %}\n  x{% endif -%}  \n"));
        assertEquals("a\n  x\ny", render("a\n  {% if true %}\n  x\n  {% endif %}\ny"));
        assertEquals("body", render("{% generation %}body{% endgeneration %}"));
    }

    @Test
    void unsupportedMethodFailsInOneLineNamingIt() {
        TokenizerException e = assertThrows(TokenizerException.class, () -> render("{{ 'a'.zfill(3) }}"));
        assertEquals(true, e.getMessage().contains("zfill"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }
}
