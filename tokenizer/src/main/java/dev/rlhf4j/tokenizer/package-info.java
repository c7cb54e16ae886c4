/**
 * GPT-2's byte-level byte-pair encoding, byte-exact with OpenAI's encoder, and a trainer for small
 * vocabularies. Independent of ND4J.
 *
 * <p>Entry points: {@link dev.rlhf4j.tokenizer.Gpt2Tokenizer} ({@code gpt2()}, {@code load(dir)}, encode,
 * decode, batch encode, {@code encodeAndShowWork}); {@link dev.rlhf4j.tokenizer.TokenizerFiles} (the
 * vocab.json + merges.txt, encoder.json + vocab.bpe and *.tiktoken formats, and saving);
 * {@link dev.rlhf4j.tokenizer.BpeTrainer}. Ids are {@code int}s; the tokenizer knows nothing of tensors or padding
 * (nn's {@code PaddedBatch} pads encoded rows for a model). The algorithm lives in
 * {@link dev.rlhf4j.tokenizer.ByteToUnicode}, {@link dev.rlhf4j.tokenizer.PreTokenizer} and {@code BytePairEncoding}, in that order of use.
 */
package dev.rlhf4j.tokenizer;
