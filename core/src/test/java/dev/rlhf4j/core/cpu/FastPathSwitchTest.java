package dev.rlhf4j.core.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.cpu.CpuKernels.Path;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The one switch: {@code -Drlhf4j.fastPaths=false} (the Surefire execution {@code fast-paths-off} sets it) leaves no
 * rule that applies, no direct BLAS and no recycled buffer; by default the CPU backend takes them all.
 */
class FastPathSwitchTest {

    @Test
    void theSwitchReadsFalseOffOrZeroInAnyCase() {
        for (String off : new String[] {"false", "FALSE", "off", "Off", "0"}) {
            assertTrue(CpuKernels.isOff(off), off);
        }
        for (String on : new String[] {null, "true", "on", "1", ""}) {
            assertFalse(CpuKernels.isOff(on), on);
        }
    }

    @Test
    void theRunnersSettingIsTheEnginesSetting() {
        boolean off = CpuKernels.isOff(System.getProperty("rlhf4j.fastPaths", System.getenv("RLHF4J_FAST_PATHS")));
        assertEquals(!off, CpuKernels.ENABLED);
    }

    @Test
    void switchedOffNothingFastRunsAndOnEverythingMay() {
        boolean on = CpuKernels.ENABLED;
        INDArray f32 = Nd4j.rand(DataType.FLOAT, 4, 6);
        for (Path path : Path.values()) {
            assertEquals(on, CpuKernels.applies(path, f32), path.name());
        }
        assertEquals(on, CpuKernels.directBlas());
        long[] large = {LargeBuffers.MIN_BYTES / 4};
        INDArray first = CpuKernels.uninitialized(DataType.FLOAT, large);
        DataBuffer buffer = first.data();
        CpuKernels.free(first);
        INDArray second = CpuKernels.uninitialized(DataType.FLOAT, large);
        if (on) {
            assertSame(buffer, second.data(), "recycled");
        } else {
            assertTrue(first.wasClosed(), "freed at once");
            assertNotSame(buffer, second.data());
        }
        second.close();
        LargeBuffers.clear();
    }
}
