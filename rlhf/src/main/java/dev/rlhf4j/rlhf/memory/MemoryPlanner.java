package dev.rlhf4j.rlhf.memory;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.rlhf.memory.MemoryPlan.Row;
import dev.rlhf4j.rlhf.memory.Workload.Model;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * The memory of one RLHF step, model by model: the seeds' computation flow of PPO (actor trained, critic trained,
 * reward frozen, reference frozen) and the fewer models of GRPO, RLOO, DPO and SFT ({@link Workload.Algorithm}).
 *
 * <p>Legend: N the actor's parameters ({@link ModelShape#numParameters}), N_trunk its trunk without the LM head,
 * B sequences, T positions, L layers, C channels, nh heads, kv key/value width, V vocabulary, r the LoRA rank; bytes
 * per element from {@link Precision}: w weights, g gradients, m each moment, e activation values, d dropout masks.
 * <pre>
 *   actor      weights (N + N_lora) w, gradients N_trained g, moments 2 N_trained m,  N_trained = N or N_lora (LoRA)
 *              activations of a training step, KV cache when it generates (RL algorithms)
 *   critic     the trunk and a value head (C weights + 1 bias), trained as the actor without LoRA
 *   reward     the trunk and a score head (C weights), frozen: weights and a no-grad pass only
 *   reference  by {@link Workload.Reference}: N w (copy), N 2 (half), the largest piece (offloaded),
 *              nothing (LoRA: the actor with its adapters off), B T 4 cached log-probs (precomputed)
 * </pre>
 * Weights, gradients and moments are exact counts of what rlhf4j allocates (a test builds the tiny models and
 * compares). Activations and the KV cache are estimates. Per layer, after Korthikanti et al. 2022 ("Reducing
 * Activation Recomputation in Large Transformer Models", section 4.1), a block keeps for backward the inputs of its
 * two norms (2C), of the QKV projection (C), the queries and keys of {@code q k^T} (C + kv), the values (kv), the
 * inputs of the output projection (C) and of the MLP (C), the MLP's inside ({@link ModelShape#mlpValuesPerToken}:
 * 2I for GELU, 3I for SwiGLU) and the softmax output (nh T per token); with dropout also its masks after attention
 * and MLP (2C), on the attention probabilities (nh T) and the dropped-out probabilities (nh T):
 * <pre>
 *   layer = B T a + B nh T^2 b,   a = (6C + 2kv + mlp) e + 2C d [dropout],   b = e + (e + d) [dropout]
 *   step  = L layer + B T C e (ln_f input) + B T C d [dropout on the embeddings] + head + lora
 *   head  = B T V 4 (float32 logits) | B T 4 (critic's values) | B 4 (reward's scores)
 *   lora  = L (adapted linears per block) B T r e (the output of each A, kept for B's backward)
 *   KV    = 2 L B T kv elements in the parameter type (generating B sequences of T positions)
 * </pre>
 * With 16-bit values and byte masks (e = 2, d = 1) on GPT-2 (kv = C, I = 4C) the layer is the paper's
 * {@code B T (34 C + 5 nh T)}; rlhf4j stores float32 values and float32 masks (e = d = 4): {@code B T (72 C + 12 nh T)}.
 * A frozen model's no-grad pass is counted with the same terms and no dropout: rlhf4j's {@code Arena} keeps a
 * pass's intermediates until the step ends (PyTorch frees each layer's at once, so there this is an upper bound).
 */
public final class MemoryPlanner {
    private static final int HALF_BYTES = 2;
    private static final int FLOAT32_BYTES = 4;

    private MemoryPlanner() {
    }

