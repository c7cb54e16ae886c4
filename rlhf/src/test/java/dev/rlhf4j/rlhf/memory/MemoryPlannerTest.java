package dev.rlhf4j.rlhf.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.rlhf.memory.MemoryPlan.Row;
import dev.rlhf4j.rlhf.memory.MemoryPlanner.Head;
import dev.rlhf4j.rlhf.memory.MemoryPlanner.Precision;
import dev.rlhf4j.rlhf.memory.Workload.Algorithm;
import dev.rlhf4j.rlhf.memory.Workload.Model;
import dev.rlhf4j.rlhf.memory.Workload.Reference;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The planner's rows: the seeds' 7B / 70B PPO table against the classic rule of thumb, each reference strategy's
 * row, the models of each algorithm, the errors for workloads that make no sense, and the identities the activation
 * and KV-cache estimates promise over random shapes and batches.
 */
class MemoryPlannerTest {
    /**
     * The classic rule of thumb for mixed-precision Adam: 16 bytes per trained parameter (2 weights, 2 gradients,
     * 12 for the float32 master copy and both moments) and 2 per frozen bfloat16 one.
     */
    private static final double TRAINED_RULE = 16;
    private static final double FROZEN_RULE = 2;
    /**
     * The band a trained parameter's weights, gradients and moments must fall in: rlhf4j's 2 + 4 + 8 = 14 bytes (no
     * master copy, float32 gradients) and fp32's 16 are both a few bytes from the rule of thumb, not a factor off.
     */
    private static final double TRAINED_LOW = 12;
    private static final double TRAINED_HIGH = 18;
    /** How far the four models' weights, gradients and moments together may stray from the rule of thumb. */
    private static final double TOTAL_BAND = 0.15;
    /** Korthikanti et al.'s 16-bit layout: 2-byte values, 1-byte dropout masks. */
    private static final Precision SIXTEEN_BIT = new Precision("16-bit", 2, 2, 4, 2, 1, 2);

    private static MemoryPlan plan(String preset, Algorithm algo, DType type, Reference reference, int rank,
                                   int batch, int seq) {
        return MemoryPlanner.plan(new Workload(ModelShape.preset(preset), algo, type, reference, rank, batch, seq));
    }

