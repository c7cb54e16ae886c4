package dev.rlhf4j.nn.io;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Named tensors as plain bytes, with a version: what the driver broadcasts to executors (policy weights once per
 * iteration, a reward model once per run) and what executors send back (a shard's gradients). The bytes are each
 * tensor's own type, little-endian, row-major, so a float32 model travels at 4 bytes a parameter and arrives
 * bit for bit. Java-serializable, as Spark's broadcasts and task results are.
 *
 * @param version what the tensors are a copy of (the driver's optimizer step, say): an executor holding a replica at
 *                this version reuses it instead of copying the bytes in again
 */
public record TensorSnapshot(long version, List<Entry> entries) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** One tensor: its name, type, shape and bytes. */
    public record Entry(String name, DType type, long[] shape, byte[] bytes) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    public TensorSnapshot {
        entries = List.copyOf(entries);
    }

    /** Copies every tensor of {@code tensors} (in its iteration order) off the device. */
    public static TensorSnapshot of(long version, Map<String, Tensor> tensors) {
        List<Entry> entries = new ArrayList<>(tensors.size());
        tensors.forEach((name, t) -> {
            ByteBuffer buffer = t.toBytes();
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            entries.add(new Entry(name, t.dtype(), t.shape(), bytes));
        });
        return new TensorSnapshot(version, entries);
    }

    /**
     * Assigns each tensor to the one of the same name in {@code targets} (parameters of a replica), converting the
     * type if the replica's differs. Every name must be there with the same shape; {@code what} names the replica
     * in the error.
     */
    public void copyInto(Map<String, Tensor> targets, String what) {
        try (NoGrad ng = NoGrad.enter()) {
            for (Entry e : entries) {
                Tensor target = targets.get(e.name());
                if (target == null) {
                    throw new IllegalArgumentException(what + ": no tensor '" + e.name() + "' to copy version " + version + " into");
                }
                if (!Arrays.equals(target.shape(), e.shape())) {
                    throw new IllegalArgumentException(what + ": tensor '" + e.name() + "' has shape " + Arrays.toString(target.shape())
                            + ", version " + version + " sends " + Arrays.toString(e.shape()));
                }
                Tensor source = tensor(e);
                target.assign(source);
                source.release();
            }
        }
    }

    /** The tensors, each a new one owned by the caller, in order. */
    public Map<String, Tensor> toTensors() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Entry e : entries) {
            out.put(e.name(), tensor(e));
        }
        return out;
    }

    /** The payload in bytes (what a broadcast or a task result carries, before serialization's framing). */
    public long bytes() {
        long n = 0;
        for (Entry e : entries) {
            n += e.bytes().length;
        }
        return n;
    }

    private static Tensor tensor(Entry e) {
        return Tensor.fromBytes(ByteBuffer.wrap(e.bytes()).order(ByteOrder.LITTLE_ENDIAN), e.type(), e.shape());
    }
}
