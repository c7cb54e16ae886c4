package dev.rlhf4j.tokenizer;

import java.util.Arrays;
import java.util.List;

/**
 * What {@link Gpt2Tokenizer#encodeAndShowWork} did to a text, for readers (after minGPT's
 * {@code encode_and_show_work}): the pre-tokenized pieces, each piece's bytes written as GPT-2 symbols, every
 * merge in the order encoder.py applies it, and the resulting tokens and ids. {@link #toString()} prints it
 * as a readable trace.
 *
 * @param text the input
 * @param pieces the pre-tokenizer's pieces, in order
 */
public record ShownWork(String text, List<Piece> pieces) {

    public ShownWork {
        pieces = List.copyOf(pieces);
    }

    /**
     * One pre-tokenized piece.
     *
     * @param text the piece as it appears in the input, e.g. {@code " world"}
     * @param symbols its UTF-8 bytes as GPT-2 byte symbols, e.g. {@code "Ġworld"}; BPE starts from one symbol each
     * @param merges the merges applied, in order
     * @param tokens the final tokens as written in vocab.json
     * @param ids their ids
     */
    public record Piece(String text, String symbols, List<Merge> merges, List<String> tokens, int[] ids) {

        public Piece {
            merges = List.copyOf(merges);
            tokens = List.copyOf(tokens);
            ids = ids.clone();
        }

        @Override
        public int[] ids() {
            return ids.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Piece p && text.equals(p.text) && symbols.equals(p.symbols)
                    && merges.equals(p.merges) && tokens.equals(p.tokens) && Arrays.equals(ids, p.ids);
        }

        @Override
        public int hashCode() {
            return 31 * text.hashCode() + Arrays.hashCode(ids);
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            sb.append("piece ").append(quote(text)).append(" -> bytes as symbols ").append(quote(symbols))
                    .append('\n');
            for (int i = 0; i < merges.size(); i++) {
                sb.append("  merge ").append(i + 1).append(": ").append(merges.get(i)).append('\n');
            }
            sb.append("  tokens ").append(tokens).append(" ids ").append(Arrays.toString(ids)).append('\n');
            return sb.toString();
        }
    }

    /**
     * One merge step.
     *
     * @param left left symbol of the merged pair
     * @param right right symbol
     * @param rank the merge's rank (0-based line of merges.txt after the version line); lower merges first
     * @param result the piece's symbols after merging every occurrence of the pair
     */
    public record Merge(String left, String right, int rank, List<String> result) {

        public Merge {
            result = List.copyOf(result);
        }

        @Override
        public String toString() {
            return "(" + quote(left) + ", " + quote(right) + ") rank " + rank + " -> " + result;
        }
    }

    /** All ids of the text, in order. */
    public int[] ids() {
        return pieces.stream().flatMapToInt(p -> Arrays.stream(p.ids)).toArray();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append("text ").append(quote(text)).append(" -> ").append(pieces.size()).append(" pieces\n");
        for (Piece piece : pieces) {
            sb.append(piece);
        }
        sb.append("ids ").append(Arrays.toString(ids()));
        return sb.toString();
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                case '"' -> sb.append("\\\"");
                default -> sb.append(c);
            }
        }
        return sb.append('"').toString();
    }
}
