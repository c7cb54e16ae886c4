package dev.rlhf4j.nn.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.model.AutoModel;
import dev.rlhf4j.nn.model.CausalLM;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
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
 * {@code save} then {@code AutoModel.fromPretrained} gives back the same configuration and bit-identical parameters,
 * for random Llama, Qwen2 and Qwen3 shapes (GQA groups, head_dim apart from hidden / heads, tied or not, every RoPE
 * type) in every storage type.
 */
class LlamaRoundTripProperties {
    private static final Map<DType, String> TORCH_NAMES = Map.of(DType.FLOAT32, "float32", DType.FLOAT64, "float64",
            DType.FLOAT16, "float16", DType.BFLOAT16, "bfloat16");

    @Provide
    Arbitrary<DType> storageTypes() {
        return Arbitraries.of(TORCH_NAMES.keySet());
    }

    @Provide
    Arbitrary<RopeParameters> ropes() {
        return Arbitraries.of(RopeParameters.standard(1e4), new RopeParameters("linear", 5e5, 2, 0, 0, 0),
                new RopeParameters("llama3", 5e5, 8, 1, 4, 16));
    }

    @Property(tries = 12)
    void saveThenLoadIsTheIdentity(@ForAll("modelTypes") String type,
                                   @ForAll @IntRange(min = 1, max = 2) int layers,
                                   @ForAll @IntRange(min = 1, max = 3) int kvHeads,
                                   @ForAll @IntRange(min = 1, max = 2) int group,
                                   @ForAll @IntRange(min = 1, max = 3) int halfHeadDim,
                                   @ForAll @IntRange(min = 2, max = 40) int vocab,
                                   @ForAll boolean tied,
                                   @ForAll boolean bias,
                                   @ForAll("ropes") RopeParameters rope,
                                   @ForAll("storageTypes") DType storage,
                                   @ForAll @LongRange(min = 0, max = 1000) long seed) throws IOException {
        boolean llama = type.equals("llama");
        LlamaConfig config = new LlamaConfig(type, vocab, 8, 12, layers, kvHeads * group, kvHeads, 2 * halfHeadDim, 32, 1e-6, rope,
                type.equals("qwen2") || bias && !type.equals("qwen2"), bias && !type.equals("qwen2"), bias && llama,
                type.equals("qwen3"), tied, 0.0, 0.02, TORCH_NAMES.get(storage), 1, List.of(vocab - 1), -1);
        Path dir = Files.createTempDirectory("llama-roundtrip");
        CausalLM model = AutoModel.random(config, storage, seed);
        CausalLM back = null;
        try {
            model.save(dir);
            back = AutoModel.fromPretrained(dir, storage);
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
            if (back != null) {
                back.release();
            }
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Provide
    Arbitrary<String> modelTypes() {
        return Arbitraries.of(LlamaFamily.MODEL_TYPES);
    }
}
