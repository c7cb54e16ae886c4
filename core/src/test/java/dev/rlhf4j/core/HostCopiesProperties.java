package dev.rlhf4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.cpu.CpuKernels;
import dev.rlhf4j.core.cpu.CpuKernels.Path;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The host passes that move elements without arithmetic of their own, against the ND4J code they stand in for, bit
 * for bit: a slice's gradient added into its region of the source's gradient ({@code region.addi}) and reading a
 * tensor out to doubles ({@code dup('c').data().asDouble()}).
 */
class HostCopiesProperties {

    @Property(tries = 40)
    void aSlicesGradientLandsInItsRegionAsNd4jAddsIt(@ForAll @IntRange(min = 1, max = 5) int rows, @ForAll @IntRange(min = 2, max = 9) int cols,
                                                     @ForAll @IntRange(min = 0, max = 8) int from, @ForAll boolean float64,
                                                     @ForAll @IntRange(min = 0, max = 1000) int seed) {
        DataType type = float64 ? DataType.DOUBLE : DataType.FLOAT;
        int start = from % cols;
        int width = 1 + (from + seed) % (cols - start);
        long[] shape = {rows, cols};
        INDArrayIndex[] region = {NDArrayIndex.all(), NDArrayIndex.interval(start, start + width)};   // rows cols apart
        TensorRandom r = new TensorRandom(seed);
        INDArray first = r.normal(DType.of(type), 0, 1, rows, width).value();
        INDArray second = r.normal(DType.of(type), 0, 1, rows, width).value();
        assertTrue(CpuKernels.applies(Path.STRIDED, Nd4j.zeros(type, shape).get(region), first), "the host pass is taken");
        GradientBuffer buffer = new GradientBuffer();
        buffer.addInto(region, first, type, shape);                      // onto zeros
        buffer.addInto(region, second, type, shape);                     // onto the first
        INDArray want = Nd4j.zeros(type, shape);
        want.get(region).addi(first);
        want.get(region).addi(second);
        assertArrayEquals(want.data().asDouble(), buffer.current().dup('c').data().asDouble(), 0.0);
        buffer.release();
    }

    @Property(tries = 30)
    void readingOutIsNd4jsCopyWidened(@ForAll @IntRange(min = 1, max = 4) int rows, @ForAll @IntRange(min = 1, max = 7) int cols,
                                      @ForAll @IntRange(min = 0, max = 2) int kind, @ForAll @IntRange(min = 0, max = 1000) int seed) {
        DType type = new DType[] {DType.FLOAT32, DType.FLOAT64, DType.BFLOAT16}[kind];
        Tensor x = new TensorRandom(seed).normal(DType.FLOAT32, 0, 3, rows + 1, cols).to(type);
        // the whole array, a block of rows at an offset (still contiguous) and a column block (strided)
        Tensor[] views = {x, x.narrow(0, 1, rows), x.narrow(1, cols / 2, cols - cols / 2)};
        for (int i = 0; i < views.length; i++) {
            INDArray v = views[i].value();
            assertArrayEquals(v.dup('c').data().asDouble(), Conversions.toDoubleArray(v), 0.0, "view " + i + " of " + type);
        }
    }
}
