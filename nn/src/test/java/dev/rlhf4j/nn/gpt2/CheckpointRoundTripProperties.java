package dev.rlhf4j.nn.gpt2;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * {@code save} then {@code fromPretrained} gives back the same configuration and bit-identical parameters, for
 * random GPT-2 shapes in every storage type, saving over an existing checkpoint included.
 */
class CheckpointRoundTripProperties {
    private static final Map<DType, String> TORCH_NAMES = Map.of(DType.FLOAT32, "float32", DType.FLOAT64, "float64",
            DType.FLOAT16, "float16", DType.BFLOAT16, "bfloat16");

    @Provide
    Arbitrary<DType> storageTypes() {
        return Arbitraries.of(TORCH_NAMES.keySet());
    }

    @Property(tries = 15)
    void saveThenLoadIsTheIdentity(@ForAll @IntRange(min = 1, max = 3) int layers,
                                   @ForAll @IntRange(min = 1, max = 4) int heads,
                                   @ForAll @IntRange(min = 1, max = 8) int headSize,
                                   @ForAll @IntRange(min = 1, max = 16) int positions,
                                   @ForAll @IntRange(min = 2, max = 80) int vocab,
                                   @ForAll("storageTypes") DType type,
                                   @ForAll @LongRange(min = 0, max = 1000) long seed) throws IOException {
        Gpt2Config config = new Gpt2Config(layers, heads, heads * headSize, positions, vocab, 1e-5, "gelu_new",
                TORCH_NAMES.get(type), 0, vocab - 1, 0.1, 0.1, 0.1);
        Path dir = Files.createTempDirectory("gpt2-roundtrip");
        Gpt2LMHeadModel model = Gpt2LMHeadModel.random(config, type, seed);
        Gpt2LMHeadModel other = Gpt2LMHeadModel.random(config, type, seed + 1);
        Gpt2LMHeadModel back = null;
        try {
            other.save(dir);
            model.save(dir);                                       // replaces the first checkpoint
            back = Gpt2LMHeadModel.fromPretrained(dir, type);
            assertEquals(config, back.config());
            Map<String, Tensor> want = model.namedParameters();
            Map<String, Tensor> got = back.namedParameters();
            assertEquals(want.keySet(), got.keySet());
            for (String name : want.keySet()) {
                assertEquals(want.get(name).dtype(), got.get(name).dtype(), name);
                assertEquals(want.get(name).toBytes(), got.get(name).toBytes(), name);
            }
        } finally {
            model.release();
            other.release();
            if (back != null) {
                back.release();
            }
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
