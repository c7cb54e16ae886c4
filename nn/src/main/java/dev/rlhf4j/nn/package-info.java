/**
 * Neural-network modules built on {@code Tensor}, with Hugging Face parameter names so that checkpoints move
 * between rlhf4j and {@code transformers} unchanged: the model seam ({@code model}: causal LM, trunk, config, families
 * and the loader), GPT-2 ({@code gpt2}), reward and value heads ({@code heads}), optimizers, safetensors, padded
 * batches ({@code batch}), KV-cached generation, and LoRA adapters in {@code peft}'s layout ({@code lora}).
 */
package dev.rlhf4j.nn;
