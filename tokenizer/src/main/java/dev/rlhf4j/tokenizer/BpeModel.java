package dev.rlhf4j.tokenizer;

import java.util.OptionalInt;

/**
 * tokenizer.json's {@code "model": {"type": "BPE"}}: one pre-tokenized piece to ids, through the same
 * {@link BytePairEncoding} core as GPT-2. Only the starting symbols differ:
 * <ul>
 *   <li>byte-level (GPT-2, Qwen, Llama 3): one symbol per UTF-8 byte;</li>
 *   <li>SentencePiece-style (Llama 2, Mistral): one symbol per character; a character missing from the vocabulary
 *       becomes its UTF-8 bytes as {@code <0xXX>} tokens ({@code byte_fallback}), or the unknown token (consecutive
 *       unknowns fused into one with {@code fuse_unk}).</li>
 * </ul>
 * With {@code ignore_merges} (Llama 3) a piece that is itself a vocabulary entry is that entry. Short pieces' ids
 * are kept in a bounded {@link WordCache}. Thread-safe.
 */
final class BpeModel {

    private static final int CACHE_WORDS = 100_000;
    private static final int MAX_CACHED_PIECE = 64;

    private final BytePairEncoding bpe;
    private final Vocabulary vocabulary;
    private final boolean byteLevel;
    private final boolean ignoreMerges;
    private final boolean byteFallback;
    private final int unkId;          // -1: none
    private final boolean fuseUnk;
    private final WordCache cache = new WordCache(CACHE_WORDS);

    BpeModel(BytePairEncoding bpe, boolean byteLevel, boolean ignoreMerges, boolean byteFallback, int unkId,
            boolean fuseUnk) {
        this.byteFallback = byteFallback;
        this.bpe = bpe;
        this.vocabulary = bpe.vocabulary();
        this.byteLevel = byteLevel;
        this.ignoreMerges = ignoreMerges;
        this.unkId = unkId;
        this.fuseUnk = fuseUnk;
    }

    BytePairEncoding bytePairEncoding() {
        return bpe;
    }

    boolean byteLevel() {
        return byteLevel;
    }

    /** Appends the ids of {@code text[from..to)} (one piece) to {@code out}. */
    void encode(String text, int from, int to, IntBuffer out) {
        if (byteLevel && to - from == 1 && text.charAt(from) < 128) {
            out.add(vocabulary.byteId(text.charAt(from)));
            return;
        }
        boolean cacheable = to - from <= MAX_CACHED_PIECE;
        String piece = cacheable || ignoreMerges ? text.substring(from, to) : null;
        int[] ids = cacheable ? cache.get(piece) : null;
        if (ids == null) {
            ids = encodePiece(text, from, to, piece);
            if (cacheable) {
                cache.put(piece, ids);
            }
        }
        out.addAll(ids);
    }

    private int[] encodePiece(String text, int from, int to, String piece) {
        int[] symbols = byteLevel ? byteSymbols(text, from, to) : charSymbols(text, from, to);
        if (ignoreMerges) {
            OptionalInt whole = vocabulary.id(byteLevel ? ByteToUnicode.symbols(utf8(piece, 0, piece.length())) : piece);
            if (whole.isPresent()) {
                return new int[] {whole.getAsInt()};
            }
        }
        return bpe.merge(symbols, symbols.length);
    }

    /** One id per UTF-8 byte. */
    int[] byteSymbols(String text, int from, int to) {
        byte[] bytes = utf8(text, from, to);
        int[] symbols = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            symbols[i] = byteId(bytes[i] & 0xFF);
        }
        return symbols;
    }

    /** One id per character, with byte fallback or the unknown token for characters outside the vocabulary. */
    int[] charSymbols(String text, int from, int to) {
        IntBuffer symbols = new IntBuffer(to - from);
        boolean lastUnknown = false;
        for (int i = from; i < to; ) {
            int cp = text.codePointAt(i);
            int width = Character.charCount(cp);
            String ch = text.substring(i, Math.min(i + width, to));
            i += width;
            OptionalInt id = vocabulary.id(ch);
            if (id.isPresent() && !vocabulary.isSpecial(id.getAsInt())) {
                symbols.add(id.getAsInt());
                lastUnknown = false;
                continue;
            }
            byte[] bytes = utf8(ch, 0, ch.length());
            boolean allBytes = byteFallback;
            int[] fallback = new int[bytes.length];
            for (int k = 0; k < bytes.length && allBytes; k++) {
                fallback[k] = vocabulary.byteId(bytes[k] & 0xFF);
                allBytes = fallback[k] >= 0;
            }
            if (allBytes) {
                symbols.addAll(fallback);
                lastUnknown = false;
            } else if (unkId < 0) {
                throw new TokenizerException("character U+" + Integer.toHexString(cp).toUpperCase()
                        + " has no token, no byte fallback and the vocabulary has no unknown token");
            } else if (!(fuseUnk && lastUnknown)) {
                symbols.add(unkId);
                lastUnknown = true;
            }
        }
        return symbols.toArray();
    }

    private static byte[] utf8(String text, int from, int to) {
        int[] length = new int[1];
        byte[] buf = Utf8.encode(text, from, to, new byte[3 * (to - from)], length);
        return length[0] == buf.length ? buf : java.util.Arrays.copyOf(buf, length[0]);
    }

    private int byteId(int b) {
        int id = vocabulary.byteId(b);
        if (id < 0) {
            throw new TokenizerException(String.format("byte 0x%02X (symbol '%c') has no token in the vocabulary",
                    b, ByteToUnicode.symbol(b)));
        }
        return id;
    }

    /** The merges of one piece, step by step (see {@link BytePairEncoding#showWork}). */
    ShownWork.Piece showWork(String piece) {
        if (byteLevel) {
            return bpe.showWork(piece);
        }
        int[] symbols = charSymbols(piece, 0, piece.length());
        StringBuilder written = new StringBuilder();
        for (int id : symbols) {
            written.append(vocabulary.token(id));
        }
        return bpe.showWork(piece, written.toString(), symbols);
    }
}
