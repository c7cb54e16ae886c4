package dev.rlhf4j.rlhf.spark;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The models an executor keeps between tasks: a Spark task is a closure that arrives, runs and is gone, but loading a
 * model for every task would cost more than the task. So each executor JVM keeps its replicas here, under a key that
 * names the run and the role ({@code "<app id>/policy"}), and lends each one to one task at a time (a replica's
 * forward is not shared between threads; {@code local[2]} runs two tasks in one JVM and then holds two replicas).
 * A replica carries the version of the weights it holds; the task compares it with the broadcast's and copies new
 * weights in only when they differ, so a reward model is built once per executor and a policy is refreshed once
 * per iteration.
 *
 * <p>This is the one per-JVM registry in rlhf4j, and it exists because executors have no other place to keep state;
 * {@link #clear} drops a run's replicas when the run ends (in {@code local} mode the executors live in the driver).
 */
public final class ReplicaPool {
    private static final Map<String, Pool> POOLS = new ConcurrentHashMap<>();

    private ReplicaPool() {
    }

    /** A replica lent to the calling task: return it with {@link #close}. */
    public static final class Lease<T> implements AutoCloseable {
        private final Pool pool;
        private final Slot slot;

        private Lease(Pool pool, Slot slot) {
            this.pool = pool;
            this.slot = slot;
        }

        @SuppressWarnings("unchecked")
        public T value() {
            return (T) slot.value;
        }

        /** The version of the weights the replica holds; {@code Long.MIN_VALUE} for a fresh one. */
        public long version() {
            return slot.version;
        }

        /** Records that the replica now holds {@code version}. */
        public void version(long version) {
            slot.version = version;
        }

        @Override
        public void close() {
            pool.giveBack(slot);
        }
    }

    /**
     * Lends an idle replica under {@code key}, or one made by {@code build} when every replica is lent (or none exists).
     * {@code release} frees a replica when its run's pool is cleared.
     */
    public static <T> Lease<T> borrow(String key, Supplier<T> build, Consumer<T> release) {
        Pool pool = POOLS.computeIfAbsent(key, k -> new Pool(release));
        Slot slot = pool.take();
        if (slot == null) {
            slot = new Slot(build.get());
            pool.builds.incrementAndGet();
        }
        return new Lease<>(pool, slot);
    }

    /** How many replicas this JVM has built under {@code key} (each build is a model loaded). */
    public static long builds(String key) {
        Pool pool = POOLS.get(key);
        return pool == null ? 0 : pool.builds.get();
    }

    /** Frees and forgets every idle replica whose key starts with {@code prefix}; lent ones are freed when given back. */
    public static void clear(String prefix) {
        POOLS.entrySet().removeIf(e -> {
            if (e.getKey().startsWith(prefix)) {
                e.getValue().close();
                return true;
            }
            return false;
        });
    }

    private static final class Slot {
        final Object value;
        long version = Long.MIN_VALUE;

        Slot(Object value) {
            this.value = value;
        }
    }

    private static final class Pool {
        private final Deque<Slot> idle = new ArrayDeque<>();
        private final Consumer<Object> release;
        private final AtomicLong builds = new AtomicLong();
        private boolean closed;

        @SuppressWarnings("unchecked")
        Pool(Consumer<?> release) {
            this.release = (Consumer<Object>) release;
        }

        synchronized Slot take() {
            return idle.pollFirst();
        }

        synchronized void giveBack(Slot slot) {
            if (closed) {
                release.accept(slot.value);
            } else {
                idle.addFirst(slot);
            }
        }

        synchronized void close() {
            closed = true;
            idle.forEach(s -> release.accept(s.value));
            idle.clear();
        }
    }
}
