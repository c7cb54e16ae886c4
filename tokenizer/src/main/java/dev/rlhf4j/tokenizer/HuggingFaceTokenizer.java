package dev.rlhf4j.tokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A BPE tokenizer from a Hugging Face {@code tokenizer.json}, id-exact with the {@code tokenizers} library for the
 * layouts of GPT-2, Qwen2/Qwen3, Llama 3 (byte-level) and Llama 2, Mistral, TinyLlama (SentencePiece-style). Encoding
 * runs the file's pipeline in its order:
 * <ol>
 *   <li>{@link AddedTokens}: added tokens are cut out of the raw text first;</li>
 *   <li>each stretch between them is normalized ({@link Normalizer}), rewritten by the pre-tokenizer where it does so
 *       ({@code Metaspace}: spaces to {@code ▁}; {@code ByteLevel add_prefix_space}) and split into pieces
 *       ({@link Splitter});</li>
 *   <li>each piece goes through BPE ({@link BpeModel}).</li>
 * </ol>
 * The post-processor's framing (a BOS) is {@link #addSpecialTokens}; decoding runs the file's {@link Decoder}.
 * {@link TokenizerJson} reads the file and refuses, in one line, any part this class does not implement.
 */
public final class HuggingFaceTokenizer implements Tokenizer {

    /** What the pre-tokenizer does to a stretch of text before splitting it. */
    record Rewrite(boolean byteLevelPrefixSpace, char metaspace, String prependScheme) {
        static final Rewrite NONE = new Rewrite(false, '\0', "never");
    }

    private final Vocabulary vocabulary;
    private final AddedTokens added;
    private final Normalizer normalizer;
    private final Rewrite rewrite;
    private final Splitter splitter;
    private final BpeModel model;
    private final Decoder decoder;      // null: tokens joined by spaces, as tokenizers does without a decoder
    private final int[] prefix;         // (P) ids the post-processor puts in front of a sequence
    private final int[] suffix;         // (S) ids it puts after
    private final BitSet special;       // (V) ids of added tokens marked special
    private final OptionalInt bos;
    private final OptionalInt eos;
    private final OptionalInt pad;

    HuggingFaceTokenizer(Vocabulary vocabulary, AddedTokens added, Normalizer normalizer, Rewrite rewrite,
            Splitter splitter, BpeModel model, Decoder decoder, int[] prefix, int[] suffix, OptionalInt bos,
            OptionalInt eos, OptionalInt pad) {
        this.vocabulary = vocabulary;
        this.added = added;
        this.normalizer = normalizer;
        this.rewrite = rewrite;
        this.splitter = splitter;
        this.model = model;
        this.decoder = decoder;
        this.prefix = prefix.clone();
        this.suffix = suffix.clone();
        this.special = new BitSet(vocabulary.size());
        added.tokens().stream().filter(AddedTokens.Token::special).forEach(t -> special.set(t.id()));
        this.bos = bos;
        this.eos = eos;
        this.pad = pad;
    }

    /** The tokenizer of a {@code tokenizer.json}, with BOS/EOS/pad from a {@code tokenizer_config.json} beside it. */
    public static HuggingFaceTokenizer load(Path tokenizerJson) {
        return TokenizerJson.read(tokenizerJson);
    }

    @Override
    public int[] encode(String text) {
        return encode(text, false);
    }

    @Override
    public int[] encodeWithSpecialTokens(String text) {
        return encode(text, true);
    }

    private int[] encode(String text, boolean allowSpecial) {
        IntBuffer out = new IntBuffer(text.length() / 3 + 4);
        IntBuffer ends = new IntBuffer(64);
        int from = 0;
        while (true) {
            AddedTokens.Match match = added.isEmpty() ? null : added.next(text, from, from, allowSpecial);
            int to = match == null ? text.length() : match.start();
            if (to > from) {
                encodeStretch(from == 0 && to == text.length() ? text : text.substring(from, to), from == 0, out, ends);
            }
            if (match == null) {
                return out.toArray();
            }
            out.add(match.token().id());
            from = match.end();
        }
    }

    /** Normalize, rewrite, split and encode one stretch of text that holds no added token. */
    private void encodeStretch(String stretch, boolean atStart, IntBuffer out, IntBuffer ends) {
        String text = prepare(stretch, atStart);
        ends.clear();
        splitter.split(text, 0, text.length(), ends);
        int start = 0;
        for (int k = 0; k < ends.size(); k++) {
            model.encode(text, start, ends.get(k), out);
            start = ends.get(k);
        }
    }

    private String prepare(String stretch, boolean atStart) {
        String text = normalizer.normalize(stretch);
        char meta = rewrite.metaspace();
        if (meta != '\0') {
            text = text.replace(' ', meta);
            boolean prepend = rewrite.prependScheme().equals("always")
                    || (rewrite.prependScheme().equals("first") && atStart);
            if (prepend && !text.isEmpty() && text.charAt(0) != meta) {
                text = meta + text;
            }
        }
        if (rewrite.byteLevelPrefixSpace() && !text.isEmpty() && text.charAt(0) != ' ') {
            text = " " + text;
        }
        return text;
    }

    /** The post-processor's framing of one sequence (e.g. Llama 2's {@code <s>} in front). */
    @Override
    public int[] addSpecialTokens(int[] ids) {
        int[] out = new int[prefix.length + ids.length + suffix.length];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        System.arraycopy(ids, 0, out, prefix.length, ids.length);
        System.arraycopy(suffix, 0, out, prefix.length + ids.length, suffix.length);
        return out;
    }

    /** The pieces and merges of {@code text} step by step; added tokens in it are treated as plain text. */
    public ShownWork encodeAndShowWork(String text) {
        String prepared = prepare(text, true);
        IntBuffer ends = new IntBuffer(16);
        splitter.split(prepared, 0, prepared.length(), ends);
        List<ShownWork.Piece> pieces = new ArrayList<>();
        int start = 0;
        for (int k = 0; k < ends.size(); k++) {
            pieces.add(model.showWork(prepared.substring(start, ends.get(k))));
            start = ends.get(k);
        }
        return new ShownWork(text, pieces);
    }

    @Override
    public String decode(int[] ids) {
        return decode(ids, false);
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        List<String> tokens = new ArrayList<>(ids.length);
        for (int i = 0; i < ids.length; i++) {
            vocabulary.checkId(ids[i], i);
            if (!(skipSpecialTokens && special.get(ids[i]))) {
                tokens.add(vocabulary.token(ids[i]));
            }
        }
        return decoder == null ? String.join(" ", tokens) : String.join("", decoder.decode(tokens));
    }

    @Override
    public int vocabSize() {
        return vocabulary.size();
    }

    @Override
    public OptionalInt tokenId(String token) {
        return vocabulary.id(token);
    }

    @Override
    public String token(int id) {
        return vocabulary.token(id);
    }

    @Override
    public int eosTokenId() {
        return eos.orElseThrow(() -> new TokenizerException("this tokenizer names no eos_token "
                + "(tokenizer_config.json missing or without eos_token)"));
    }

    @Override
    public OptionalInt bosTokenId() {
        return bos;
    }

    @Override
    public OptionalInt padTokenId() {
        return pad;
    }

    @Override
    public Set<String> specialTokens() {
        Set<String> out = new LinkedHashSet<>();
        for (int id = special.nextSetBit(0); id >= 0; id = special.nextSetBit(id + 1)) {
            out.add(vocabulary.token(id));
        }
        return Set.copyOf(out);
    }

    /** The token table (entries as tokenizer.json writes them). */
    public Vocabulary vocabulary() {
        return vocabulary;
    }
}
