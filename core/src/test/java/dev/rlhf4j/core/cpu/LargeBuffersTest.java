package dev.rlhf4j.core.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Large freed buffers are reused by the next allocation of the same type and length, and only then. */
class LargeBuffersTest {
    private static final long[] BIG = {LargeBuffers.MIN_BYTES / 4};           // float32 elements of 32 MB

    @AfterEach
    void clear() {
        LargeBuffers.clear();
    }

    @Test
    void aFreedLargeBufferServesTheNextAllocationOfItsLength() {
        INDArray a = LargeBuffers.uninitialized(DataType.FLOAT, BIG);
        var buffer = a.data();
        LargeBuffers.free(a);
        INDArray b = LargeBuffers.uninitialized(DataType.FLOAT, new long[] {2, BIG[0] / 2});   // same length, other shape
        assertSame(buffer, b.data());
        assertArrayEquals(new long[] {2, BIG[0] / 2}, b.shape());
        INDArray c = LargeBuffers.uninitialized(DataType.FLOAT, BIG);          // none kept now: a fresh one
        assertNotSame(buffer, c.data());
        b.close();
        c.close();
    }

    /**
     * Two buffers holding the same values are still two buffers: ND4J's {@code DataBuffer.equals} compares contents,
     * and a list lookup through it took the second for the first (reading 51 MB per lookup, then neither keeping
     * nor freeing it).
     */
    @Test
    void buffersWithEqualContentsAreKeptApart() {
        INDArray a = LargeBuffers.uninitialized(DataType.FLOAT, BIG).assign(0);
        INDArray b = LargeBuffers.uninitialized(DataType.FLOAT, BIG).assign(0);
        var first = a.data();
        var second = b.data();
        LargeBuffers.free(a);
        LargeBuffers.free(b);
        INDArray c = LargeBuffers.uninitialized(DataType.FLOAT, BIG);
        INDArray d = LargeBuffers.uninitialized(DataType.FLOAT, BIG);
        assertSame(second, c.data());                                          // last freed, first reused
        assertSame(first, d.data());
        c.close();
        d.close();
    }

    @Test
    void smallArraysOtherTypesAndViewsAreNotKept() {
        INDArray small = LargeBuffers.uninitialized(DataType.FLOAT, new long[] {1000});
        LargeBuffers.free(small);
        assertTrue(small.wasClosed());
        INDArray d = LargeBuffers.uninitialized(DataType.DOUBLE, new long[] {BIG[0] / 2});    // 32 MB of doubles
        var doubles = d.data();
        LargeBuffers.free(d);
        INDArray f = LargeBuffers.uninitialized(DataType.FLOAT, new long[] {BIG[0] / 2});     // same length, other type
        assertNotSame(doubles, f.data());
        INDArray whole = LargeBuffers.uninitialized(DataType.FLOAT, new long[] {2, BIG[0]});
        INDArray half = whole.get(org.nd4j.linalg.indexing.NDArrayIndex.point(1));            // a view: not the owner
        LargeBuffers.free(half);
        assertNotSame(whole.data(), LargeBuffers.uninitialized(DataType.FLOAT, new long[] {BIG[0]}).data());
        f.close();
        whole.close();
    }

    @Test
    void aTrainingStepsLogitsAreRecycledAndStillCorrect() {
        TensorRandom r = new TensorRandom(3);
        Tensor h = r.normal(DType.FLOAT32, 0, 1, 2, 16);
        Tensor w = r.normal(DType.FLOAT32, 0, 1, 16, (int) (BIG[0] / 2)).requiresGrad(true);   // logits of 32 MB
        double[] first = null;
        for (int step = 0; step < 3; step++) {
            try (Arena a = Arena.open()) {
                Tensor logits = h.matmul(w);
                double[] head = logits.narrow(1, 0, 4).copy().toDoubleArray();
                if (first == null) {
                    first = head;
                } else {
                    assertArrayEquals(first, head, 0.0);
                }
                logits.crossEntropy(Tensor.ofLongs(new long[] {1, 2}, 2), -100).backward();
                w.zeroGrad();
            }
        }
        w.release();
    }
}
