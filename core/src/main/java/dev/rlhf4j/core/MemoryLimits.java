package dev.rlhf4j.core;

import org.bytedeco.javacpp.Pointer;

/**
 * How much memory this JVM may hand to tensors, as JavaCPP enforces it for ND4J's off-heap arrays, and the Java heap
 * beside them; for refusing a run up front rather than dying of {@code OutOfMemoryError} halfway through.
 *
 * <p>JavaCPP refuses an allocation that would take its count of off-heap bytes past
 * {@code -Dorg.bytedeco.javacpp.maxbytes} (default: the maximum heap), or the process's resident memory past
 * {@code -Dorg.bytedeco.javacpp.maxphysicalbytes} (default: maxbytes plus three times the maximum heap). The resident
 * memory includes the heap, so tensors may count on the smaller of maxbytes and maxphysicalbytes less the heap
 * ({@link #tensorBudget}). A limit of 0 means none.
 *
 * @param heapBytes     the Java heap's maximum ({@code -Xmx}, {@link Runtime#maxMemory})
 * @param maxBytes      JavaCPP's off-heap limit ({@link Pointer#maxBytes}); 0 for none
 * @param physicalBytes JavaCPP's limit on the process's resident memory ({@link Pointer#maxPhysicalBytes}); 0 for none
 */
public record MemoryLimits(long heapBytes, long maxBytes, long physicalBytes) {

    public MemoryLimits {
        if (heapBytes < 0 || maxBytes < 0 || physicalBytes < 0) {
            throw new IllegalArgumentException("memory limits must not be negative, got heap " + heapBytes + ", maxbytes "
                    + maxBytes + ", maxphysicalbytes " + physicalBytes);
        }
    }

    /** The limits of this JVM, as started. */
    public static MemoryLimits current() {
        return new MemoryLimits(Runtime.getRuntime().maxMemory(), Pointer.maxBytes(), Pointer.maxPhysicalBytes());
    }

    /**
     * The bytes tensors may take off the heap: {@code min(maxBytes, physicalBytes - heapBytes)}, a missing limit left
     * out; {@link Long#MAX_VALUE} when neither is set.
     */
    public long tensorBudget() {
        long budget = maxBytes > 0 ? maxBytes : Long.MAX_VALUE;
        if (physicalBytes > 0) {
            budget = Math.min(budget, Math.max(0, physicalBytes - heapBytes));
        }
        return budget;
    }

    /** Whether {@link #tensorBudget} comes from maxphysicalbytes less the heap rather than from maxbytes. */
    public boolean physicalBound() {
        return physicalBytes > 0 && (maxBytes <= 0 || physicalBytes - heapBytes < maxBytes);
    }
}
