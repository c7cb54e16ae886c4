package dev.rlhf4j.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The last step of a Hugging Face tokenizer.json pipeline, run backwards: turns the token strings of some ids into
 * text. Each decoder maps a list of token strings to a new list, as {@code tokenizers}' {@code decode_chain} does,
 * and the results are concatenated (Llama 2: {@code ▁} to space, {@code <0xXX>} runs to their UTF-8, fuse, strip one
 * leading space; GPT-2 and Qwen: byte symbols to bytes).
 */
interface Decoder {

    List<String> decode(List<String> tokens);

    /** {@code ByteLevel}: each token's byte symbols to bytes (a token with other characters as its own UTF-8). */
    record ByteLevel() implements Decoder {
        @Override
        public List<String> decode(List<String> tokens) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            for (String token : tokens) {
                byte[] b = ByteToUnicode.bytes(token);
                bytes.writeBytes(b != null ? b : token.getBytes(StandardCharsets.UTF_8));
            }
            return List.of(Utf8.decode(bytes.toByteArray()));
        }
    }

    /** {@code Replace}: a literal string to {@code content} in each token. */
    record Replace(String pattern, String content) implements Decoder {
        @Override
        public List<String> decode(List<String> tokens) {
            return tokens.stream().map(t -> t.replace(pattern, content)).toList();
        }
    }

    /**
     * {@code ByteFallback}: each run of {@code <0xXX>} tokens becomes its UTF-8 text, or one U+FFFD per byte when the
     * run is not valid UTF-8.
     */
    record ByteFallback() implements Decoder {
        @Override
        public List<String> decode(List<String> tokens) {
            List<String> out = new ArrayList<>();
            ByteArrayOutputStream run = new ByteArrayOutputStream();
            for (String token : tokens) {
                int b = Vocabulary.fallbackByte(token);
                if (b >= 0) {
                    run.write(b);
                    continue;
                }
                flush(run, out);
                out.add(token);
            }
            flush(run, out);
            return out;
        }

        private static void flush(ByteArrayOutputStream run, List<String> out) {
            if (run.size() == 0) {
                return;
            }
            byte[] bytes = run.toByteArray();
            String text = Utf8.decode(bytes);
            boolean valid = java.util.Arrays.equals(text.getBytes(StandardCharsets.UTF_8), bytes);
            out.add(valid ? text : "\uFFFD".repeat(bytes.length));
            run.reset();
        }
    }

    /** {@code Fuse}: all tokens into one. */
    record Fuse() implements Decoder {
        @Override
        public List<String> decode(List<String> tokens) {
            return List.of(String.join("", tokens));
        }
    }

    /** {@code Strip}: up to {@code start} leading and {@code stop} trailing {@code content} characters of each token. */
    record Strip(char content, int start, int stop) implements Decoder {
        @Override
        public List<String> decode(List<String> tokens) {
            return tokens.stream().map(t -> {
                int from = 0;
                while (from < start && from < t.length() && t.charAt(from) == content) {
                    from++;
                }
                int to = t.length();
                while (t.length() - to < stop && to > from && t.charAt(to - 1) == content) {
                    to--;
                }
                return t.substring(from, to);
            }).toList();
        }
    }

    /** {@code Metaspace}: {@code replacement} to space; the first token loses a leading space when one was prepended. */
    record Metaspace(char replacement, boolean prepended) implements Decoder {
        @Override
        public List<String> decode(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) {
                String t = tokens.get(i).replace(replacement, ' ');
                out.add(i == 0 && prepended && t.startsWith(" ") ? t.substring(1) : t);
            }
            return out;
        }
    }

    /** {@code Sequence}: each decoder in turn. */
    record Sequence(List<Decoder> steps) implements Decoder {
        @Override
        public List<String> decode(List<String> tokens) {
            for (Decoder step : steps) {
                tokens = step.decode(tokens);
            }
            return tokens;
        }
    }
}
