/**
 * The memory planner behind {@code ./rlhf4j memory}: what one RLHF step holds, model by model (actor, critic, reward,
 * reference) and kind by kind (weights, gradients, AdamW moments, activations, KV cache), before anything is run.
 * {@link dev.rlhf4j.rlhf.memory.ModelShape} describes the model (nn's GPT-2 presets and configs, Llama sizes),
 * {@link dev.rlhf4j.rlhf.memory.Precision} the bytes rlhf4j stores per element,
 * {@link dev.rlhf4j.rlhf.memory.ActivationMemory} the activation and KV-cache estimates,
 * {@link dev.rlhf4j.rlhf.memory.MemoryPlanner} the rows of a {@link dev.rlhf4j.rlhf.memory.Workload}, and
 * {@link dev.rlhf4j.rlhf.memory.MemoryPlan} the table.
 */
package dev.rlhf4j.rlhf.memory;
