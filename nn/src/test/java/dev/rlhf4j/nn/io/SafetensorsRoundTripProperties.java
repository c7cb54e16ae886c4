package dev.rlhf4j.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Writing tensors to safetensors and reading them back gives the same names, types, shapes and bytes, for every
 * type a checkpoint holds, any bit pattern (NaN payloads, infinities, -0, subnormals), empty and scalar shapes,
 * any key text and any metadata.
 */
class SafetensorsRoundTripProperties {
    private static final List<DType> TYPES = List.of(DType.FLOAT32, DType.FLOAT64, DType.FLOAT16, DType.BFLOAT16, DType.INT64, DType.INT32);

    /** A tensor to write: its type, shape and raw little-endian bytes (random bits, not random values). */
    record Spec(DType type, long[] shape, long seed) {
        Tensor tensor() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            byte[] bits = new byte[Math.toIntExact(n * type.bytes())];
            new Random(seed).nextBytes(bits);
            return Tensor.fromBytes(ByteBuffer.wrap(bits), type, shape);
        }

        @Override
        public String toString() {
            return type + java.util.Arrays.toString(shape) + " bits from seed " + seed;
        }
    }

    @Provide
    Arbitrary<Spec> specs() {
        Arbitrary<long[]> shapes = Arbitraries.longs().between(0, 5).array(long[].class).ofMinSize(0).ofMaxSize(3);
        return Combinators.combine(Arbitraries.of(TYPES), shapes, Arbitraries.longs()).as(Spec::new);
    }

    @Provide
    Arbitrary<String> keys() {
        // HF keys are dotted ASCII, but the format allows any text except the reserved __metadata__
        return text(24).ofMinLength(1).filter(k -> !k.equals("__metadata__"));
    }

    /** Well-formed text from the basic multilingual plane: any character but surrogates (the writer rejects unpaired ones). */
    private static net.jqwik.api.arbitraries.StringArbitrary text(int maxLength) {
        return Arbitraries.strings().withCharRange('\u0000', '\uD7FF').withCharRange('\uE000', '\uFFFF').ofMaxLength(maxLength);
    }

    @Property(tries = 60)
    void tensorsComeBackBitForBit(@ForAll("keyedSpecs") Map<String, Spec> specs,
                                  @ForAll("metadata") Map<String, String> metadata) throws IOException {
        Path dir = Files.createTempDirectory("st-roundtrip");
        Path file = dir.resolve("model.safetensors");
        Map<String, Tensor> written = new LinkedHashMap<>();
        try {
            specs.forEach((k, s) -> written.put(k, s.tensor()));
            SafetensorsWriter.write(file, written, metadata);
            try (SafetensorsReader reader = SafetensorsReader.open(file)) {
                assertEquals(written.keySet(), reader.entries().keySet(), "names");
                assertEquals(metadata, reader.metadata(), "metadata");
                for (Map.Entry<String, Tensor> e : written.entrySet()) {
                    Tensor back = reader.read(e.getKey());
                    assertEquals(e.getValue().dtype(), back.dtype(), e.getKey());
                    assertArrayEquals(e.getValue().shape(), back.shape(), e.getKey());
                    assertEquals(e.getValue().toBytes(), back.toBytes(), e.getKey() + ": bytes");
                    back.release();
                }
            }
        } finally {
            written.values().forEach(Tensor::release);
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Property(tries = 20)
    void unpairedSurrogatesAreRejectedByName(@ForAll("keys") String prefix) throws IOException {
        Path dir = Files.createTempDirectory("st-malformed");
        Path file = dir.resolve("model.safetensors");
        String key = prefix + '\uD800';
        Tensor t = Tensor.zeros(DType.FLOAT32, 2);
        try {
            CheckpointException e = assertThrows(CheckpointException.class, () -> SafetensorsWriter.write(file, Map.of(key, t), Map.of()));
            assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("U+D800"), e.getMessage());
            assertFalse(Files.exists(file), "nothing written");
        } finally {
            t.release();
            Files.deleteIfExists(dir);
        }
    }

    @Provide
    Arbitrary<Map<String, Spec>> keyedSpecs() {
        return Arbitraries.maps(keys(), specs()).ofMinSize(1).ofMaxSize(6);
    }

    @Provide
    Arbitrary<Map<String, String>> metadata() {
        return Arbitraries.maps(text(12), text(12)).ofMaxSize(3);
    }
}
