package dev.rlhf4j.core;

/**
 * Whether the JVM was started with the vector API ({@code --add-modules jdk.incubator.vector}), which the
 * float32 kernels of {@link GeluKernel} need: the launcher and the test runner add it; an application that does
 * not gets the ND4J-op path. No class that names a vector type is loaded unless this is true.
 */
final class VectorKernels {
    private VectorKernels() {
    }

    private static final boolean AVAILABLE = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
            && HostMemory.available();

    static boolean available() {
        return AVAILABLE;
    }
}