    private static ModelShape gpt2Like(int layers, int heads, int headSize) {
        int c = heads * headSize;
        return new ModelShape("gpt2-like", ModelShape.Architecture.GPT2, layers, c, heads, heads, 4 * c, 1000, 4096, true);
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-7b", "llama-70b"})
    void seedsPpoTableHasTheRuleOfThumbsOrderOfMagnitude(String preset) {
        MemoryPlan plan = plan(preset, Algorithm.PPO, DType.BFLOAT16, null, 0, 1, 512);
        double ruleOfThumb = 0;
        for (Model m : new Model[] {Model.ACTOR, Model.CRITIC}) {
            Row r = plan.row(m);
            double perParameter = (double) r.modelStates() / r.parameters();
            assertTrue(perParameter >= TRAINED_LOW && perParameter <= TRAINED_HIGH,
                    preset + " " + r.name() + ": " + perParameter + " bytes per trained parameter");
            ruleOfThumb += TRAINED_RULE * r.parameters();
        }
        for (Model m : new Model[] {Model.REWARD, Model.REFERENCE}) {
            Row r = plan.row(m);
            assertEquals(FROZEN_RULE, (double) r.modelStates() / r.parameters(), 1e-12, preset + " " + r.name());
            ruleOfThumb += FROZEN_RULE * r.parameters();
        }
        double planned = plan.total().modelStates();
        assertTrue(Math.abs(planned / ruleOfThumb - 1) <= TOTAL_BAND,
                preset + ": weights + gradients + moments " + planned / 1e9 + " GB, rule of thumb " + ruleOfThumb / 1e9 + " GB");
    }

    @Test
    void float32TrainingIsSixteenBytesAParameterAndFrozenFour() {
        MemoryPlan plan = plan("gpt2", Algorithm.PPO, DType.FLOAT32, null, 0, 4, 128);
        Row actor = plan.row(Model.ACTOR);
        assertEquals(4L * DType.FLOAT32.bytes() * actor.parameters(), actor.modelStates());
        assertEquals((long) DType.FLOAT32.bytes() * plan.row(Model.REFERENCE).parameters(), plan.row(Model.REFERENCE).modelStates());
    }

    @Test
    void referenceStrategiesChangeOnlyTheRowsTheySay() {
        MemoryPlan copy = plan("gpt2", Algorithm.PPO, DType.FLOAT32, Reference.COPY, 0, 4, 128);
        Row full = copy.row(Model.REFERENCE);
        Row half = plan("gpt2", Algorithm.PPO, DType.FLOAT32, Reference.HALF, 0, 4, 128).row(Model.REFERENCE);
        assertEquals(full.weights() / 2, half.weights(), "bf16 weights are half of fp32's");
        assertEquals(full.activations(), half.activations(), "log-probs are computed in float32 either way");
        Row halfOfBf16 = plan("gpt2", Algorithm.PPO, DType.BFLOAT16, Reference.HALF, 0, 4, 128).row(Model.REFERENCE);
        assertEquals(plan("gpt2", Algorithm.PPO, DType.BFLOAT16, null, 0, 4, 128).row(Model.REFERENCE).weights(), halfOfBf16.weights());

        Row offloaded = plan("gpt2", Algorithm.PPO, DType.FLOAT32, Reference.OFFLOADED, 0, 4, 128).row(Model.REFERENCE);
        assertEquals(ModelShape.preset("gpt2").largestPieceParameters() * DType.FLOAT32.bytes(), offloaded.weights());
        assertTrue(offloaded.weights() < full.weights() / 3, "offloaded keeps one piece, not the model");

        MemoryPlan precomputed = plan("gpt2", Algorithm.PPO, DType.FLOAT32, Reference.PRECOMPUTED, 0, 4, 128);
        Row cache = precomputed.row(Model.REFERENCE);
        assertEquals(4L * 128 * Float.BYTES, cache.weights(), "one float32 log-prob per token of the batch");
        assertEquals(0, cache.parameters() + cache.activations() + cache.gradients());
        for (Model m : new Model[] {Model.ACTOR, Model.CRITIC, Model.REWARD}) {
            assertEquals(copy.row(m), precomputed.row(m), m + " does not depend on how the reference is held");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 8, 64})
    void loraReferenceSharesTheBaseAndTheActorTrainsOnlyAdapters(int rank) {
        MemoryPlan full = plan("llama-7b", Algorithm.PPO, DType.BFLOAT16, null, 0, 1, 512);
        MemoryPlan lora = plan("llama-7b", Algorithm.PPO, DType.BFLOAT16, Reference.LORA, rank, 1, 512);
        long adapters = ModelShape.llama7b().loraParameters(rank);
        Row actor = lora.row(Model.ACTOR);
        assertEquals(adapters, actor.trainedParameters());
        assertEquals(full.row(Model.ACTOR).weights() + adapters * DType.BFLOAT16.bytes(), actor.weights());
        assertEquals(adapters * DType.FLOAT32.bytes(), actor.gradients(), "gradients only for the adapters, in float32");
        assertEquals(2 * adapters * DType.FLOAT32.bytes(), actor.moments());
        assertEquals(0, lora.row(Model.REFERENCE).weights(), "the reference is the actor with adapters off");
        assertTrue(lora.row(Model.REFERENCE).activations() > 0, "it still runs a pass");
        assertTrue(lora.total().modelStates() < full.total().modelStates() - actor.weights());
    }

    @Test
    void eachAlgorithmKeepsItsModels() {
        for (Algorithm a : Algorithm.values()) {
            Reference ref = a.has(Model.REFERENCE) ? Reference.COPY : null;
            MemoryPlan plan = plan("tiny", a, DType.FLOAT32, ref, 0, 2, 16);
            for (Model m : Model.values()) {
                Row r = plan.row(m);
                assertEquals(a.has(m), r.present(), a + " " + m);
                assertTrue(r.name().startsWith(m.label()), r.name());
                assertEquals(a.has(m) ? r.total() > 0 : r.total() == 0, true, a + " " + m + " " + r);
            }
            assertEquals(a.generates(), plan.row(Model.ACTOR).kvCache() > 0, a + ": a KV cache only for generation");
        }
        assertFalse(Algorithm.GRPO.has(Model.CRITIC));
        assertFalse(Algorithm.RLOO.has(Model.CRITIC));
        assertTrue(Algorithm.PPO.has(Model.CRITIC));
        assertFalse(Algorithm.DPO.has(Model.REWARD));
        assertFalse(Algorithm.SFT.has(Model.REFERENCE));
    }

    @Test
    void dpoPairsPutTwoSequencesThroughEachModel() {
        MemoryPlan dpo = plan("gpt2", Algorithm.DPO, DType.FLOAT32, null, 0, 3, 128);
        MemoryPlan sft = plan("gpt2", Algorithm.SFT, DType.FLOAT32, null, 0, 6, 128);
        assertEquals(sft.row(Model.ACTOR), dpo.row(Model.ACTOR));
    }

    @Test
    void workloadsThatMakeNoSenseAreRefusedWithTheReason() {
        ModelShape tiny = ModelShape.preset("tiny");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Workload(tiny, Algorithm.SFT, DType.FLOAT32, Reference.HALF, 0, 1, 8));
        assertTrue(e.getMessage().contains("sft has no reference"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new Workload(tiny, Algorithm.PPO, DType.FLOAT32, Reference.COPY, 8, 1, 8));
        assertTrue(e.getMessage().contains("--lora-rank"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new Workload(tiny, Algorithm.PPO, DType.FLOAT32, null, 0, 1, tiny.positions() + 1));
        assertTrue(e.getMessage().contains("exceeds") && e.getMessage().contains(String.valueOf(tiny.positions())), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Workload(tiny, Algorithm.PPO, DType.FLOAT32, null, 0, 0, 8));
        assertThrows(IllegalArgumentException.class, () -> Precision.of(DType.INT64));
    }

    /** Korthikanti et al.'s {@code s b h (34 + 5 a s / h)} in their 16-bit layout, and its float32 form in rlhf4j's. */
    @Property(tries = 200)
    void gpt2LayerIsKorthikantisFormula(@ForAll @IntRange(min = 1, max = 48) int heads,
                                        @ForAll @IntRange(min = 1, max = 128) int headSize,
                                        @ForAll @IntRange(min = 1, max = 64) int batch,
                                        @ForAll @IntRange(min = 1, max = 4096) int seq) {
        ModelShape s = gpt2Like(12, heads, headSize);
        long c = s.hidden();
        long paper = (long) batch * seq * (34 * c + 5L * heads * seq);
        assertEquals(paper, MemoryPlanner.perLayer(s, SIXTEEN_BIT, batch, seq, true));
        long float32 = (long) batch * seq * (72 * c + 12L * heads * seq);      // values and masks of 4 bytes
        assertEquals(float32, MemoryPlanner.perLayer(s, Precision.of(DType.FLOAT32), batch, seq, true));
    }

    @Property(tries = 100)
    void everyPassIsLinearInTheBatch(@ForAll @IntRange(min = 1, max = 16) int batch, @ForAll @IntRange(min = 2, max = 8) int k,
                                     @ForAll @IntRange(min = 1, max = 1024) int seq, @ForAll Head head,
                                     @ForAll @IntRange(min = 0, max = 64) int rank, @ForAll boolean llama) {
        ModelShape s = llama ? ModelShape.llama70b() : ModelShape.preset("gpt2");
        Precision p = Precision.of(DType.BFLOAT16);
        assertEquals(k * MemoryPlanner.trainingStep(s, p, batch, seq, head, rank),
                MemoryPlanner.trainingStep(s, p, (long) k * batch, seq, head, rank));
        assertEquals(k * MemoryPlanner.frozenPass(s, p, batch, seq, head),
                MemoryPlanner.frozenPass(s, p, (long) k * batch, seq, head));
    }

    @Property(tries = 100)
    void kvCacheIsTwoLayersBatchPositionsKvWidth(@ForAll @IntRange(min = 1, max = 64) int batch,
                                                 @ForAll @IntRange(min = 1, max = 4096) int seq, @ForAll boolean llama,
                                                 @ForAll boolean bf16) {
        ModelShape s = llama ? ModelShape.llama70b() : ModelShape.preset("gpt2-xl");
        DType type = bf16 ? DType.BFLOAT16 : DType.FLOAT32;
        long keysOfOneLayer = (long) batch * s.kvHeads() * seq * s.headSize();       // (B, nkv, T, hs)
        assertEquals(2 * s.layers() * keysOfOneLayer * type.bytes(),
                MemoryPlanner.kvCache(s, Precision.of(type), batch, seq));
    }

    @Property(tries = 100)
    void quadraticTermGrowsFourfoldWhenTDoubles(@ForAll @IntRange(min = 1, max = 16) int batch,
                                               @ForAll @IntRange(min = 1, max = 2048) int seq, @ForAll boolean dropout) {
        ModelShape s = ModelShape.preset("gpt2-medium");
        Precision p = Precision.of(DType.FLOAT32);
        long once = MemoryPlanner.perLayer(s, p, batch, seq, dropout);
        long twice = MemoryPlanner.perLayer(s, p, batch, 2L * seq, dropout);
        long linear = (long) batch * seq * MemoryPlanner.perToken(s, p, dropout);
        assertEquals(4 * (once - linear), twice - 2 * linear, "the attention scores are quadratic in T");
    }
}