    /**
     * Bytes per element of each kind of memory, as rlhf4j stores them for one parameter type.
     *
     * <p>rlhf4j keeps the weights in the parameter type; gradients accumulate in its compute type (float32 for
     * bfloat16 / float16 storage: core's {@code GradientBuffer}); AdamW's two moments are in the compute type (nn's
     * {@code AdamW}); activations are in the compute type too (half types are storage only) and dropout masks are
     * values of that type (core's {@code Dropout}); the KV cache of generation is in the parameter type (nn's
     * {@code Generator}). So a trained float32 parameter costs 4 + 4 + 8 = 16 bytes and a bfloat16 one 2 + 4 + 8 =
     * 14, against the classic 16 of mixed-precision Adam (Rajbhandari et al. 2020, ZeRO: 2 for 16-bit weights, 2 for
     * 16-bit gradients, 12 for the float32 master copy and moments): rlhf4j keeps no float32 master copy of bfloat16
     * weights but accumulates their gradients in float32. Its AdamW update runs on float32 and float64 parameters;
     * for bfloat16 ones the layout above is what the gradient buffers and the optimizer's moments allocate.
     *
     * @param label the command line's name of the parameter type (fp32, bf16, fp16)
     * @param weightBytes per parameter
     * @param gradientBytes per trained parameter
     * @param momentBytes per trained parameter and moment (AdamW keeps two, m and v)
     * @param activationBytes per stored activation value (e)
     * @param maskBytes per dropout-mask element (d)
     * @param cacheBytes per cached key or value element
     */
    public record Precision(String label, int weightBytes, int gradientBytes, int momentBytes, int activationBytes,
                            int maskBytes, int cacheBytes) {

        public Precision {
            if (weightBytes <= 0 || gradientBytes <= 0 || momentBytes <= 0 || activationBytes <= 0 || maskBytes <= 0
                    || cacheBytes <= 0) {
                throw new IllegalArgumentException("precision " + label + ": every byte size must be positive");
            }
        }

        /** rlhf4j's layout for parameters of {@code type}. */
        public static Precision of(DType type) {
            if (!type.isFloating()) {
                throw new IllegalArgumentException("precision: " + type + " is not a floating-point parameter type");
            }
            int compute = type.computeType().bytes();
            String label = switch (type) {
                case BFLOAT16 -> "bf16";
                case FLOAT16 -> "fp16";
                default -> "fp" + 8 * type.bytes();
            };
            return new Precision(label, type.bytes(), compute, compute, compute, compute, type.bytes());
        }

        /** Parses the command line's {@code fp32}, {@code bf16}, {@code fp16} (or {@code fp64}); the error names them. */
        public static DType parseType(String name) {
            return switch (name.toLowerCase(Locale.ROOT)) {
                case "fp32", "float32" -> DType.FLOAT32;
                case "bf16", "bfloat16" -> DType.BFLOAT16;
                case "fp16", "float16" -> DType.FLOAT16;
                case "fp64", "float64" -> DType.FLOAT64;
                default -> throw new IllegalArgumentException("--dtype: unknown type '" + name + "' (expected fp32, bf16, fp16 or fp64)");
            };
        }

        /** Weights, gradients and both AdamW moments of one trained parameter. */
        public int trainedBytesPerParameter() {
            return weightBytes + gradientBytes + 2 * momentBytes;
        }
    }

    /** What a pass ends in, after the final norm. */
    public enum Head {
        /** The LM head: (B, T, V) logits, in float32 (log-probs and losses are never computed in half precision). */
        LANGUAGE_MODEL,
        /** The critic's value head: (B, T). */
        VALUE,
        /** The reward model's score head: (B). */
        SCORE
    }

    /** Every model's row, in the order actor, critic, reward, reference; absent models as absent rows. */
    public static MemoryPlan plan(Workload w) {
        Map<Model, Row> rows = new EnumMap<>(Model.class);
        rows.put(Model.ACTOR, actor(w));
        rows.put(Model.CRITIC, w.algorithm().has(Model.CRITIC) ? critic(w) : Row.absent("critic (none)"));
        rows.put(Model.REWARD, w.algorithm().has(Model.REWARD) ? reward(w) : Row.absent("reward (none)"));
        rows.put(Model.REFERENCE, w.algorithm().has(Model.REFERENCE) ? reference(w) : Row.absent("reference (none)"));
        return new MemoryPlan(w, rows);
    }

    /** The policy: fully trained, or a frozen base with trained LoRA adapters. */
    static Row actor(Workload w) {
        ModelShape s = w.model();
        Precision p = w.precision();
        long n = s.numParameters();
        long adapters = w.lora() ? s.loraParameters(w.loraRank()) : 0;
        long trained = w.lora() ? adapters : n;
        long activations = trainingStep(s, p, w.sequences(), w.seq(), Head.LANGUAGE_MODEL, w.loraRank());
        long kv = w.algorithm().generates() ? kvCache(s, p, w.batch(), w.seq()) : 0;
        String how = w.lora() ? "LoRA r=" + w.loraRank() + ", adapters trained" : "trained";
        return new Row("actor (policy, " + how + ")", true, n + adapters, trained, (n + adapters) * p.weightBytes(),
                trained * p.gradientBytes(), 2 * trained * p.momentBytes(), activations, kv);
    }

