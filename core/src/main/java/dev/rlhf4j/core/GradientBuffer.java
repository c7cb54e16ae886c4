package dev.rlhf4j.core;

import dev.rlhf4j.core.cpu.CpuKernels;
import dev.rlhf4j.core.cpu.CpuKernels.Path;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The gradient one tensor accumulates during {@link Tensor#backward()}: contributions from every use of the
 * tensor are summed here, in the tensor's compute type (float32 for half-precision storage).
 *
 * <p>{@link #zero()} marks the buffer stale rather than freeing it: the next backward overwrites it in place, so a
 * training loop does not allocate (and page in) every parameter's gradient afresh each step. A stale buffer reads
 * as no gradient.
 */
final class GradientBuffer {
    /** Where a backward rule writes a gradient directly (e.g. a GEMM with beta 0 or 1), and whether it must overwrite. */
    record Target(INDArray array, boolean overwrite) {
    }

    private INDArray sum;
    private boolean stale;
    private boolean retained;

    /** The accumulated gradient, or null before a backward reached it or after {@link #zero()}. */
    INDArray current() {
        return sum == null || stale ? null : sum;
    }

    /** Forgets the accumulated value, keeping the memory for the next backward to overwrite. */
    void zero() {
        if (sum != null) {
            stale = true;
        }
    }

    /** Keeps the gradient of a non-leaf tensor after its rule has run (by default only leaves keep theirs). */
    void retain() {
        retained = true;
    }

    /**
     * The buffer itself for a rule that writes into it, created in the owner's compute {@code type} and
     * {@code shape} when needed.
     */
    Target target(DataType type, long[] shape) {
        if (sum == null) {
            sum = Nd4j.createUninitialized(type, shape, 'c');
            stale = true;
        }
        boolean overwrite = stale;
        stale = false;
        return new Target(sum, overwrite);
    }

    /**
     * Adds a contribution, taking ownership of it: cast to {@code type} if needed, then kept as the sum, copied over
     * a stale sum, or added to the current one. {@code owner} names the tensor in the error for a wrong shape.
     */
    void add(INDArray contribution, DataType type, long[] shape, String owner) {
        if (!Arrays.equals(contribution.shape(), shape)) {
            contribution.close();
            throw new IllegalStateException("internal: gradient of shape " + Shapes.str(contribution.shape())
                    + " for '" + owner + "' of shape " + Shapes.str(shape));
        }
        if (contribution.dataType() != type) {
            INDArray cast = contribution.castTo(type);
            contribution.close();
            contribution = cast;
        }
        if (sum == null) {
            sum = contribution;
        } else if (stale) {
            sum.assign(contribution);
            contribution.close();
        } else {
            sum.addi(contribution);
            contribution.close();
        }
        stale = false;
    }

    /** Adds {@code contribution} (still the caller's) to the region {@code index} of the sum, zeros elsewhere. */
    void addInto(INDArrayIndex[] index, INDArray contribution, DataType type, long[] shape) {
        if (sum == null) {
            sum = Nd4j.zeros(type, shape);
        } else if (stale) {
            sum.assign(0);
        }
        stale = false;
        INDArray region = sum.get(index);
        if (CpuKernels.applies(Path.STRIDED, region, contribution)) {
            CpuKernels.addInto(contribution, region);                     // the same sum: ND4J's add into a strided view is slow
            return;
        }
        region.addi(contribution);
    }

    /** After the owner's backward rule has consumed the sum: frees it unless it is retained. */
    void consumed() {
        if (!retained && sum != null) {
            CpuKernels.free(sum);
            sum = null;
        }
    }

    /** Frees the memory; the buffer reads as empty afterwards. */
    void release() {
        if (sum != null) {
            CpuKernels.free(sum);
            sum = null;
        }
    }
}
