package dev.rlhf4j.core;

import java.util.ArrayList;
import java.util.List;

/**
 * Owns every tensor created while it is open and releases their off-heap memory when it closes.
 *
 * <p>ND4J arrays live outside the Java heap; the garbage collector frees them late, and a training loop that
 * waits for it grows without bound. So a step runs inside an arena:
 * <pre>{@code
 * try (var step = Arena.open()) {
 *     Tensor loss = model.loss(batch);     // every intermediate is recorded here
 *     loss.backward();                     // parameter gradients live on (parameters are not in the arena)
 *     optimizer.step();
 *     lossValue = loss.item();
 * }                                        // activations, their gradients and the graph are freed here
 * }</pre>
 * Tensors created outside any arena (parameters, caches) are owned by their creator. {@link #keep} hands a
 * result to the enclosing arena, or to no arena, so it outlives this one. Arenas nest per thread.
 */
public final class Arena implements AutoCloseable {
    private static final ThreadLocal<Arena> CURRENT = new ThreadLocal<>();

    private final Arena parent;
    private final List<Tensor> owned = new ArrayList<>();
    private boolean closed;

    private Arena(Arena parent) {
        this.parent = parent;
    }

    /** Opens an arena nested in the current one (if any) and makes it current for this thread. */
    public static Arena open() {
        Arena arena = new Arena(CURRENT.get());
        CURRENT.set(arena);
        return arena;
    }

    /** True while some arena is open on this thread. */
    public static boolean isOpen() {
        return CURRENT.get() != null;
    }

    static void register(Tensor t) {
        Arena arena = CURRENT.get();
        if (arena != null) {
            arena.owned.add(t);
        }
    }

    /**
     * Moves {@code t} out of this arena to the enclosing one (or to no arena), so that closing this arena
     * leaves it alive. A view of a tensor that this arena releases is copied first. Returns the tensor to
     * use from now on, detached from the graph.
     */
    public Tensor keep(Tensor t) {
        Tensor kept = t.independentCopyIfView();
        owned.remove(t);
        owned.remove(kept);
        if (parent != null) {
            parent.owned.add(kept);
        }
        kept.dropGraph();
        return kept;
    }

    /** Number of tensors this arena will release; for tests and diagnostics. */
    public int size() {
        return owned.size();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = owned.size() - 1; i >= 0; i--) {
            owned.get(i).release();
        }
        owned.clear();
        if (CURRENT.get() == this) {
            CURRENT.set(parent);
        } else {
            throw new IllegalStateException("arenas closed out of order: close the innermost arena first");
        }
    }
}
