package dev.rlhf4j.core.cpu;

import java.util.ArrayDeque;
import java.util.Iterator;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Recycles the few very large arrays a training step makes and frees again, such as GPT-2's (B, T, 50257)
 * logits and their softmax. glibc maps every allocation above 32 MB afresh and unmaps it on free, so each step
 * paid again for allocating and first touching tens of megabytes. Freed buffers of at least {@link #MIN_BYTES}
 * go to a short per-thread list instead, and the next allocation of the same type and length takes one back,
 * as PyTorch's caching allocator does.
 *
 * <p>At most {@link #MAX_KEPT} buffers are kept per thread; the rest are freed as usual. Kept memory belongs to
 * the thread that freed it until {@link #clear()} or the thread ends.
 */
final class LargeBuffers {
    static final long MIN_BYTES = 32L << 20;
    static final int MAX_KEPT = 4;

    private static final ThreadLocal<ArrayDeque<DataBuffer>> KEPT = ThreadLocal.withInitial(ArrayDeque::new);

    private LargeBuffers() {
    }

    /** A new uninitialised c-order array, in a kept buffer when one of the right type and length is free. */
    static INDArray uninitialized(DataType type, long[] shape) {
        long length = 1;
        for (long s : shape) {
            length *= s;
        }
        if (length * type.width() >= MIN_BYTES) {
            for (Iterator<DataBuffer> it = KEPT.get().iterator(); it.hasNext(); ) {
                DataBuffer b = it.next();
                if (b.dataType() == type && b.length() == length) {
                    it.remove();
                    return Nd4j.create(b, shape, Nd4j.getStrides(shape, 'c'), 0, 'c');
                }
            }
        }
        return Nd4j.createUninitialized(type, shape, 'c');
    }

    /** Frees {@code a}, or keeps its buffer for reuse when it is large and {@code a} spans all of it. */
    static void free(INDArray a) {
        if (a.wasClosed()) {
            return;
        }
        DataBuffer b = a.data();
        ArrayDeque<DataBuffer> kept = KEPT.get();
        if (isKept(kept, b)) {
            return;                                      // already kept through another array over the same memory
        }
        if (b.length() * b.dataType().width() >= MIN_BYTES && kept.size() < MAX_KEPT && !a.isView()
                && a.offset() == 0 && a.length() == b.length()) {
            kept.push(b);
            return;
        }
        a.close();
    }

    /**
     * Whether {@code b} itself is in the list. Compared by identity: ND4J's {@code DataBuffer.equals} compares
     * contents element by element, so {@code contains} read two 51 MB buffers in full whenever they held the
     * same values (a backward seeded with the same gradient twice cost 30-60 ms more).
     */
    private static boolean isKept(ArrayDeque<DataBuffer> kept, DataBuffer b) {
        for (DataBuffer k : kept) {
            if (k == b) {
                return true;
            }
        }
        return false;
    }

    /** Frees every buffer this thread keeps. */
    static void clear() {
        ArrayDeque<DataBuffer> kept = KEPT.get();
        while (!kept.isEmpty()) {
            kept.pop().destroy();
        }
    }
}
