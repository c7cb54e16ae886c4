/**
 * The benchmarks behind {@code ./rlhf4j bench}, one class each: {@link dev.rlhf4j.rlhf.cli.bench.MatmulBenchmark},
 * {@link dev.rlhf4j.rlhf.cli.bench.TrainBenchmark}, {@link dev.rlhf4j.rlhf.cli.bench.GenerateBenchmark},
 * {@link dev.rlhf4j.rlhf.cli.bench.TokenizerBenchmark}, {@link dev.rlhf4j.rlhf.cli.bench.ReferenceBenchmark},
 * {@link dev.rlhf4j.rlhf.cli.bench.PpoBenchmark} and {@link dev.rlhf4j.rlhf.cli.bench.DpoBenchmark}. Each
 * prints its results through {@code BenchLine}, one JSON object per line, against a baseline measured in the same
 * run: direct BLAS calls from {@link dev.rlhf4j.core.cpu.Roofline}, jtokkit for the tokenizer, the frozen float32
 * copy for the reference strategies, the plain training step of the same model ({@code TrainingStep}) for PPO and DPO.
 */
package dev.rlhf4j.rlhf.cli.bench;
