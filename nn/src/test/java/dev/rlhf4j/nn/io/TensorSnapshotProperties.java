package dev.rlhf4j.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** Snapshots carry tensors bit for bit through Java serialization (Spark's broadcasts and results). */
class TensorSnapshotProperties {

    @Property(tries = 40)
    void serializedSnapshotsCopyEveryBitIntoReplicas(@ForAll @IntRange(min = 1, max = 4) int count, @ForAll long seed) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        DType[] types = {DType.FLOAT32, DType.FLOAT64, DType.BFLOAT16, DType.FLOAT16};
        Map<String, Tensor> source = new LinkedHashMap<>();
        Map<String, Tensor> replica = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            long[] shape = {1 + random.nextInt(5), 1 + random.nextInt(7)};
            double[] values = new double[(int) (shape[0] * shape[1])];
            for (int j = 0; j < values.length; j++) {
                values[j] = random.nextGaussian() * Math.pow(10, random.nextInt(-8, 8));
            }
            DType type = types[random.nextInt(types.length)];
            source.put("p" + i, Tensor.of(values, type, shape));
            replica.put("p" + i, Tensor.zeros(type, shape));
        }
        TensorSnapshot snapshot = TensorSnapshot.of(7, source);
        TensorSnapshot arrived = roundTrip(snapshot);
        arrived.copyInto(replica, "replica");
        assertEquals(7, arrived.version());
        long bytes = 0;
        for (String name : source.keySet()) {
            assertArrayEquals(source.get(name).toBytes().array(), replica.get(name).toBytes().array(), name);
            bytes += source.get(name).numel() * source.get(name).dtype().bytes();
        }
        assertEquals(bytes, arrived.bytes());
        source.values().forEach(Tensor::release);
        replica.values().forEach(Tensor::release);
    }

    @Property(tries = 10)
    void aReplicaOfAnotherShapeIsRefusedByName(@ForAll @IntRange(min = 2, max = 6) int n) {
        Tensor t = Tensor.zeros(DType.FLOAT32, n);
        Tensor other = Tensor.zeros(DType.FLOAT32, n + 1);
        TensorSnapshot s = TensorSnapshot.of(1, Map.of("h.0.attn.c_attn.weight", t));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> s.copyInto(Map.of("h.0.attn.c_attn.weight", other), "policy replica"));
        assertTrue(e.getMessage().contains("policy replica") && e.getMessage().contains("h.0.attn.c_attn.weight"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> s.copyInto(Map.of(), "policy replica"));
        t.release();
        other.release();
    }

    private static TensorSnapshot roundTrip(TensorSnapshot s) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(s);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (TensorSnapshot) in.readObject();
        }
    }
}
