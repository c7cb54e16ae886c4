package dev.rlhf4j.rlhf.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report files from made-up evaluation samples: present, well-formed, deterministic, and saying what the numbers say. */
class DemoReportTest {
    private static final int N = 48;
    private static final List<String> PROMPTS = ReviewCorpus.prompts(N, 4);

    /** Corpus completions as a stage's samples; {@code positiveOnly} plays a policy that learned the gold reward. */
    private static StageSamples stage(String name, boolean positiveOnly, double kl, long seed) {
        Random random = new Random(seed);
        List<String> completions = new ArrayList<>();
        for (ReviewCorpus.Review r : ReviewCorpus.generate(20 * N, seed).reviews()) {
            if (completions.size() < N && (!positiveOnly || GoldReward.of(r.completion()) > 0)) {
                completions.add(r.completion() + ReviewCorpus.END);
            }
        }
        double[] rm = GoldReward.of(completions);
        for (int i = 0; i < rm.length; i++) {
            rm[i] += random.nextGaussian();
        }
        return StageSamples.scored(name, PROMPTS, completions, rm, kl);
    }

    private static List<StageSamples> stages() {
        return List.of(stage("sft", false, 0, 1), stage("ppo", true, 4.0, 2), stage("dpo", true, 12.0, 3));
    }

    private static DemoSummary summary(List<StageSamples> stages) {
        double[] gold = stages.get(0).goldRewards();
        double[] rm = stages.get(0).rmScores();
        return DemoSummary.of(7, 123.4, 0.85, rm, gold, 8.0, stages);
    }

    private static DemoCurves curves() {
        double[] epochs = {0.6, 0.75, 0.8};
        double[] ppo = {0.1, 0.5, 0.9, 1.2};
        return new DemoCurves(new double[] {0.65, 0.8, 0.9}, epochs, ppo, new double[] {0.0, 0.4, 0.6, 0.5},
                new double[] {0.0, 0.5, 2.0, 6.0}, new double[] {0.0, 0.2, 0.5}, new double[] {0.5, 0.7, 0.8});
    }

    @Test
    void everyFileIsWrittenAndWellFormed(@TempDir Path dir) throws IOException {
        List<StageSamples> stages = stages();
        DemoSummary summary = summary(stages);
        DemoReport.Written written = DemoReport.write(dir.resolve("run"), summary, curves(), stages, 5);

        JsonNode json = new ObjectMapper().readTree(written.summaryJson().toFile());
        List<String> keys = new ArrayList<>();
        json.fieldNames().forEachRemaining(keys::add);
        assertEquals(List.of("seed", "seconds", "seconds_per_stage", "rm_heldout_accuracy", "rm_gold_pearson", "rm_gold_spearman",
                "heldout_samples", "kl_bound", "best_gold_gain_per_kl", "sft", "ppo", "dpo"), keys);
        assertEquals("ppo", json.get("best_gold_gain_per_kl").asText(), "PPO gained more gold per nat of KL than DPO");
        assertEquals(0.85, json.get("rm_heldout_accuracy").asDouble());
        assertEquals(123.4, json.get("seconds").asDouble());
        for (String name : List.of("sft", "ppo", "dpo")) {
            JsonNode s = json.get(name);
            double mean = s.get("gold_reward_mean").asDouble();
            JsonNode ci = s.get("gold_reward_ci95");
            assertEquals(2, ci.size());
            assertTrue(ci.get(0).asDouble() < mean && mean < ci.get(1).asDouble(), name + " " + ci);
            assertTrue(s.get("rm_score_mean").isNumber() && s.get("kl_to_reference").isNumber());
            assertEquals(!name.equals("sft"), s.has("p_value_vs_sft"), name);
        }
        double p = DemoStatistics.welchPValue(stages.get(1).goldRewards(), stages.get(0).goldRewards());
        assertEquals(p, json.get("ppo").get("p_value_vs_sft").asDouble());
        assertTrue(json.get("ppo").get("beats_sft").asBoolean(), "positive completions at KL 4 < 8");
        assertFalse(json.get("dpo").get("beats_sft").asBoolean(), "KL 12 is above the bound 8");

        assertEquals(List.of(DemoPlots.RM_ACCURACY, DemoPlots.PPO_CURVES, DemoPlots.REWARD_VS_KL, DemoPlots.DPO_CURVES),
                written.plots().stream().map(f -> f.getFileName().toString()).toList());
        for (Path png : written.plots()) {
            BufferedImage image = ImageIO.read(png.toFile());
            assertNotNull(image, png + " is not a readable image");
            assertEquals(800, image.getWidth());
            assertEquals(500, image.getHeight());
        }

        String md = Files.readString(written.reportMd());
        assertTrue(md.contains("| stage | gold reward | 95% CI | RM score | KL to ref | p vs SFT | gain (SFT sd) | gold gain / KL | beats SFT"
                + " |\n|---|---:|"), md);
        for (String row : List.of("| SFT | ", "| PPO | ", "| DPO | ")) {
            assertTrue(md.contains(row), row);
        }
        assertTrue(md.contains("**KL bound:** every stage must stay below 8.000 nats"), md);
        assertTrue(md.contains("- PPO beats SFT") && md.contains("- DPO does not beat SFT"), md);
        assertTrue(md.contains("| prompt | SFT | PPO | DPO |"));
        assertTrue(md.contains("| " + PROMPTS.get(4) + " | "), "the fifth prompt's row");
        assertEquals(5, md.lines().filter(line -> line.startsWith("| Review of the ")).count(), "5 rows of samples");
        for (Path png : written.plots()) {
            assertTrue(md.contains("](" + png.getFileName() + ")"), png.getFileName().toString());
        }
    }

