/**
 * Tokenizers: GPT-2's byte-level byte-pair encoding, byte-exact with OpenAI's encoder; Hugging Face tokenizer.json BPE
 * tokenizers (Qwen2/Qwen3, Llama 3, GPT-2 byte-level; Llama 2, Mistral, TinyLlama SentencePiece-style), id-exact with
 * the {@code tokenizers} library; chat templates rendered as transformers renders them; a trainer for small
 * vocabularies. Independent of ND4J.
 *
 * <p>Entry points: {@link dev.rlhf4j.tokenizer.Tokenizers#load} (any model folder) returning a
 * {@link dev.rlhf4j.tokenizer.Tokenizer} ({@link dev.rlhf4j.tokenizer.Gpt2Tokenizer} or
 * {@link dev.rlhf4j.tokenizer.HuggingFaceTokenizer}); {@link dev.rlhf4j.tokenizer.ChatTemplate} with
 * {@link dev.rlhf4j.tokenizer.ChatMessage}; {@link dev.rlhf4j.tokenizer.TokenizerFiles} (vocab.json + merges.txt,
 * encoder.json + vocab.bpe, *.tiktoken, saving); {@link dev.rlhf4j.tokenizer.BpeTrainer}. Ids are {@code int}s; the
 * tokenizer knows nothing of tensors or padding (nn's {@code PaddedBatch} pads encoded rows for a model). The
 * algorithm lives in {@link dev.rlhf4j.tokenizer.ByteToUnicode}, {@link dev.rlhf4j.tokenizer.PreTokenizer} (and
 * {@code Llama3PreTokenizer}) and {@code BytePairEncoding}, in that order of use; tokenizer.json's pipeline in
 * {@code AddedTokens}, {@code Normalizer}, {@code Splitter}, {@code BpeModel} and {@code Decoder}.
 */
package dev.rlhf4j.tokenizer;
