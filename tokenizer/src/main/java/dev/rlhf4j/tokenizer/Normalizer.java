package dev.rlhf4j.tokenizer;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The first step of a Hugging Face tokenizer.json pipeline: rewrites each stretch of text between added tokens
 * before it is split and encoded (Qwen: NFC; Llama 2: prepend {@code ▁}, then every space becomes {@code ▁}).
 */
interface Normalizer {

    String normalize(String text);

    /** Unicode NFC, NFD, NFKC or NFKD. Text below U+0300 is the same in NFC and NFD, so it skips the JDK call. */
    record Unicode(java.text.Normalizer.Form form) implements Normalizer {
        @Override
        public String normalize(String text) {
            if (form == java.text.Normalizer.Form.NFC || form == java.text.Normalizer.Form.NFD) {
                int i = 0;
                while (i < text.length() && text.charAt(i) < 0x300) {
                    i++;
                }
                if (i == text.length()) {
                    return text;
                }
            }
            return java.text.Normalizer.normalize(text, form);
        }
    }

    /** {@code Prepend}: puts {@code prefix} in front of any non-empty text. */
    record Prepend(String prefix) implements Normalizer {
        @Override
        public String normalize(String text) {
            return text.isEmpty() ? text : prefix + text;
        }
    }

    /** {@code Replace}: every match of a literal string (or a regex) becomes {@code content}. */
    record Replace(String literal, Pattern regex, String content) implements Normalizer {
        @Override
        public String normalize(String text) {
            return regex == null ? text.replace(literal, content)
                    : regex.matcher(text).replaceAll(java.util.regex.Matcher.quoteReplacement(content));
        }
    }

    /** {@code Lowercase}: Rust's {@code str::to_lowercase}, locale-independent. */
    record Lowercase() implements Normalizer {
        @Override
        public String normalize(String text) {
            return text.toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** {@code Sequence}: each normalizer in turn. */
    record Sequence(List<Normalizer> steps) implements Normalizer {
        @Override
        public String normalize(String text) {
            for (Normalizer step : steps) {
                text = step.normalize(text);
            }
            return text;
        }
    }
}
