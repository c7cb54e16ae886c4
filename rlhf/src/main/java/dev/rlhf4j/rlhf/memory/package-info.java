/**
 * The memory planner behind {@code ./rlhf4j memory}: what one RLHF step holds, model by model (actor, critic, reward,
 * reference) and kind by kind (weights, gradients, AdamW moments, activations, KV cache), before anything is run.
 * {@link dev.rlhf4j.rlhf.memory.ModelShape} describes the model (nn's GPT-2 presets and configs, Llama sizes),
 * {@link dev.rlhf4j.rlhf.memory.Workload} what is planned (algorithm, reference strategy, batch),
 * {@link dev.rlhf4j.rlhf.memory.MemoryPlanner} the bytes of each model's row, and
 * {@link dev.rlhf4j.rlhf.memory.MemoryPlan} the rows and their table.
 */
package dev.rlhf4j.rlhf.memory;
