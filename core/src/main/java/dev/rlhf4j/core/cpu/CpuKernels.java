package dev.rlhf4j.core.cpu;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The CPU backend's fast paths, behind one entry: the engine's ops in {@code dev.rlhf4j.core} compute with ND4J
 * ops, which every backend runs, and where that costs more in dispatch and passes over memory than in
 * arithmetic, an op asks {@link #applies} and calls the kernel here in one line. Each kernel computes what the
 * op's ND4J code computes and is tested against it.
 *
 * <p>One switch turns every fast path off, read once at start-up: {@code -Drlhf4j.fastPaths=false} (or
 * {@code RLHF4J_FAST_PATHS=off} in the environment; the property wins). Every op then runs its ND4J definition only,
 * as on the CUDA backend: no rule applies, products take ND4J's, and no buffer is recycled.
 *
 * <p>Internal to the engine (public only because Java packages cannot share otherwise): arrays in, arrays out.
 */
public final class CpuKernels {
    private CpuKernels() {
    }

    /** False when the switch turned the fast paths off. */
    public static final boolean ENABLED = !isOff(System.getProperty("rlhf4j.fastPaths", System.getenv("RLHF4J_FAST_PATHS")));
    private static final boolean CPU = ENABLED && Nd4j.getBackend().getClass().getSimpleName().startsWith("Cpu");
    private static final boolean VECTOR_API = CPU && ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    /** What a kernel needs of its arrays. */
    public enum Path {
        /** Java loops over contiguous float32 or float64 arrays of one type (layer norm, AdamW). */
        HOST,
        /** SIMD passes over contiguous float32 arrays (GELU, cross-entropy); needs {@code --add-modules jdk.incubator.vector}. */
        SIMD,
        /** One forward pass over a small contiguous tensor (one-token decoding): the first array has at most {@link #SMALL} elements. */
        SMALL,
        /** Element transfers through any strides, float32 or float64 of one type (a slice's gradient added into its source's). */
        STRIDED
    }

    /** The element count below which one Java pass beats a few ND4J dispatches (11-60 us each). */
    public static final long SMALL = SmallTensors.MAX_ELEMENTS;

    /** {@code false}, {@code off} or {@code 0}, in any case. */
    static boolean isOff(String setting) {
        return setting != null && (setting.equalsIgnoreCase("false") || setting.equalsIgnoreCase("off") || setting.equals("0"));
    }

    /** The rule: whether the arrays qualify for a kernel of this path on this backend. */
    public static boolean applies(Path path, INDArray... arrays) {
        if (!CPU || (path == Path.SIMD && !VECTOR_API)) {
            return false;
        }
        DataType type = arrays[0].dataType();
        boolean floating = type == DataType.FLOAT || (type == DataType.DOUBLE && path != Path.SIMD);
        if (!floating || (path == Path.SMALL && arrays[0].length() > SMALL)) {
            return false;
        }
        for (INDArray a : arrays) {
            if (a.dataType() != type || (path != Path.STRIDED && !HostMemory.isContiguous(a))) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- SIMD: GELU and cross-entropy (float32)

    /** GPT-2's GELU, {@code x sigmoid(2c (x + a x^3))}. */
    public static INDArray gelu(INDArray x, double c, double a) {
        return GeluKernel.forward(x, (float) c, (float) a);
    }

    /** {@code g * gelu'(x)}. */
    public static INDArray geluBackward(INDArray x, INDArray g, double c, double a) {
        return GeluKernel.backward(x, g, (float) c, (float) a);
    }

    /** Log-sum-exp of each row of a contiguous (n, v) array. */
    public static double[] logSumExpRows(INDArray z, int n, int v) {
        return CrossEntropyKernel.logSumExp(z, n, v);
    }

    /** Entropy of {@code softmax(z_i / temperature)} for each row of a contiguous (n, v) array. */
    public static double[] softmaxEntropyRows(INDArray z, int n, int v, double temperature) {
        return CrossEntropyKernel.entropy(z, n, v, (float) temperature);
    }

    /** {@code out_ij = scale_i (exp(z_ij - lse_i) - [j = t_i])}, 0 on rows whose scale is 0. */
    public static void crossEntropyBackward(INDArray z, double[] lse, long[] targets, double[] scale, INDArray out, int n, int v) {
        CrossEntropyKernel.backward(z, lse, targets, scale, out, n, v);
    }

    // ---------------------------------------------------------------- HOST: layer norm, AdamW, element access

    /** Layer norm over rows of width {@code w.length}; fills each row's mean and 1/std. */
    public static INDArray layerNorm(INDArray x, double[] w, double[] b, double eps, double[] mean, double[] rstd) {
        return LayerNormKernel.forward(x, w, b, eps, mean, rstd);
    }

    /** Returns dx (or null) and adds the row sums of {@code g * xhat} and {@code g} into dw and db. */
    public static INDArray layerNormBackward(INDArray x, INDArray g, double[] w, double[] mean, double[] rstd, boolean dx,
                                             double[] dw, double[] db) {
        return LayerNormKernel.backward(x, g, w, mean, rstd, dx, dw, db);
    }

    /** One AdamW update of float32 p, m and v in place (see {@code AdamWUpdate} for the formula). */
    public static void adamW(INDArray p, INDArray g, INDArray m, INDArray v, double beta1, double beta2, double eps,
                             double decay, double stepSize, double bc2Sqrt) {
        AdamWKernel.step(p, g, m, v, beta1, beta2, eps, decay, stepSize, bc2Sqrt);
    }

    /** The elements widened to double, one bulk copy. */
    public static double[] read(INDArray a) {
        return HostMemory.read(a);
    }

    /** A new c-order array of {@code type} holding {@code values}. */
    public static INDArray create(double[] values, DataType type, long[] shape) {
        return HostMemory.create(values, type, shape);
    }

    /** {@code row} (N) into every row of the contiguous {@code out} (..., N). */
    public static void fillRows(INDArray out, INDArray row) {
        HostMemory.fillRows(out, row);
    }

    // ---------------------------------------------------------------- STRIDED

    /** {@code dst += src}, same shape, any strides. */
    public static void addInto(INDArray src, INDArray dst) {
        HostMemory.addInto(src, dst);
    }

    // ---------------------------------------------------------------- SMALL: one-token decoding

    /** {@code x + y} of one shape. */
    public static INDArray add(INDArray x, INDArray y) {
        return SmallTensors.add(x, y);
    }

    /** Softmax over the last dimension. */
    public static INDArray softmaxLast(INDArray x) {
        return SmallTensors.softmaxLast(x);
    }

    /** Multi-head attention of new positions over a KV cache, cache writes included (see {@code Attention.withKvCache}). */
    public static INDArray attendWithKvCache(INDArray qkv, INDArray keyCache, INDArray valueCache, int past, int heads, INDArray bias) {
        return KvCacheAttention.attend(qkv, keyCache, valueCache, past, heads, bias);
    }

    // ---------------------------------------------------------------- BLAS (CPU backend only: check applies first)

    /** Row-major {@code C = op(A) op(B) + beta C} on matrices {@code offset} elements into their arrays. */
    public static void gemm(boolean ta, boolean tb, int m, int n, int k, INDArray a, long aOffset, int lda,
                            INDArray b, long bOffset, int ldb, double beta, INDArray c, long cOffset, int ldc) {
        Blas.gemm(ta, tb, m, n, k, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
    }

    /** Row-major {@code y = op(A) x + beta y}. */
    public static void gemv(boolean trans, int rows, int cols, INDArray a, long aOffset, int lda, INDArray x, long xOffset,
                            int incx, double beta, INDArray y, long yOffset) {
        Blas.gemv(trans, rows, cols, a, aOffset, lda, x, xOffset, incx, beta, y, yOffset);
    }

    /** True on the CPU backend: products may go to {@link #gemm} when their operands' strides allow. */
    public static boolean directBlas() {
        return CPU;
    }

    // ---------------------------------------------------------------- recycled buffers (any backend, unless switched off)

    /** A new uninitialised c-order array, in a recycled buffer when a large one of the right size is free. */
    public static INDArray uninitialized(DataType type, long[] shape) {
        return ENABLED ? LargeBuffers.uninitialized(type, shape) : Nd4j.createUninitialized(type, shape, 'c');
    }

    /** Frees {@code a}, keeping its buffer for reuse when it is large. */
    public static void free(INDArray a) {
        if (ENABLED) {
            LargeBuffers.free(a);
        } else if (!a.wasClosed()) {
            a.close();
        }
    }
}
