package dev.rlhf4j.rlhf.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Every config follows one idiom: TRL's preset, a builder with one setter per hyper-parameter, null for unset. */
class ConfigIdiomTest {
    private static final List<Record> PRESETS = List.of(SftConfig.trlDefaults(), RewardConfig.trlDefaults(),
            DpoConfig.trlDefaults(), PpoTrainerConfig.trlDefaults(), GrpoConfig.trlDefaults(), RlooConfig.trlDefaults());

    @Test
    void eachBuilderHasOneSetterPerHyperParameterAndRebuildsThePreset() throws ReflectiveOperationException {
        for (Record preset : PRESETS) {
            Object builder = preset.getClass().getMethod("toBuilder").invoke(preset);
            Set<String> setters = Arrays.stream(builder.getClass().getMethods())
                    .filter(m -> m.getParameterCount() == 1 && !Modifier.isStatic(m.getModifiers())
                            && m.getReturnType().isInstance(builder) && !m.getDeclaringClass().equals(Object.class))
                    .map(Method::getName).collect(Collectors.toCollection(TreeSet::new));
            Set<String> leaves = new TreeSet<>(RecordTree.values(preset).keySet());
            assertEquals(leaves, setters, preset.getClass().getSimpleName());
            assertEquals(preset, builder.getClass().getMethod("build").invoke(builder), preset.getClass().getSimpleName());
        }
    }

    @Test
    void aBuilderChangesOnlyWhatItIsToldAndRunsTheChecks() {
        SftConfig preset = SftConfig.trlDefaults();
        SftConfig changed = preset.toBuilder().learningRate(1e-3).seed(7).build();
        assertEquals(1e-3, changed.optimization().learningRate());
        assertEquals(7, changed.batching().seed());
        assertEquals(preset.adam(), changed.adam());
        assertEquals(preset.schedule(), changed.schedule());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GrpoConfig.trlDefaults().toBuilder().numGenerations(3).build());
        assertTrue(e.getMessage().contains("num_generations"), e.getMessage());
    }

    @Test
    void hyperParameterNamesAreUniqueWithinAConfig() {
        for (Record preset : PRESETS) {
            int leaves = RecordTree.leaves(preset.getClass()).size();
            assertEquals(leaves, RecordTree.values(preset).size(), preset.getClass().getSimpleName());
        }
        assertEquals(28, RecordTree.leaves(PpoTrainerConfig.class).size(), "TRL's PPO fields and ours");
    }

    @Test
    void noClippingIsNullOrZeroAndBothReadAsNone() {
        assertEquals(OptimizerStep.NO_CLIPPING, OptimizerStep.maxGradNorm(new Optimization(1e-3, 0.0, null, 5).maxGradNorm()));
        assertEquals(OptimizerStep.NO_CLIPPING, OptimizerStep.maxGradNorm(new Optimization(1e-3, 0.0, 0.0, 5).maxGradNorm()));
        assertEquals(0.5, OptimizerStep.maxGradNorm(new Optimization(1e-3, 0.0, 0.5, 5).maxGradNorm()));
        assertThrows(IllegalArgumentException.class, () -> new Optimization(1e-3, 0.0, -1.0, 5));
    }
}
