package dev.rlhf4j.tokenizer;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The splitting half of a Hugging Face pre-tokenizer: cuts a stretch of normalized text into the pieces that BPE
 * encodes one by one, so that no token spans a piece boundary. Pieces are reported as their end offsets, so a
 * split allocates no strings.
 */
interface Splitter {

    /** Appends the end of each piece of {@code text[from..to)} to {@code ends}, in order; the last one is {@code to}. */
    void split(String text, int from, int to, IntBuffer ends);

    /** No pre-tokenizer (Llama 2's layout): the whole stretch is one piece. */
    record Whole() implements Splitter {
        @Override
        public void split(String text, int from, int to, IntBuffer ends) {
            if (to > from) {
                ends.add(to);
            }
        }
    }

    /** GPT-2's regex ({@code ByteLevel} with {@code use_regex}), by {@link PreTokenizer}'s scanner. */
    record Gpt2() implements Splitter {
        @Override
        public void split(String text, int from, int to, IntBuffer ends) {
            for (int i = from; i < to; ) {
                i = PreTokenizer.pieceEnd(text, i, to);
                ends.add(i);
            }
        }
    }

    /** The regex of Llama 3 and Qwen2/Qwen3 by {@link Llama3PreTokenizer}'s scanner (the same pieces as {@link Regex}). */
    record Llama3(Llama3PreTokenizer scanner) implements Splitter {
        @Override
        public void split(String text, int from, int to, IntBuffer ends) {
            for (int i = from; i < to; ) {
                i = scanner.pieceEnd(text, i, to);
                ends.add(i);
            }
        }
    }

    /**
     * {@code Split} with behaviour {@code Isolated}: every match of the regex is a piece and so is every stretch
     * between matches. The region's bounds are opaque, so a lookahead sees the end of the stretch as the end of text,
     * as when {@code tokenizers} runs the regex on the stretch alone.
     */
    record Regex(Pattern pattern) implements Splitter {
        @Override
        public void split(String text, int from, int to, IntBuffer ends) {
            Matcher m = pattern.matcher(text).region(from, to);
            int last = from;
            while (m.find()) {
                if (m.end() == m.start()) {
                    continue;
                }
                if (m.start() > last) {
                    ends.add(m.start());
                }
                ends.add(m.end());
                last = m.end();
            }
            if (last < to) {
                ends.add(to);
            }
        }
    }

    /** {@code Metaspace} with {@code split}: a new piece starts at each {@code replacement} character (MergedWithNext). */
    record BeforeEach(char replacement) implements Splitter {
        @Override
        public void split(String text, int from, int to, IntBuffer ends) {
            for (int i = from + 1; i < to; i++) {
                if (text.charAt(i) == replacement) {
                    ends.add(i);
                }
            }
            if (to > from) {
                ends.add(to);
            }
        }
    }

    /** {@code Sequence}: each piece of one splitter is split again by the next. */
    record Sequence(List<Splitter> steps) implements Splitter {
        @Override
        public void split(String text, int from, int to, IntBuffer ends) {
            IntBuffer current = new IntBuffer(8);
            current.add(to);
            for (Splitter step : steps) {
                IntBuffer next = new IntBuffer(current.size() * 2);
                int start = from;
                for (int k = 0; k < current.size(); k++) {
                    step.split(text, start, current.get(k), next);
                    start = current.get(k);
                }
                current = next;
            }
            for (int k = 0; k < current.size(); k++) {
                ends.add(current.get(k));
            }
        }
    }
}
