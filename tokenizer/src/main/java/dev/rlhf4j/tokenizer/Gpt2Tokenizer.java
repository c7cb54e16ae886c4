package dev.rlhf4j.tokenizer;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * GPT-2's tokenizer: text to token ids and back, byte-exact with OpenAI's encoder.py and tiktoken's
 * {@code r50k_base} when loaded with GPT-2's vocabulary ({@link #gpt2()}), and the same algorithm for any
 * vocabulary in the same format (e.g. one written by {@link BpeTrainer}).
 *
 * <p>Encoding is three steps: {@link PreTokenizer} cuts the text into pieces (words with their leading
 * space, number runs, punctuation runs, whitespace runs); each piece's UTF-8 bytes become one token per byte;
 * {@link BytePairEncoding} merges adjacent tokens in merges.txt order. Decoding concatenates each token's
 * bytes. A bounded word cache remembers each distinct piece's ids. Special tokens such as
 * {@code <|endoftext|>} are ordinary text unless the caller allows them, as tiktoken's
 * {@code encode_ordinary} and {@code allowed_special} do, so that user text can never smuggle in a control
 * token. Thread-safe.
 *
 * <p>As a {@link Tokenizer}: {@link #encodeWithSpecialTokens} allows every special token, BOS and EOS are both
 * {@code <|endoftext|>} (as Hugging Face's GPT-2 tokenizer has them), there is no pad token, and
 * {@link #addSpecialTokens} adds nothing.
 */
public final class Gpt2Tokenizer implements Tokenizer {

    /** GPT-2's end-of-text token, id 50256 in its vocabulary; also the usual pad id since GPT-2 has none. */
    public static final String END_OF_TEXT = "<|endoftext|>";

    private static final int DEFAULT_CACHE_WORDS = 100_000;
    /** Longer pieces (digit runs, base64, whitespace blocks) rarely repeat and would pin memory in the cache. */
    private static final int MAX_CACHED_PIECE = 64;

    private final Vocabulary vocabulary;
    private final BytePairEncoding bpe;
    private final WordCache cache;

    Gpt2Tokenizer(BytePairEncoding bpe) {
        this.vocabulary = bpe.vocabulary();
        this.bpe = bpe;
        this.cache = new WordCache(DEFAULT_CACHE_WORDS);
    }

    /** GPT-2's own vocabulary (50,257 tokens), read from this module's classpath; no download. */
    public static Gpt2Tokenizer gpt2() {
        return TokenizerFiles.loadGpt2();
    }

    /** A tokenizer from a directory holding vocab.json + merges.txt, encoder.json + vocab.bpe, or a *.tiktoken. */
    public static Gpt2Tokenizer load(Path dir) {
        return TokenizerFiles.load(dir);
    }

    /** The ids of {@code text}; special tokens are encoded as the plain text they are written in. */
    @Override
    public int[] encode(String text) {
        IntBuffer out = new IntBuffer(text.length() / 3 + 4);
        encodeOrdinary(text, 0, text.length(), out);
        return out.toArray();
    }

    /**
     * The ids of {@code text}, where each occurrence of a token in {@code allowedSpecial} (e.g.
     * {@code Set.of("<|endoftext|>")}) becomes its single id; any other text, other special tokens included,
     * is encoded as plain text.
     *
     * @throws TokenizerException if an allowed token is not a special token of this vocabulary
     */
    public int[] encode(String text, Set<String> allowedSpecial) {
        if (allowedSpecial.isEmpty()) {
            return encode(text);
        }
        String[] specials = allowedSpecial.toArray(new String[0]);
        int[] specialIds = new int[specials.length];
        for (int k = 0; k < specials.length; k++) {
            OptionalInt id = vocabulary.id(specials[k]);
            if (id.isEmpty() || !vocabulary.isSpecial(id.getAsInt())) {
                throw new TokenizerException("\"" + specials[k] + "\" is not a special token of this vocabulary "
                        + "(special tokens: " + vocabulary.specialTokens() + ")");
            }
            specialIds[k] = id.getAsInt();
        }
        IntBuffer out = new IntBuffer(text.length() / 3 + 4);
        int from = 0;
        while (from < text.length()) {
            int at = text.length();
            int which = -1;
            for (int k = 0; k < specials.length; k++) {
                int found = text.indexOf(specials[k], from);
                if (found >= 0 && (found < at || (which >= 0 && found == at && specials[k].length() > specials[which].length()))) {
                    at = found;
                    which = k;
                }
            }
            encodeOrdinary(text, from, at, out);
            if (which < 0) {
                break;
            }
            out.add(specialIds[which]);
            from = at + specials[which].length();
        }
        return out.toArray();
    }

    /** The ids of {@code text} with every special token of the vocabulary allowed. */
    @Override
    public int[] encodeWithSpecialTokens(String text) {
        return encode(text, specialTokens());
    }

    /** Each piece of {@code text[from..to)} through the cache or BPE, appended to {@code out}. */
    private void encodeOrdinary(String text, int from, int to, IntBuffer out) {
        byte[] utf8 = new byte[64];
        int[] length = new int[1];
        for (int i = from; i < to; ) {
            int end = PreTokenizer.pieceEnd(text, i, to);
            char c = text.charAt(i);
            int single = end - i == 1 && c < 128 ? vocabulary.byteId(c) : -1;
            if (single >= 0) {
                out.add(single);
            } else {
                boolean cacheable = end - i <= MAX_CACHED_PIECE;
                String piece = cacheable ? text.substring(i, end) : null;
                int[] ids = cacheable ? cache.get(piece) : null;
                if (ids == null) {
                    utf8 = Utf8.encode(text, i, end, utf8, length);
                    ids = bpe.encode(utf8, length[0]);
                    if (cacheable) {
                        cache.put(piece, ids);
                    }
                }
                out.addAll(ids);
            }
            i = end;
        }
    }

    /**
     * The text of {@code ids}. Bytes that are not valid UTF-8 (a multi-byte character split across the end
     * of {@code ids}, say) become U+FFFD, one per maximal invalid subsequence, as Python's
     * {@code errors="replace"} does.
     *
     * @throws TokenizerException naming the id and its position if an id is out of range
     */
    @Override
    public String decode(int[] ids) {
        return Utf8.decode(decodeBytes(ids));
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        if (!skipSpecialTokens) {
            return decode(ids);
        }
        for (int i = 0; i < ids.length; i++) {
            vocabulary.checkId(ids[i], i);
        }
        return decode(java.util.stream.IntStream.of(ids).filter(id -> !vocabulary.isSpecial(id)).toArray());
    }

    /** The raw bytes of {@code ids}, concatenated; no UTF-8 validation. */
    public byte[] decodeBytes(int[] ids) {
        int total = 0;
        for (int i = 0; i < ids.length; i++) {
            vocabulary.checkId(ids[i], i);
            total += vocabulary.bytesView(ids[i]).length;
        }
        byte[] out = new byte[total];
        int at = 0;
        for (int id : ids) {
            byte[] bytes = vocabulary.bytesView(id);
            System.arraycopy(bytes, 0, out, at, bytes.length);
            at += bytes.length;
        }
        return out;
    }

    /**
     * The ids of each text (special tokens as plain text), one row per text and as long as it is; nn's
     * {@code PaddedBatch} lays the rows out as one padded rectangle for a model.
     */
    @Override
    public List<int[]> encodeBatch(List<String> texts) {
        return texts.stream().map(this::encode).toList();
    }

    /** The pieces, merges and ids of {@code text}, step by step; special tokens as plain text. */
    public ShownWork encodeAndShowWork(String text) {
        return new ShownWork(text, PreTokenizer.split(text).stream().map(bpe::showWork).toList());
    }

    /** Number of ids, special tokens included (50,257 for GPT-2). */
    @Override
    public int vocabSize() {
        return vocabulary.size();
    }

    /** The id of a vocabulary entry as written in vocab.json ({@code "Ġthe"}, {@code "<|endoftext|>"}). */
    @Override
    public OptionalInt tokenId(String token) {
        return vocabulary.id(token);
    }

    /** The vocab.json entry of {@code id}, e.g. {@code "Ġthe"}. */
    @Override
    public String token(int id) {
        return vocabulary.token(id);
    }

    /**
     * The id of {@code <|endoftext|>} (50256 for GPT-2).
     *
     * @throws TokenizerException if this vocabulary has no {@code <|endoftext|>}
     */
    @Override
    public int eosTokenId() {
        return vocabulary.id(END_OF_TEXT).orElseThrow(() -> new TokenizerException(
                "this vocabulary has no " + END_OF_TEXT + " token (special tokens: " + vocabulary.specialTokens() + ")"));
    }

    /** {@code <|endoftext|>}, as Hugging Face's GPT-2 tokenizer has it, if the vocabulary has it. */
    @Override
    public OptionalInt bosTokenId() {
        return vocabulary.id(END_OF_TEXT);
    }

    /** None: GPT-2 has no pad token. */
    @Override
    public OptionalInt padTokenId() {
        return OptionalInt.empty();
    }

    /** The special tokens' texts, e.g. {@code [<|endoftext|>]}; pass to {@link #encode(String, Set)} to allow all. */
    @Override
    public Set<String> specialTokens() {
        return Set.copyOf(vocabulary.specialTokens());
    }

    /** The token table. */
    public Vocabulary vocabulary() {
        return vocabulary;
    }

    /** Number of merges (50,000 for GPT-2). */
    public int mergeCount() {
        return bpe.mergeCount();
    }

    /**
     * Where this tokenizer and {@code other} first differ, or empty when they encode every text alike: the vocabulary
     * size, a token's text or special status by id, the number of merges, or a merge by rank (the order of merges.txt
     * decides the encoding, so two files with the same merges in another order differ). Describes this tokenizer's
     * side first, e.g. {@code merge 12: "t h" vs "h e"}.
     */
    public Optional<String> firstDifference(Gpt2Tokenizer other) {
        Vocabulary v = other.vocabulary;
        if (vocabulary.size() != v.size()) {
            return Optional.of("vocabulary of " + vocabulary.size() + " vs " + v.size() + " tokens");
        }
        for (int id = 0; id < vocabulary.size(); id++) {
            if (!vocabulary.token(id).equals(v.token(id)) || vocabulary.isSpecial(id) != v.isSpecial(id)) {
                return Optional.of("token " + id + ": \"" + vocabulary.token(id) + "\" vs \"" + v.token(id) + "\"");
            }
        }
        if (bpe.mergeCount() != other.bpe.mergeCount()) {
            return Optional.of(bpe.mergeCount() + " vs " + other.bpe.mergeCount() + " merges");
        }
        for (int rank = 0; rank < bpe.mergeCount(); rank++) {
            if (bpe.mergeLeft(rank) != other.bpe.mergeLeft(rank) || bpe.mergeRight(rank) != other.bpe.mergeRight(rank)) {
                return Optional.of("merge " + rank + ": \"" + merge(rank) + "\" vs \"" + other.merge(rank) + "\"");
            }
        }
        return Optional.empty();
    }

    private String merge(int rank) {
        return vocabulary.token(bpe.mergeLeft(rank)) + " " + vocabulary.token(bpe.mergeRight(rank));
    }

    BytePairEncoding bytePairEncoding() {
        return bpe;
    }
}
