package dev.rlhf4j.rlhf.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.gpt2.Gpt2Config;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.nn.heads.ScoreHead;
import dev.rlhf4j.nn.heads.ValueHead;
import dev.rlhf4j.nn.optim.AdamW;
import dev.rlhf4j.rlhf.memory.MemoryPlan.Row;
import dev.rlhf4j.rlhf.memory.Workload.Algorithm;
import dev.rlhf4j.rlhf.memory.Workload.Model;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The planner's weights, gradients and AdamW moments against the bytes rlhf4j allocates: the tiny presets are built,
 * trained one AdamW step, and their parameters, gradients ({@code p.grad()}) and moments ({@link AdamW#moments()})
 * counted as numel times element size. rlhf4j's AdamW updates float32 and float64 parameters only, so for bfloat16
 * parameters the step stops after backward and the optimizer's construction, which allocate the gradients and moments.
 */
class EngineAllocationTest {
    /** The largest relative error allowed between the planner and the engine for the counted kinds of memory. */
    private static final double TOLERANCE = 0.10;
    private static final int BATCH = 2;
    private static final int SEQ = 8;

    /** What one step of a built model allocated, in bytes. */
    private record Allocated(long parameters, long weights, long gradients, long moments) {
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"tiny, FLOAT32", "tiny, BFLOAT16", "small, FLOAT32"})
    void actorMatchesAnAdamWStepOfTheLanguageModel(String preset, DType type) {
        Gpt2Config config = Gpt2Config.preset(preset);
        Gpt2LMHeadModel model = Gpt2LMHeadModel.random(config, type, 1);
        assertAgrees(trainOneStep(config, model.namedParameters(), model::loss), planned(preset, type, Model.ACTOR));
        model.release();
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"tiny, FLOAT32", "tiny, BFLOAT16"})
    void criticMatchesAnAdamWStepOfTheTrunkWithAValueHead(String preset, DType type) {
        Gpt2Config config = Gpt2Config.preset(preset);
        Gpt2LMHeadModel model = Gpt2LMHeadModel.random(config, type, 2);
        ValueHead head = new ValueHead(config.nEmbd(), type);
        head.initialize(new TensorRandom(3), 0.02);
        Map<String, Tensor> named = new LinkedHashMap<>(model.namedParameters());
        named.putAll(head.namedParameters());
        Allocated engine = trainOneStep(config, named, ids -> head.forward(model.transformer().forward(ids)).mean());
        assertAgrees(engine, planned(preset, type, Model.CRITIC));
        model.release();
        head.release();
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"tiny, FLOAT32", "tiny, BFLOAT16"})
    void frozenRewardAndReferenceHoldTheirWeightsOnly(String preset, DType type) {
        Gpt2Config config = Gpt2Config.preset(preset);
        Gpt2LMHeadModel reference = Gpt2LMHeadModel.random(config, type, 4);
        reference.freeze();
        Gpt2LMHeadModel rewardTrunk = Gpt2LMHeadModel.random(config, type, 5);
        ScoreHead score = new ScoreHead(config.nEmbd(), type);
        assertAgrees(new Allocated(reference.numParameters(), bytes(reference.parameters()), 0, 0),
                planned(preset, type, Model.REFERENCE));
        List<Tensor> reward = new ArrayList<>(rewardTrunk.parameters());
        reward.addAll(score.parameters());
        long rewardParameters = rewardTrunk.numParameters() + score.numParameters();
        assertAgrees(new Allocated(rewardParameters, bytes(reward), 0, 0), planned(preset, type, Model.REWARD));
        reference.release();
        rewardTrunk.release();
        score.release();
    }

    /** One forward, backward and AdamW step of {@code loss} on random ids; counts what the step left allocated. */
    private static Allocated trainOneStep(Gpt2Config config, Map<String, Tensor> named, Function<Tensor, Tensor> loss) {
        AdamW opt = new AdamW(named, AdamW.Config.torchDefaults(), name -> true);
        TensorRandom random = new TensorRandom(7);
        long[] ids = new long[BATCH * SEQ];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = random.nextLong(config.vocabSize());
        }
        long gradients = 0;
        try (Arena step = Arena.open()) {
            loss.apply(Tensor.ofLongs(ids, BATCH, SEQ)).backward();
            boolean halfParameters = named.values().stream().anyMatch(p -> p.dtype().isHalf());
            if (!halfParameters) {
                opt.step();
            }
            List<Tensor> grads = new ArrayList<>();
            for (Tensor p : named.values()) {
                assertTrue(p.grad() != null, "no gradient reached " + p.name());
                grads.add(p.grad());
            }
            gradients = bytes(grads);
        }
        long parameters = 0;
        for (Tensor p : named.values()) {
            parameters += p.numel();
        }
        Allocated a = new Allocated(parameters, bytes(named.values()), gradients, bytes(opt.moments()));
        opt.release();
        return a;
    }

    private static long bytes(Iterable<Tensor> tensors) {
        long n = 0;
        for (Tensor t : tensors) {
            n += t.numel() * t.dtype().bytes();
        }
        return n;
    }

    /** The planner's row for {@code model} in a PPO step of the preset (PPO has all four models). */
    private static Row planned(String preset, DType type, Model model) {
        return MemoryPlanner.plan(new Workload(ModelShape.preset(preset), Algorithm.PPO, type, null, 0, BATCH, SEQ)).row(model);
    }

    private static void assertAgrees(Allocated engine, Row planned) {
        assertEquals(engine.parameters(), planned.parameters(), planned.name() + ": parameter count");
        assertWithin(engine.weights(), planned.weights(), planned.name() + " weights");
        assertWithin(engine.gradients(), planned.gradients(), planned.name() + " gradients");
        assertWithin(engine.moments(), planned.moments(), planned.name() + " AdamW moments");
    }

    private static void assertWithin(long allocated, long planned, String what) {
        double error = allocated == 0 ? planned : Math.abs(planned - allocated) / (double) allocated;
        assertTrue(error <= TOLERANCE, what + ": planned " + planned + " bytes, rlhf4j allocated " + allocated
                + " (relative error " + error + ")");
    }
}