    /** PPO's value model: the trunk with a value head, every parameter trained. */
    static Row critic(Workload w) {
        Precision p = w.precision();
        long n = w.model().trunkParameters() + w.model().hidden() + 1;
        long activations = trainingStep(w.model(), p, w.sequences(), w.seq(), Head.VALUE, 0);
        return new Row("critic (value model, trained)", true, n, n, n * p.weightBytes(), n * p.gradientBytes(),
                2 * n * p.momentBytes(), activations, 0);
    }

    /** The reward model: the trunk with a score head, frozen. */
    static Row reward(Workload w) {
        Precision p = w.precision();
        long n = w.model().trunkParameters() + w.model().hidden();
        long activations = frozenPass(w.model(), p, w.sequences(), w.seq(), Head.SCORE);
        return new Row("reward (frozen)", true, n, 0, n * p.weightBytes(), 0, 0, activations, 0);
    }

    /** The reference of the KL penalty, held as {@link Workload#reference()} says. */
    static Row reference(Workload w) {
        ModelShape s = w.model();
        Precision p = w.precision();
        long n = s.numParameters();
        long pass = frozenPass(s, p, w.sequences(), w.seq(), Head.LANGUAGE_MODEL);
        String name = "reference (" + w.reference().description() + ")";
        return switch (w.reference()) {
            case COPY -> new Row(name, true, n, 0, n * p.weightBytes(), 0, 0, pass, 0);
            case HALF -> new Row(name, true, n, 0, n * HALF_BYTES, 0, 0, pass, 0);
            case OFFLOADED -> new Row(name, true, n, 0, s.largestPieceParameters() * p.weightBytes(), 0, 0, pass, 0);
            case LORA -> new Row(name, true, 0, 0, 0, 0, 0, pass, 0);
            case PRECOMPUTED -> new Row(name, true, 0, 0, (long) w.sequences() * w.seq() * FLOAT32_BYTES, 0, 0, 0, 0);
        };
    }

    /** Activations a training step (forward and backward of B sequences of T positions) stores; {@code loraRank} 0 without LoRA. */
    public static long trainingStep(ModelShape shape, Precision p, long batch, long seq, Head head, int loraRank) {
        long lora = (long) shape.layers() * shape.loraTargetsPerBlock() * batch * seq * loraRank * p.activationBytes();
        return pass(shape, p, batch, seq, head, shape.dropout()) + lora;
    }

    /** Intermediates of a frozen model's no-grad pass (eval mode: no dropout). */
    public static long frozenPass(ModelShape shape, Precision p, long batch, long seq, Head head) {
        return pass(shape, p, batch, seq, head, false);
    }

    /** One layer's stored activations: {@code B T a + B nh T^2 b} with a = {@link #perToken}, b = {@link #perScore}. */
    public static long perLayer(ModelShape shape, Precision p, long batch, long seq, boolean dropout) {
        return batch * seq * perToken(shape, p, dropout) + batch * shape.heads() * seq * seq * perScore(p, dropout);
    }

    /** a: bytes one block keeps per token, {@code (6C + 2kv + mlp) e + 2C d [dropout]}. */
    public static long perToken(ModelShape shape, Precision p, boolean dropout) {
        long c = shape.hidden();
        return (6 * c + 2 * shape.kvWidth() + shape.mlpValuesPerToken()) * p.activationBytes()
                + (dropout ? 2 * c * p.maskBytes() : 0);
    }

    /** b: bytes one block keeps per attention score, {@code e + (e + d) [dropout]}. */
    public static long perScore(Precision p, boolean dropout) {
        return p.activationBytes() + (dropout ? p.activationBytes() + p.maskBytes() : 0);
    }

    /** The KV cache of generating B sequences of T positions: {@code 2 L B T kv} elements. */
    public static long kvCache(ModelShape shape, Precision p, long batch, long seq) {
        return 2L * shape.layers() * batch * seq * shape.kvWidth() * p.cacheBytes();
    }

    private static long pass(ModelShape shape, Precision p, long batch, long seq, Head head, boolean dropout) {
        long c = shape.hidden();
        long embeddingMask = dropout ? batch * seq * c * p.maskBytes() : 0;
        long finalNorm = batch * seq * c * p.activationBytes();
        long output = switch (head) {
            case LANGUAGE_MODEL -> batch * seq * shape.vocab() * FLOAT32_BYTES;
            case VALUE -> batch * seq * FLOAT32_BYTES;
            case SCORE -> batch * FLOAT32_BYTES;
        };
        return shape.layers() * perLayer(shape, p, batch, seq, dropout) + embeddingMask + finalNorm + output;
    }
}
