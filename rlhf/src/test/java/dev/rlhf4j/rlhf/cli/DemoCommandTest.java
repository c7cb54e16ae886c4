package dev.rlhf4j.rlhf.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./rlhf4j demo --quick}: the whole pipeline at toy sizes, in process, and every file of its report. */
class DemoCommandTest {
    @TempDir
    static Path dir;
    private static CommandRun first;

    @BeforeAll
    static void runOnce() {
        first = CommandRun.of("demo", "--quick", "--seed", "3", "--out", dir.resolve("a").toString());
    }

    @Test
    void runsThePipelineAndPrintsTheTableAndTheReportPath() {
        assertEquals(0, first.exit(), first.err());
        for (String stage : List.of("1 corpus", "2 sft", "3 pairs", "4 reward model", "5 ppo", "6 dpo", "7 grpo", "8 rloo",
                "9 evaluation")) {
            assertTrue(first.out().contains(stage + ":"), "no result line for " + stage + ":\n" + first.out());
        }
        assertTrue(first.out().matches("(?s).*\\nSFT .*\\nPPO .*\\nDPO .*\\nGRPO .*\\nRLOO .*"), first.out());
        assertTrue(first.out().matches("(?s).*gold reward per nat of KL: [A-Z]+ won.*"), first.out());
        assertTrue(first.out().contains("GRPO ") && first.out().contains("SFT (gain") && first.out().contains("; not part of the verdict"),
                first.out());
        assertTrue(first.out().contains("Report: " + dir.resolve("a").resolve("report.md").toAbsolutePath()), first.out());
    }

    @Test
    void summaryJsonHasEveryFigureOfEveryStage() throws IOException {
        JsonNode summary = new ObjectMapper().readTree(dir.resolve("a").resolve("summary.json").toFile());
        assertEquals(3, summary.get("seed").asLong());
        assertTrue(summary.get("seconds").asDouble() > 0);
        double accuracy = summary.get("rm_heldout_accuracy").asDouble(-1);
        assertTrue(accuracy >= 0 && accuracy <= 1, "rm_heldout_accuracy " + accuracy);
        assertTrue(summary.get("kl_bound").asDouble() > 0);
        JsonNode split = summary.get("seconds_per_stage");
        for (String stage : List.of("corpus", "sft", "pairs", "reward", "ppo", "dpo", "grpo", "rloo", "evaluation")) {
            assertTrue(split.get(stage).asDouble(-1) >= 0, "seconds_per_stage." + stage + " in " + split);
        }
        String best = summary.get("best_gold_gain_per_kl").asText();
        assertTrue(List.of("ppo", "dpo", "grpo", "rloo").contains(best), best);
        for (String stage : List.of("sft", "ppo", "dpo", "grpo", "rloo")) {
            JsonNode s = summary.get(stage);
            assertNotNull(s, "no " + stage + " in " + summary);
            double mean = s.get("gold_reward_mean").asDouble();
            JsonNode ci = s.get("gold_reward_ci95");
            assertEquals(2, ci.size(), stage + " gold_reward_ci95");
            assertTrue(ci.get(0).asDouble() <= mean && mean <= ci.get(1).asDouble(), stage + ": " + ci + " around " + mean);
            assertTrue(s.get("rm_score_mean").isNumber(), stage + " rm_score_mean");
            assertTrue(s.get("kl_to_reference").isNumber(), stage + " kl_to_reference");
            if (stage.equals("sft")) {
                assertEquals(0.0, s.get("kl_to_reference").asDouble());
                assertTrue(s.get("p_value_vs_sft") == null);
            } else {
                double p = s.get("p_value_vs_sft").asDouble(-1);
                assertTrue(p >= 0 && p <= 1, stage + " p_value_vs_sft " + p);
                assertTrue(s.get("gold_gain_in_sft_sd").isNumber() && s.get("beats_sft").isBoolean(), stage + ": " + s);
                double kl = s.get("kl_to_reference").asDouble();
                double perKl = (mean - summary.get("sft").get("gold_reward_mean").asDouble()) / kl;
                if (kl > 0) {
                    assertEquals(perKl, s.get("gold_gain_per_kl").asDouble(), 1e-12 * Math.max(1, Math.abs(perKl)), stage);
                } else {
                    assertTrue(s.get("gold_gain_per_kl").isNull(), stage + ": no gain per KL without a positive KL");
                }
            }
        }
    }

    @Test
    void reportMarkdownHasTheTableAndItsPlotsAreReadablePngs() throws IOException {
        String md = Files.readString(dir.resolve("a").resolve("report.md"));
        assertTrue(md.contains("| stage |"), md);
        for (String stage : List.of("SFT", "PPO", "DPO", "GRPO", "RLOO")) {
            assertTrue(md.contains("\n| " + stage + " |"), "no table row for " + stage + ":\n" + md);
        }
        assertTrue(md.contains("**Gold reward per nat of KL:** ") && md.contains(" won ("), md);
        assertTrue(md.contains("**Seconds per stage:** corpus "), md);
        assertTrue(md.contains("Held-out pairwise accuracy"), md);
        assertTrue(md.contains("Pearson") && md.contains("Spearman"), md);
        Matcher images = Pattern.compile("!\\[[^]]*]\\(([^)]+)\\)").matcher(md);
        int plots = 0;
        while (images.find()) {
            BufferedImage image = ImageIO.read(dir.resolve("a").resolve(images.group(1)).toFile());
            assertNotNull(image, images.group(1) + " is not a readable image");
            assertTrue(image.getWidth() > 100 && image.getHeight() > 100, images.group(1));
            plots++;
        }
        assertEquals(6, plots, "report.md should show the four plots and GRPO's and RLOO's curves");
        assertTrue(md.contains("(grpo_curves.png)") && md.contains("(rloo_curves.png)"), md);
    }

    /**
     * Two runs of the command, each in a JVM of its own as a user runs it, give the same summary.json but for
     * {@code seconds}. (Within the test runner's JVM a second run can differ from the first in the last bits of the
     * reward-model scores, so the runs are separate processes.)
     */
    @Test
    void theSameSeedGivesTheSameSummaryApartFromSeconds() throws IOException, InterruptedException {
        Path b = dir.resolve("b");
        Path c = dir.resolve("c");
        assertEquals(0, separateJvm("demo", "--quick", "--seed", "5", "--quiet", "--out", b.toString()));
        assertEquals(0, separateJvm("demo", "--quick", "--seed", "5", "--quiet", "--out", c.toString()));
        assertEquals(withoutSeconds(b), withoutSeconds(c));
    }

    private static int separateJvm(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("jvm.log").toFile()).start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("rlhf4j " + String.join(" ", args) + " did not finish in 120 s");
        }
        return process.exitValue();
    }

    private static JsonNode withoutSeconds(Path run) throws IOException {
        ObjectNode summary = (ObjectNode) new ObjectMapper().readTree(run.resolve("summary.json").toFile());
        summary.remove("seconds");
        summary.remove("seconds_per_stage");
        return summary;
    }
}
