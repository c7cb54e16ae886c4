package dev.rlhf4j.core.cpu;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.cpu.CpuKernels.Path;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The one rule that sends an op to a CPU kernel: type, layout and size, path by path. */
class CpuKernelsRuleTest {
    private final INDArray f32 = Nd4j.rand(DataType.FLOAT, 4, 6);
    private final INDArray f64 = Nd4j.rand(DataType.DOUBLE, 4, 6);
    private final INDArray ints = Nd4j.zeros(DataType.INT, 4, 6);
    private final INDArray columns = f32.get(NDArrayIndex.all(), NDArrayIndex.interval(1, 3));   // rows 6 apart

    @Test
    void hostLoopsTakeContiguousFloat32OrFloat64OfOneType() {
        assertTrue(CpuKernels.applies(Path.HOST, f32));
        assertTrue(CpuKernels.applies(Path.HOST, f64));
        assertFalse(CpuKernels.applies(Path.HOST, ints));
        assertFalse(CpuKernels.applies(Path.HOST, f32, f64), "mixed types");
        assertFalse(CpuKernels.applies(Path.HOST, columns), "a strided view");
        assertTrue(CpuKernels.applies(Path.HOST, f32.transpose().dup('c')), "a contiguous copy");
    }

    @Test
    void simdTakesFloat32Only() {
        assertTrue(CpuKernels.applies(Path.SIMD, f32), "the test runner adds jdk.incubator.vector");
        assertFalse(CpuKernels.applies(Path.SIMD, f64));
        assertFalse(CpuKernels.applies(Path.SIMD, columns));
    }

    @Test
    void smallTakesAtMostSmallElementsInItsFirstArray() {
        INDArray big = Nd4j.zeros(DataType.FLOAT, CpuKernels.SMALL + 1);
        assertTrue(CpuKernels.applies(Path.SMALL, f32));
        assertFalse(CpuKernels.applies(Path.SMALL, big));
        assertTrue(CpuKernels.applies(Path.SMALL, f32, big), "a KV cache may be large; the step's input is not");
    }

    @Test
    void stridedTakesViewsOfOneFloatType() {
        assertTrue(CpuKernels.applies(Path.STRIDED, columns, Nd4j.zeros(DataType.FLOAT, 4, 2)));
        assertFalse(CpuKernels.applies(Path.STRIDED, columns, Nd4j.zeros(DataType.DOUBLE, 4, 2)));
    }
}
