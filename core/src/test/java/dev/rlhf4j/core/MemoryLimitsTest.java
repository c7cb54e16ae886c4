package dev.rlhf4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link MemoryLimits}: the tensor budget from JavaCPP's two limits and the heap, and this JVM's values. */
class MemoryLimitsTest {
    private static final long G = 1L << 30;

    @Test
    void theBudgetIsTheSmallerOfMaxBytesAndPhysicalBytesLessTheHeap() {
        assertEquals(16 * G, new MemoryLimits(4 * G, 16 * G, 20 * G).tensorBudget(), "./rlhf4j's flags: both give 16G");
        assertEquals(8 * G, new MemoryLimits(4 * G, 8 * G, 20 * G).tensorBudget());
        MemoryLimits physical = new MemoryLimits(4 * G, 16 * G, 12 * G);
        assertEquals(8 * G, physical.tensorBudget());
        assertTrue(physical.physicalBound());
        assertFalse(new MemoryLimits(4 * G, 8 * G, 20 * G).physicalBound());
    }

    @Test
    void aZeroLimitIsNoLimit() {
        assertEquals(Long.MAX_VALUE, new MemoryLimits(4 * G, 0, 0).tensorBudget());
        assertEquals(6 * G, new MemoryLimits(4 * G, 0, 10 * G).tensorBudget());
        assertEquals(3 * G, new MemoryLimits(4 * G, 3 * G, 0).tensorBudget());
        assertEquals(0, new MemoryLimits(4 * G, 3 * G, 2 * G).tensorBudget(), "a heap above the physical limit leaves nothing");
        assertThrows(IllegalArgumentException.class, () -> new MemoryLimits(-1, 0, 0));
    }

    @Test
    void thisJvmsLimitsAreJavaCppsDefaultsUnlessSet() {
        MemoryLimits limits = MemoryLimits.current();
        long heap = Runtime.getRuntime().maxMemory();
        assertEquals(heap, limits.heapBytes());
        // JavaCPP's defaults: maxbytes = the maximum heap, maxphysicalbytes = maxbytes + 3 x the maximum heap
        if (System.getProperty("org.bytedeco.javacpp.maxbytes") == null && System.getProperty("org.bytedeco.javacpp.maxBytes") == null) {
            assertEquals(heap, limits.maxBytes());
            if (System.getProperty("org.bytedeco.javacpp.maxphysicalbytes") == null) {
                assertEquals(4 * heap, limits.physicalBytes());
                assertEquals(heap, limits.tensorBudget());
            }
        } else {
            assertTrue(limits.maxBytes() > 0);
        }
    }
}
