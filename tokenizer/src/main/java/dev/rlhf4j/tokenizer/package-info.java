/**
 * GPT-2's byte-level byte-pair encoding, byte-exact with OpenAI's encoder, and a trainer for small
 * vocabularies. Independent of ND4J.
 */
package dev.rlhf4j.tokenizer;