    @Test
    void theSameInputsGiveTheSameText() {
        assertEquals(DemoReport.json(summary(stages())), DemoReport.json(summary(stages())));
        assertEquals(DemoReport.markdown(summary(stages()), stages(), 4), DemoReport.markdown(summary(stages()), stages(), 4));
        assertTrue(DemoReport.json(summary(stages())).endsWith("}\n"));
        assertFalse(DemoReport.json(summary(stages())).contains("\r"));
    }

    @Test
    void anUndefinedFigureIsWrittenAsNull() throws IOException {
        List<StageSamples> stages = stages();
        double[] constant = new double[N];
        DemoSummary summary = DemoSummary.of(1, 1, 0.5, constant, stages.get(0).goldRewards(), 8, stages);
        JsonNode json = new ObjectMapper().readTree(DemoReport.json(summary));
        assertTrue(json.get("rm_gold_pearson").isNull());
        assertTrue(json.get("rm_gold_spearman").isNull());
    }

    @Test
    void theTerminalTableAlignsItsColumns() {
        String text = SummaryTable.text(summary(stages()));
        String[] lines = text.split("\n");
        assertTrue(lines[0].startsWith("stage") && lines[2].startsWith("SFT") && lines[3].startsWith("PPO") && lines[4].startsWith("DPO"), text);
        for (int i = 1; i <= 4; i++) {
            assertEquals(lines[0].length(), lines[i].length(), "line " + i + " of\n" + text);
        }
        DemoSummary summary = summary(stages());
        double ppo = (summary.stage("ppo").goldRewardMean() - summary.stage("sft").goldRewardMean()) / 4.0;
        double dpo = (summary.stage("dpo").goldRewardMean() - summary.stage("sft").goldRewardMean()) / 12.0;
        assertEquals(String.format(java.util.Locale.ROOT, "gold reward per nat of KL: PPO won (PPO %+.3f, DPO %+.3f)", ppo, dpo), lines[5]);
        assertTrue(lines[6].startsWith("reward model: held-out accuracy 0.850"), text);
    }

    @Test
    void onlyPpoAndDpoGateTheVerdictAndTheBestGainPerKlIsNamed() {
        List<StageSamples> stages = List.of(stage("sft", false, 0, 1), stage("ppo", true, 4.0, 2), stage("dpo", true, 5.0, 3),
                stage("grpo", false, 0.5, 4), stage("rloo", true, 1.0, 5));
        DemoSummary summary = summary(stages);
        assertFalse(summary.stage("grpo").beatsSft(summary.klBound()), "a policy no better than SFT");
        assertTrue(summary.accepted(0.8), "GRPO's verdict is reported but does not gate the demo");
        assertEquals("rloo", summary.bestGoldGainPerKl().orElseThrow().stage(), "the same gain as PPO's for a quarter of the KL");
        List<StageSamples> failing = List.of(stages.get(0), stages.get(1), stage("dpo", false, 5.0, 3));
        assertFalse(summary(failing).accepted(0.8), "DPO still gates it");
        String md = DemoReport.markdown(summary, stages, 3);
        assertTrue(md.contains("- GRPO does not beat SFT") && md.contains("(reported, not part of the demo's verdict)"), md);
        assertTrue(md.contains("| GRPO |") && md.contains("| RLOO |"), md);
    }

    @Test
    void completionsAreEscapedForMarkdown() {
        assertEquals("It is great.", DemoReport.cell(" It is great." + ReviewCorpus.END));
        assertEquals("a \\| b &lt;x&gt; …", DemoReport.cell(" a | b <x>"));
        assertEquals("(empty)", DemoReport.cell(ReviewCorpus.END));
    }

    @Test
    void badInputIsNamed() {
        List<StageSamples> stages = stages();
        IllegalArgumentException notSft = assertThrows(IllegalArgumentException.class,
                () -> DemoSummary.of(1, 1, 0.9, new double[] {1, 2}, new double[] {1, 3}, 8, stages.subList(1, 3)));
        assertTrue(notSft.getMessage().contains("'sft'"), notSft.getMessage());
        StageSamples other = StageSamples.scored("ppo", ReviewCorpus.prompts(N, 99), stages.get(1).completions(),
                stages.get(1).rmScores(), 1);
        IllegalArgumentException prompts = assertThrows(IllegalArgumentException.class,
                () -> DemoSummary.of(1, 1, 0.9, new double[] {1, 2}, new double[] {1, 3}, 8, List.of(stages.get(0), other)));
        assertTrue(prompts.getMessage().contains("'ppo'"), prompts.getMessage());
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> new StageSamples("sft", List.of("a", "b"), List.of("x", "y"), new double[] {1, Double.NaN}, new double[2], 0));
        assertTrue(nan.getMessage().contains("goldRewards[1]"), nan.getMessage());
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> new DemoCurves(new double[0], new double[0], new double[1], new double[1], new double[1], new double[1], new double[1]));
        assertTrue(empty.getMessage().contains("rmTrainAccuracy"), empty.getMessage());
    }
}
