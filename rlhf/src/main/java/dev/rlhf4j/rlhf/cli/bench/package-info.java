/**
 * The benchmarks behind {@code ./rlhf4j bench}, one class each: {@link dev.rlhf4j.rlhf.cli.bench.MatmulBenchmark},
 * {@link dev.rlhf4j.rlhf.cli.bench.TrainBenchmark}, {@link dev.rlhf4j.rlhf.cli.bench.GenerateBenchmark},
 * {@link dev.rlhf4j.rlhf.cli.bench.TokenizerBenchmark} and {@link dev.rlhf4j.rlhf.cli.bench.ReferenceBenchmark}. Each
 * prints its results through {@code BenchLine}, one JSON object per line, against a baseline measured in the same
 * run: direct BLAS calls from {@link dev.rlhf4j.core.cpu.Roofline}, jtokkit for the tokenizer, the frozen float32
 * copy for the reference strategies.
 */
package dev.rlhf4j.rlhf.cli.bench;
