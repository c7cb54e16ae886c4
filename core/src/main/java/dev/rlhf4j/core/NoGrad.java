package dev.rlhf4j.core;

/**
 * A scope in which operations record no graph: {@code try (var s = NoGrad.enter()) { ... }}.
 *
 * <p>Used for generation, reference-model forward passes and optimizer updates, where building a graph
 * would only cost memory. Scopes nest; the state is per thread.
 */
public final class NoGrad implements AutoCloseable {
    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    private boolean closed;

    private NoGrad() {
        DEPTH.get()[0]++;
    }

    /** Enters a no-grad scope; close it to leave. */
    public static NoGrad enter() {
        return new NoGrad();
    }

    /** True while the current thread is inside at least one no-grad scope. */
    public static boolean isActive() {
        return DEPTH.get()[0] > 0;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            DEPTH.get()[0]--;
        }
    }
}
