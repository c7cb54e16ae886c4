/**
 * Where a training run is put together: {@link dev.rlhf4j.rlhf.assembly.Assembly} builds the policy, the rewards, the
 * reference, the LoRA adapters and the critic in order, owns Spark's application and the run folder, checkpoints and
 * restores every part ({@link dev.rlhf4j.rlhf.Checkpointable}) and releases everything in order; one class per
 * algorithm ({@code SftAssembly}, {@code RewardAssembly}, {@code PpoAssembly}, {@code DpoAssembly},
 * {@code CriticFreeAssembly}) reads its data and builds its trainer. The command line only parses options into
 * {@link dev.rlhf4j.rlhf.assembly.RunInputs} and the trainer's config and calls one of them;
 * {@link dev.rlhf4j.rlhf.assembly.GenerateRun} puts a model folder to generating the same way.
 */
package dev.rlhf4j.rlhf.assembly;
