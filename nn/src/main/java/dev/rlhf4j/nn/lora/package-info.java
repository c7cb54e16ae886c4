/**
 * LoRA (Hu et al. 2021) as Hugging Face {@code peft} computes and stores it: {@link dev.rlhf4j.nn.lora.LoraLinear}
 * adds {@code scaling * dropout(x) A^T B^T} to one linear layer, {@link dev.rlhf4j.nn.lora.LoraModel} puts one on every
 * layer a {@link dev.rlhf4j.nn.lora.LoraConfig} targets and switches, merges and trains them together, and
 * {@link dev.rlhf4j.nn.lora.PeftAdapter} reads and writes peft's adapter folders, so adapters move both ways.
 */
package dev.rlhf4j.nn.lora;
