package dev.rlhf4j.rlhf.cli.bench;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.batch.PaddedBatch;
import dev.rlhf4j.nn.model.AutoModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.nn.model.ModelConfig;
import dev.rlhf4j.rlhf.reference.FrozenCopyReference;
import dev.rlhf4j.rlhf.reference.HalfPrecisionReference;
import dev.rlhf4j.rlhf.reference.LogitsModel;
import dev.rlhf4j.rlhf.reference.OffloadedReference;
import dev.rlhf4j.rlhf.reference.PeriodicReference;
import dev.rlhf4j.rlhf.reference.PrecomputedReference;
import dev.rlhf4j.rlhf.reference.ReferenceModel;
import dev.rlhf4j.rlhf.reference.SynchronizedReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The setting {@code bench reference} measures, shared by the benchmark and its memory probe (a child process, so
 * that each strategy's memory is measured in a process of its own): a randomly initialised float32 GPT-2 policy,
 * a batch of {@code batch} random sequences of {@code seq} tokens whose second half is the completion, and each
 * strategy built on that policy by name. Files (the policy's checkpoint, the precomputed cache) go to one directory
 * that the benchmark and its probes share, so a probe finds them made, as a run finds its checkpoint and cache.
 */
final class ReferenceStrategies {
    /** The strategies in the order they are reported; the frozen float32 copy is the baseline. */
    static final List<String> NAMES = List.of("frozen", "bf16", "f16", "offloaded", "precomputed", "periodic4", "synchronized");

    /** How many reference calls one timed unit makes: the periodic strategy is timed over a whole period. */
    static int callsPerUnit(String name) {
        return name.equals("periodic4") ? 4 : 1;
    }

    final CausalLM policy;
    final PaddedBatch batch;
    final Tensor mask;                       // (B, T-1)
    final List<int[]> rows;
    final Path dir;
    private PrecomputedReference.Key key;

    ReferenceStrategies(String preset, int batchSize, int seq, Path dir) {
        ModelConfig config = AutoModel.preset(preset).withoutDropout();
        if (seq < 2 || seq > config.maxPositions()) {
            throw new IllegalArgumentException("bench reference: --seq " + seq + " must lie in [2, n_positions " + config.maxPositions() + "]");
        }
        this.policy = AutoModel.random(config, DType.FLOAT32, 1337);
        Random random = new Random(7);
        this.rows = new ArrayList<>();
        for (int r = 0; r < batchSize; r++) {
            int[] ids = new int[seq];
            for (int j = 0; j < seq; j++) {
                ids[j] = random.nextInt(config.vocabSize());
            }
            rows.add(ids);
        }
        this.batch = PaddedBatch.rightPadded(rows, 0);
        double[] m = new double[batchSize * (seq - 1)];
        for (int i = 0; i < m.length; i++) {
            m[i] = i % (seq - 1) >= seq / 2 - 1 ? 1.0 : 0.0;                  // predicting the second half
        }
        this.mask = Tensor.of(m, DType.FLOAT32, batchSize, seq - 1);
        this.dir = dir;
    }

    /** The strategy {@code name} on this policy; the precomputed one loads or builds its cache in {@link #dir}. */
    ReferenceModel create(String name) {
        return switch (name) {
            case "frozen" -> new FrozenCopyReference(policy);
            case "bf16" -> HalfPrecisionReference.of(policy, DType.BFLOAT16);
            case "f16" -> HalfPrecisionReference.of(policy, DType.FLOAT16);
            case "offloaded" -> OffloadedReference.open(checkpoint(), policy.config(), DType.FLOAT32);
            case "precomputed" -> PrecomputedReference.prepare(dir.resolve(PrecomputedReference.FILE_NAME), cacheKey(), rows,
                    rows.size(), 0, () -> new FrozenCopyReference(policy));
            case "periodic4" -> new PeriodicReference(new FrozenCopyReference(policy), 4);
            case "synchronized" -> new SynchronizedReference(policy, 1, 0.6);
            default -> throw new IllegalArgumentException("bench reference: unknown strategy '" + name + "' (expected " + NAMES + ")");
        };
    }

    /** The policy's checkpoint, which a run starts from and the offloaded reference streams: written once in {@link #dir}. */
    Path checkpoint() {
        Path file = dir.resolve("policy").resolve(AutoModel.WEIGHTS);
        if (!Files.exists(file)) {
            policy.save(file.getParent());
        }
        return file;
    }

    /** The precomputed cache's key (hashing the policy's weights once). */
    PrecomputedReference.Key cacheKey() {
        if (key == null) {
            key = PrecomputedReference.Key.of(policy.namedParameters(), rows, "random ids, no tokenizer");
        }
        return key;
    }

    /** One timed unit of {@code ref}: {@link #callsPerUnit} reference calls, each in an arena of its own. */
    void run(String name, ReferenceModel ref) {
        for (int i = 0; i < callsPerUnit(name); i++) {
            try (Arena a = Arena.open()) {
                ref.logProbs(batch, mask);
            }
        }
    }

    /** The policy's own pass, which every training step makes anyway: what a strategy's pass is measured beside. */
    void policyPass() {
        try (Arena a = Arena.open()) {
            ((LogitsModel) policy::forward).referenceLogProbs(batch, mask);
        }
    }
}
