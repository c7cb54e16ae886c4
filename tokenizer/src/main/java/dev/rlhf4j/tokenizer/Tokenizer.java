package dev.rlhf4j.tokenizer;

import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Text to token ids and back, whatever the files the vocabulary came in: GPT-2's vocab.json + merges.txt
 * ({@link Gpt2Tokenizer}) or a Hugging Face tokenizer.json ({@link HuggingFaceTokenizer}). {@link Tokenizers#load}
 * picks the implementation from a model folder.
 *
 * <p>Two questions every caller answers explicitly, because they decide the ids:
 * <ul>
 *   <li>Are special tokens written in the text control tokens? {@link #encode} says no (user text can never smuggle
 *       in an end-of-turn), {@link #encodeWithSpecialTokens} says yes, as Hugging Face's {@code encode} does by
 *       default and as rendered chat templates need.</li>
 *   <li>Does the model want a BOS (or other framing) around a sequence? {@link #addSpecialTokens} adds what the
 *       tokenizer's post-processor adds (Llama 2's {@code <s>}); neither encode method adds anything.</li>
 * </ul>
 * Added tokens that are not special (Qwen's {@code <think>}) are recognised by both encode methods, as in
 * Hugging Face's {@code encode_special_tokens=True}. Implementations are thread-safe.
 */
public interface Tokenizer {

    /** The ids of {@code text}; special tokens written in it are encoded as the plain text they are. */
    int[] encode(String text);

    /** The ids of {@code text}, where each special token written in it becomes its single id. */
    int[] encodeWithSpecialTokens(String text);

    /** {@code ids} framed as the tokenizer's post-processor frames one sequence (e.g. a BOS in front); often unchanged. */
    default int[] addSpecialTokens(int[] ids) {
        return ids;
    }

    /** The ids of each text (special tokens as plain text), one unpadded row per text. */
    default List<int[]> encodeBatch(List<String> texts) {
        return texts.stream().map(this::encode).toList();
    }

    /**
     * The text of {@code ids}, special tokens included as their text; invalid UTF-8 becomes U+FFFD.
     *
     * @throws TokenizerException naming the id and its position if an id is out of range
     */
    String decode(int[] ids);

    /** The text of {@code ids}, leaving out special tokens when {@code skipSpecialTokens}. */
    String decode(int[] ids, boolean skipSpecialTokens);

    /** Number of ids, added tokens included. */
    int vocabSize();

    /** The id of a vocabulary entry as the tokenizer's files write it ({@code "Ġthe"}, {@code "▁the"}, {@code "<s>"}). */
    OptionalInt tokenId(String token);

    /** The vocabulary entry of {@code id} as the files write it. */
    String token(int id);

    /**
     * The id that ends a sequence ({@code <|endoftext|>} for GPT-2, tokenizer_config.json's {@code eos_token}).
     *
     * @throws TokenizerException if the tokenizer has none
     */
    int eosTokenId();

    /** The id that begins a sequence, if the tokenizer has one. */
    OptionalInt bosTokenId();

    /** The padding id, if the tokenizer names one (GPT-2 does not; callers usually pad with EOS then). */
    OptionalInt padTokenId();

    /** The special tokens' texts: what {@link #encode} leaves as plain text and decode may skip. */
    Set<String> specialTokens();
}
