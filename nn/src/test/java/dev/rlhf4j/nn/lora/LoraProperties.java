package dev.rlhf4j.nn.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.Fixtures;
import dev.rlhf4j.nn.gpt2.Gpt2Config;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The identities LoRA promises, over random GPT-2 shapes, ranks and target sets, in float64: a fresh adapter and a
 * disabled one are the base model exactly; merging changes no output beyond rounding; unmerging gives the weights
 * back to rounding.
 */
class LoraProperties {
    /** float64 rounding of a few hundred products, relative to the largest logit. */
    private static final double ROUNDING = 1e-12;

    @Provide
    Arbitrary<List<String>> targets() {
        return Arbitraries.of("c_attn", "c_proj", "c_fc", "attn.c_proj", "mlp.c_proj").set().ofMinSize(1).map(List::copyOf);
    }

    /** A random GPT-2 shape, adapter and batch (B, T) of ids. */
    record Case(int layers, int heads, int headSize, int rank, List<String> targets, int batch, int time, long seed) {
        /** headSize >= 2: with one channel, layer norm maps every input to its bias (0), and no adapter can change anything. */
        Gpt2LMHeadModel model() {
            Gpt2Config config = new Gpt2Config(layers, heads, heads * headSize, 8, 23, 1e-5, "gelu_new", "float64", 0, 22, 0.1, 0.1, 0.1);
            return Gpt2LMHeadModel.random(config, DType.FLOAT64, seed);
        }

        LoraConfig lora(double alpha) {
            return LoraConfig.of(rank, alpha, targets.toArray(String[]::new));
        }

        Tensor ids() {
            return LoraProperties.ids(batch, time, seed);
        }
    }

    @Provide
    Arbitrary<Case> cases() {
        return net.jqwik.api.Combinators.combine(Arbitraries.integers().between(1, 2), Arbitraries.integers().between(1, 3),
                Arbitraries.integers().between(2, 4), Arbitraries.integers().between(1, 6), targets(),
                Arbitraries.integers().between(1, 2), Arbitraries.integers().between(1, 8), Arbitraries.longs().between(0, 10_000))
                .as(Case::new);
    }

    private static Tensor ids(int b, int t, long seed) {
        TensorRandom r = new TensorRandom(seed);
        long[] ids = new long[b * t];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = r.nextLong(23);
        }
        return Tensor.ofLongs(ids, b, t);
    }

    private static double[] logits(Gpt2LMHeadModel model, Tensor ids) {
        try (Arena a = Arena.open(); NoGrad ng = NoGrad.enter()) {
            return model.forward(ids).toDoubleArray();                           // (B, T, V)
        }
    }

    /** B drawn at random too, so the adapter changes the outputs (a fresh adapter's B is zero). */
    private static void randomizeB(LoraModel lora, long seed) {
        TensorRandom r = new TensorRandom(seed);
        try (Arena a = Arena.open(); NoGrad ng = NoGrad.enter()) {
            for (LoraLinear l : lora.layers().values()) {
                l.loraB().assign(r.normal(DType.FLOAT64, 0, 0.5, l.loraB().shape()));
            }
        }
    }

    @Property(tries = 20)
    void freshAndDisabledAdaptersAreTheBaseModelExactly(@ForAll("cases") Case c) {
        Gpt2LMHeadModel model = c.model();
        try {
            Tensor ids = c.ids();
            double[] base = logits(model, ids);
            LoraModel lora = LoraModel.create(model, c.lora(2.0 * c.rank()), new TensorRandom(c.seed()));
            assertArrayEquals(base, logits(model, ids), 0.0, "fresh adapter");
            randomizeB(lora, c.seed() + 1);
            double[] adapted = logits(model, ids);
            assertFalse(java.util.Arrays.equals(base, adapted), "an adapter with B != 0 changes the logits");
            try (LoraModel.Scope off = lora.disabled()) {
                assertArrayEquals(base, logits(model, ids), 0.0, "disabled adapter");
            }
            assertArrayEquals(adapted, logits(model, ids), 0.0, "enabled again");
        } finally {
            model.release();
        }
    }

    @Property(tries = 20)
    void mergingKeepsTheOutputsAndUnmergingTheWeights(@ForAll("cases") Case c) {
        Gpt2LMHeadModel model = c.model();
        try {
            Tensor ids = c.ids();
            Map<String, double[]> before = weights(model);
            LoraModel lora = LoraModel.create(model, c.lora(16.0), new TensorRandom(c.seed()));
            randomizeB(lora, c.seed() + 1);
            double[] unmerged = logits(model, ids);
            lora.merge();
            assertTrue(lora.isMerged());
            double[] merged = logits(model, ids);
            assertClose(unmerged, merged, "merged forward");
            Map<String, double[]> mergedWeights = weights(model);
            lora.unmerge();
            Map<String, double[]> after = weights(model);
            for (String name : before.keySet()) {
                boolean adapted = lora.layers().containsKey(name.substring(0, name.length() - ".weight".length()));
                assertClose(before.get(name), after.get(name), name + " after merge and unmerge");
                if (adapted && name.endsWith(".weight")) {
                    assertFalse(java.util.Arrays.equals(before.get(name), mergedWeights.get(name)), name + " moved while merged");
                }
            }
            assertClose(unmerged, logits(model, ids), "unmerged forward");
        } finally {
            model.release();
        }
    }

    private static Map<String, double[]> weights(Gpt2LMHeadModel model) {
        Map<String, double[]> out = new LinkedHashMap<>();
        model.namedParameters().forEach((name, p) -> out.put(name, p.toDoubleArray()));
        return out;
    }

    private static void assertClose(double[] expected, double[] actual, String what) {
        double scale = 0;
        for (double x : expected) {
            scale = Math.max(scale, Math.abs(x));
        }
        double err = Fixtures.maxRelativeError(actual, expected, Math.max(scale, 1e-300));
        assertTrue(err < ROUNDING, what + ": max relative error " + err);
    }

    /** Targets are PEFT's suffix rule: {@code c_proj} adapts both projections, {@code attn.c_proj} only attention's. */
    @Property(tries = 10)
    void targetsFollowPeftsSuffixRule(@ForAll("targets") List<String> targets, @ForAll @IntRange(min = 1, max = 2) int layers) {
        Case c = new Case(layers, 2, 2, 2, targets, 1, 1, 7);
        Gpt2LMHeadModel model = c.model();
        try {
            LoraModel lora = LoraModel.create(model, c.lora(4), new TensorRandom(1));
            for (String name : model.namedLinears().keySet()) {
                boolean expected = targets.stream().anyMatch(t -> name.endsWith("." + t));
                assertTrue(expected == lora.layers().containsKey(name), name + " with targets " + targets);
            }
            Set<String> trainable = lora.namedParameters().keySet();
            assertTrue(model.parameters().stream().noneMatch(Tensor::requiresGrad), "the base is frozen");
            assertTrue(lora.parameters().stream().allMatch(Tensor::requiresGrad), "the factors train");
            assertTrue(trainable.size() == 2 * lora.layers().size(), "A and B per layer: " + trainable);
        } finally {
            model.release();
        }
    }
}
