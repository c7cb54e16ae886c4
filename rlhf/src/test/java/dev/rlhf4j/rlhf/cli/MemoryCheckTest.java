package dev.rlhf4j.rlhf.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.MemoryLimits;
import dev.rlhf4j.nn.gpt2.Gpt2Config;
import dev.rlhf4j.rlhf.assembly.MemoryCheck;
import dev.rlhf4j.rlhf.memory.MemoryPlanner;
import dev.rlhf4j.rlhf.memory.ModelShape;
import dev.rlhf4j.rlhf.memory.Workload;
import dev.rlhf4j.rlhf.memory.Workload.Algorithm;
import dev.rlhf4j.rlhf.memory.Workload.Model;
import dev.rlhf4j.rlhf.reference.ReferenceKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link MemoryCheck}: a training run whose planned memory exceeds what JavaCPP lets ND4J allocate is refused before a
 * weight is loaded, in one line with the planned bytes, the limit and what to change; the tiny runs of the tests are
 * far below the limit. The limits are a parameter, so a tiny plan meets a tiny limit here.
 */
class MemoryCheckTest {
    private static final long G = 1L << 30;
    private static final ModelShape TINY = ModelShape.of("tiny", Gpt2Config.tiny());

    @TempDir
    Path dir;

    private static MemoryCheck ppo(ReferenceKind reference, int loraRank) {
        return new MemoryCheck("ppo", Algorithm.PPO, TINY, reference, loraRank, true, true, 4, 32, "--per-device-train-batch-size");
    }

    private static MemoryCheck grpo(ReferenceKind reference, boolean rewardModel) {
        return new MemoryCheck("grpo", Algorithm.GRPO, TINY, reference, 0, true, rewardModel, 4, 32, "--per-device-train-batch-size");
    }

    @Test
    void aPlanOverMaxBytesIsRefusedWithTheNumbersAndWhatToChange() {
        MemoryCheck check = ppo(ReferenceKind.FROZEN, 0);
        long planned = check.plannedBytes();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> check.require(new MemoryLimits(G, planned - 1, 0)));
        String m = e.getMessage();
        assertFalse(m.contains("\n"), m);
        assertTrue(m.startsWith("ppo plans ") && m.contains("(" + planned + " bytes)") && m.contains("(" + (planned - 1) + " bytes)"), m);
        assertTrue(m.contains("4 sequences of 32 positions") && m.contains("org.bytedeco.javacpp.maxbytes"), m);
        assertTrue(m.contains("RLHF4J_JAVA_OPTS=") && m.contains("lower --per-device-train-batch-size") && m.contains("--lora-r")
                && m.contains("--reference bf16"), m);
        check.require(new MemoryLimits(G, planned, 0));
        check.require(new MemoryLimits(G, 0, 0));
    }

    @Test
    void aPlanOverThePhysicalLimitLessTheHeapIsRefusedNamingIt() {
        MemoryCheck check = ppo(ReferenceKind.LORA_DISABLED, 4);
        long planned = check.plannedBytes();
        String m = assertThrows(IllegalArgumentException.class,
                () -> check.require(new MemoryLimits(G, 16 * G, G + planned - 1))).getMessage();
        assertTrue(m.contains("org.bytedeco.javacpp.maxphysicalbytes") && m.contains("Java heap"), m);
        assertFalse(m.contains("--lora-r 8") || m.contains("--reference bf16"), "LoRA and no copied reference already: " + m);
        check.require(new MemoryLimits(G, 16 * G, G + planned));
    }

    @Test
    void theTotalCountsThePlannersRowsOfTheModelsTheRunLoads() {
        Workload ppo = new Workload(TINY, Algorithm.PPO, DType.FLOAT32, Workload.Reference.COPY, 0, 4, 32);
        assertEquals(MemoryPlanner.plan(ppo).total().total(), ppo(ReferenceKind.FROZEN, 0).plannedBytes(), "PPO: all four rows");
        // LoRA with a frozen copy: the copy's float32 weights on top of the reference that is the policy with its adapters off
        assertEquals(4 * TINY.numParameters(), ppo(ReferenceKind.FROZEN, 8).plannedBytes() - ppo(ReferenceKind.LORA_DISABLED, 8).plannedBytes());
        Workload grpo = new Workload(TINY, Algorithm.GRPO, DType.FLOAT32, Workload.Reference.COPY, 0, 4, 32);
        long reward = MemoryPlanner.plan(grpo).row(Model.REWARD).total();
        long reference = MemoryPlanner.plan(grpo).row(Model.REFERENCE).total();
        assertTrue(reward > 0 && reference > 0);
        assertEquals(reward, grpo(ReferenceKind.FROZEN, true).plannedBytes() - grpo(ReferenceKind.FROZEN, false).plannedBytes(),
                "rule rewards alone load no reward model");
        assertEquals(reference, grpo(ReferenceKind.FROZEN, false).plannedBytes() - grpo(null, false).plannedBytes(),
                "beta 0 loads no reference");
    }

    @Test
    void theTestsTinyRunsAreFarBelowThisJvmsBudget() {
        long budget = MemoryLimits.current().tensorBudget();
        assertTrue(ppo(ReferenceKind.FROZEN, 0).plannedBytes() * 100 < budget, "budget " + budget);
        MemoryCheck gpt2 = new MemoryCheck("sft", Algorithm.SFT, ModelShape.of("gpt2", Gpt2Config.gpt2()), null, 0, false, false, 8,
                128, "--per-device-train-batch-size");
        assertTrue(gpt2.plannedBytes() < 4 * G, "GPT-2 SFT, 8 x 128 tokens: " + gpt2.plannedBytes());
    }

    /**
     * End to end: {@code sft} in a child JVM whose JavaCPP may allocate 64 KB is refused with the numbers before any
     * weight is read (nothing of ND4J has to fit), exit 1, and no run folder.
     */
    @Test
    void anSftRunOverTheChildJvmsLimitIsRefusedBeforeLoadingWithoutARunFolder() throws Exception {
        Path model = TinyRunFiles.model(dir.resolve("tiny"));
        Path run = dir.resolve("run");
        List<String> command = KillResumeTest.childJvm(List.of("-Dorg.bytedeco.javacpp.maxbytes=64K"), List.of("sft", "--model",
                model.toString(), "--data", TinyRunFiles.sft(dir.resolve("sft.jsonl")).toString(), "--out", run.toString(), "--quiet"));
        Path log = dir.resolve("child.log");
        Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child finished");
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(1, child.exitValue(), out);
        Matcher m = Pattern.compile("(?m)^rlhf4j sft: sft plans [0-9.]+ MB \\((\\d+) bytes\\) for one step of tiny on 8 sequences of \\d+"
                + " positions .* more than the 0\\.07 MB \\(65536 bytes\\) ND4J may allocate \\(org\\.bytedeco\\.javacpp\\.maxbytes"
                + " 0\\.07 MB\\): raise the limit .*$").matcher(out);
        assertTrue(m.find(), out);
        assertTrue(Long.parseLong(m.group(1)) > 65536, out);
        assertFalse(out.contains("\tat "), "no stack trace: " + out);
        assertFalse(Files.exists(run), "no run folder for a refused run");
    }
}
