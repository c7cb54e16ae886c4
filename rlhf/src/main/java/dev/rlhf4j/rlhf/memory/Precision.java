package dev.rlhf4j.rlhf.memory;

import dev.rlhf4j.core.DType;
import java.util.Locale;

/**
 * Bytes per element of each kind of memory, as rlhf4j stores them for one parameter type.
 *
 * <p>rlhf4j keeps the weights in the parameter type; gradients accumulate in its compute type (float32 for
 * bfloat16 / float16 storage: core's {@code GradientBuffer}); AdamW's two moments are in the compute type (nn's
 * {@code AdamW}); activations are in the compute type too (half types are storage only) and dropout masks are
 * values of that type (core's {@code Dropout}); the KV cache of generation is in the parameter type (nn's
 * {@code Generator}). So a trained float32 parameter costs 4 + 4 + 8 = 16 bytes and a bfloat16 one 2 + 4 + 8 = 14,
 * against the classic 16 of mixed-precision Adam (Rajbhandari et al. 2020, ZeRO: 2 for 16-bit weights, 2 for
 * 16-bit gradients, 12 for the float32 master copy and moments): rlhf4j keeps no float32 master copy of
 * bfloat16 weights but accumulates their gradients in float32. Its AdamW update runs on float32 and float64
 * parameters; for bfloat16 ones the layout above is what the gradient buffers and the optimizer's moments allocate.
 *
 * @param label the command line's name of the parameter type (fp32, bf16, fp16)
 * @param weightBytes per parameter
 * @param gradientBytes per trained parameter
 * @param momentBytes per trained parameter and moment (AdamW keeps two, m and v)
 * @param activationBytes per stored activation value
 * @param maskBytes per dropout-mask element
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

    /** rlhf4j's layout for parameters of {@code type} (class javadoc). */
    public static Precision of(DType type) {
        if (!type.isFloating()) {
            throw new IllegalArgumentException("precision: " + type + " is not a floating-point parameter type");
        }
        int compute = type.computeType().bytes();
        return new Precision(label(type), type.bytes(), compute, compute, compute, compute, type.bytes());
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

    private static String label(DType type) {
        return switch (type) {
            case FLOAT32 -> "fp32";
            case BFLOAT16 -> "bf16";
            case FLOAT16 -> "fp16";
            case FLOAT64 -> "fp64";
            default -> type.name().toLowerCase(Locale.ROOT);
        };
    }

    /** Weights, gradients and both AdamW moments of one trained parameter. */
    public int trainedBytesPerParameter() {
        return weightBytes + gradientBytes + 2 * momentBytes;
    }
}
