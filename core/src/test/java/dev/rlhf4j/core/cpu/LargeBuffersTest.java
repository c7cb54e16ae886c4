package dev.rlhf4j.core.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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

    /**
     * Three steps of logits = h W and their cross-entropy, whose 32 MB logits, softmax and gradients go through
     * the kept buffers from the second step on. Every step is checked against one host computation in double:
     * the logits of the first columns; the loss, the mean over rows of log-sum-exp minus the target logit (to
     * 2e-3: ND4J's float32 sum over 512K columns alone is off by a few 1e-4); and the gradient of W in the first
     * columns and the last, dW[k, j] = sum_b h[b, k] (softmax[b, j] - [j = target_b]) / B, to 2e-3 of the sum of
     * the terms' magnitudes (the relative error of each softmax value is the log-sum-exp's absolute error).
     */
    @Test
    void aTrainingStepsLogitsAreRecycledAndStillCorrect() {
        int rows = 16;
        int n = (int) (BIG[0] / rows);
        TensorRandom r = new TensorRandom(3);
        Tensor h = r.normal(DType.FLOAT32, 0, 1, rows, 16);
        Tensor w = r.normal(DType.FLOAT32, 0, 1, 16, n).requiresGrad(true);                  // logits (rows, n) of 32 MB
        long[] targets = new long[rows];
        for (int b = 0; b < rows; b++) {
            targets[b] = b % 4;
        }
        int[] columns = {0, 1, 2, 3, n - 1};
        float[] hv = h.toFloatArray();
        double[][] logits = new double[rows][n];
        float[] wv = w.toFloatArray();
        for (int b = 0; b < rows; b++) {
            for (int k = 0; k < 16; k++) {
                double hk = hv[b * 16 + k];
                for (int j = 0, o = k * n; j < n; j++) {
                    logits[b][j] += hk * wv[o + j];
                }
            }
        }
        double loss = 0;
        double[][] softmax = new double[rows][columns.length];
        for (int b = 0; b < rows; b++) {
            double max = Double.NEGATIVE_INFINITY;
            for (double z : logits[b]) {
                max = Math.max(max, z);
            }
            double sum = 0;
            for (double z : logits[b]) {
                sum += Math.exp(z - max);
            }
            double lse = max + Math.log(sum);
            loss += (lse - logits[b][(int) targets[b]]) / rows;
            for (int c = 0; c < columns.length; c++) {
                softmax[b][c] = Math.exp(logits[b][columns[c]] - lse);
            }
        }
        for (int step = 0; step < 3; step++) {
            try (Arena a = Arena.open()) {
                Tensor out = h.matmul(w);                                                        // (rows, n)
                double[] head = out.narrow(1, 0, 4).copy().toDoubleArray();
                for (int b = 0; b < rows; b++) {
                    for (int j = 0; j < 4; j++) {
                        assertEquals(logits[b][j], head[b * 4 + j], 1e-5 * (1 + Math.abs(logits[b][j])),
                                "step " + step + " logit " + b + "," + j);
                    }
                }
                Tensor ce = out.crossEntropy(Tensor.ofLongs(targets, rows), -100);
                assertEquals(loss, ce.item(), 2e-3, "step " + step + " loss");
                ce.backward();
                for (int c = 0; c < columns.length; c++) {
                    double[] grad = w.grad().narrow(1, columns[c], 1).copy().toDoubleArray();   // (16, 1)
                    for (int k = 0; k < 16; k++) {
                        double want = 0;
                        double scale = 0;
                        for (int b = 0; b < rows; b++) {
                            double term = hv[b * 16 + k] * (softmax[b][c] - (columns[c] == targets[b] ? 1 : 0)) / rows;
                            want += term;
                            scale += Math.abs(term);
                        }
                        assertEquals(want, grad[k], 2e-3 * scale, "step " + step + " dW[" + k + ", " + columns[c] + "]");
                    }
                }
                w.zeroGrad();
            }
        }
        w.release();
    }
}
