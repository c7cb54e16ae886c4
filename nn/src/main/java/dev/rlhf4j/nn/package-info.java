/**
 * Neural-network modules built on {@code Tensor}, with Hugging Face parameter names so that checkpoints move
 * between rlhf4j and {@code transformers} unchanged: GPT-2 and its heads, optimizers, safetensors, KV-cached
 * generation, and LoRA adapters in {@code peft}'s layout.
 */
package dev.rlhf4j.nn;
