package dev.rlhf4j.rlhf.cli;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.rlhf4j.core.MatmulBenchmark;
import dev.rlhf4j.tokenizer.TokenizerBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./rlhf4j bench <what>}: benchmarks that print one JSON object per line,
 * {@code {"bench", "value", "unit", "baseline", "ratio"}}, every baseline measured in the same run.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks (JSON lines, baselines measured in the same run).")
public final class BenchCommand {

    @Command(name = "matmul", mixinStandardHelpOptions = true,
            description = "Tensor.matmul forward/backward GFLOP/s on GPT-2 small shapes vs direct cblas_sgemm; per-op overhead.")
    int matmul(@Option(names = "--repeats", defaultValue = "10", description = "timed repetitions per shape (best is kept)") int repeats) {
        MatmulBenchmark.run(System.out, repeats);
        return 0;
    }

    @Command(name = "tokenizer", mixinStandardHelpOptions = true,
            description = "GPT-2 BPE encoding MB/s, rlhf4j vs jtokkit (r50k_base), single thread.")
    int tokenizer() {
        Encoding r50k = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
        TokenizerBenchmark.run(System.out, s -> r50k.encodeOrdinary(s).toArray(), "jtokkit");
        return 0;
    }
}
