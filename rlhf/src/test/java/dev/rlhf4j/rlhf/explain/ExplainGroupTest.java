package dev.rlhf4j.rlhf.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.rlhf.cli.CommandRun;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code explain grpo|rloo}: the group's baselines and advantages, the ratios, KL and loss terms recomputed from the
 * printed columns, the trainers' metrics from them, and the explained step bit-for-bit a plain step of the same seed.
 */
class ExplainGroupTest {
    private static final double TOL = 2e-5;
    private static final int G = GroupExplainer.GENERATIONS;

    @Test
    void grpoAdvantagesRatiosKlAndLossFollowFromTheColumns(@TempDir Path dir) throws Exception {
        ExplainRecord r = run("grpo", dir);
        double beta = r.setting("beta");
        double eps = r.setting("epsilon");
        double epsHigh = r.setting("epsilon_high");
        double[] reward = perRow(r, r.column("reward"));
        double[] adv = perRow(r, r.column("adv"));
        double[][] old = r.column("old_logp");
        double[][] ref = r.column("ref_logp");
        double[][] now = r.column("new_logp");
        double[][] ratio = r.column("ratio");
        double[][] kl = r.column("kl_k3");
        double[][] term = r.column("loss_term");
        double loss = 0;
        double klSum = 0;
        int tokens = 0;
        for (int i = 0; i < r.rows(); i++) {
            int g = i / G;
            double mean = 0;
            for (int j = g * G; j < (g + 1) * G; j++) {
                mean += reward[j] / G;
            }
            double ss = 0;
            for (int j = g * G; j < (g + 1) * G; j++) {
                ss += (reward[j] - mean) * (reward[j] - mean);
            }
            assertEquals((reward[i] - mean) / (Math.sqrt(ss / (G - 1)) + 1e-4), adv[i], 1e-9, "A_i from the group's rewards");
            double rowLoss = 0;
            int n = 0;
            for (int t = 0; t < r.width(); t++) {
                if (!r.selected(i, t)) {
                    continue;
                }
                assertEquals(Math.exp(now[i][t] - old[i][t]), ratio[i][t], TOL, "ratio");
                double d = ref[i][t] - now[i][t];
                assertEquals(Math.exp(d) - 1 - d, kl[i][t], TOL, "k3");
                double rho = ratio[i][t];
                double l = -Math.min(rho * adv[i], Math.min(Math.max(rho, 1 - eps), 1 + epsHigh) * adv[i]) + beta * kl[i][t];
                assertEquals(l, term[i][t], TOL, "loss term");
                double d0 = ref[i][t] - old[i][t];                 // the training pass: rho = 1, k3 at log pi_old
                rowLoss += -adv[i] + beta * (Math.exp(d0) - 1 - d0);
                klSum += Math.exp(d0) - 1 - d0;
                n++;
                tokens++;
            }
            loss += rowLoss / n / r.rows();
        }
        assertEquals(loss, r.metric("loss"), 1e-6, "loss = 1/G sum_i 1/|o_i| sum_t l_it");
        assertEquals(klSum / tokens, r.metric("kl"), 1e-7, "kl = mean k3");
        assertEquals(mean(reward), r.metric("reward"), 1e-9);
        assertTrue(klSum > 0, "the policy has left the reference");
        assertEquals(reward[0], r.sequence("r_0 (shown)"), 1e-12);
        assertEquals(adv[2], r.sequence("A_2 = (r_2 - mean) / (std + 1e-4)"), 1e-12);
    }

    @Test
    void rlooBaselinesAdvantagesAndRatiosFollowFromTheColumns(@TempDir Path dir) throws Exception {
        ExplainRecord r = run("rloo", dir);
        double beta = r.setting("beta");
        double eps = r.setting("epsilon");
        double epsHigh = r.setting("epsilon_high");
        double[][] old = r.column("old_logp");
        double[][] ref = r.column("ref_logp");
        double[][] kl = r.column("kl_k1");
        double[][] now = r.column("new_logp");
        double[] reward = perRow(r, r.column("reward"));
        double[] pen = perRow(r, r.column("penalised"));
        double[] baseline = perRow(r, r.column("baseline"));
        double[] adv = perRow(r, r.column("adv"));
        double[] ratio = perRow(r, r.column("ratio"));
        double[] term = perRow(r, r.column("loss_term"));
        double[] seqKl = new double[r.rows()];
        double[] logRatio = new double[r.rows()];
        for (int i = 0; i < r.rows(); i++) {
            for (int t = 0; t < r.width(); t++) {
                if (r.selected(i, t)) {
                    assertEquals(old[i][t] - ref[i][t], kl[i][t], 1e-12, "kl = old_logp - ref_logp");
                    seqKl[i] += kl[i][t];
                    logRatio[i] += now[i][t] - old[i][t];
                }
            }
            assertEquals(reward[i] - beta * seqKl[i], pen[i], TOL, "r' = r - beta sum kl");
        }
        double loss = 0;
        for (int i = 0; i < r.rows(); i++) {
            int g = i / G;
            double others = 0;
            for (int j = g * G; j < (g + 1) * G; j++) {
                others += j == i ? 0 : pen[j] / (G - 1);
            }
            assertEquals(others, baseline[i], TOL, "leave-one-out baseline");
            assertEquals(pen[i] - baseline[i], adv[i], TOL, "A = r' - b");
            assertEquals(Math.exp(logRatio[i]), ratio[i], TOL, "sequence ratio");
            double rho = ratio[i];
            assertEquals(-Math.min(rho * adv[i], Math.min(Math.max(rho, 1 - eps), 1 + epsHigh) * adv[i]), term[i], TOL, "loss term");
            loss += -adv[i] / r.rows();
        }
        assertEquals(loss, r.metric("loss"), 1e-6, "loss at the training pass (rho = 1) = mean -A");
        assertEquals(mean(seqKl), r.metric("kl"), TOL, "kl = mean sequence KL");
        assertEquals(mean(reward), r.metric("reward"), 1e-9);
        assertTrue(Math.abs(mean(seqKl)) > 1e-5, "the policy has left the reference");
    }

    @Test
    void theExplainedStepsAreThePlainTrainersBitForBit() {
        for (boolean grpo : new boolean[] {true, false}) {
            TinyPolicy a = TinyPolicy.of(9);
            TinyPolicy b = TinyPolicy.of(9);
            try (GroupExplainer explained = new GroupExplainer(grpo, a.model(), a.tokenizer(), TinyPolicy.prompts(a.tokenizer(), 4, 9), 9);
                 GroupExplainer plain = new GroupExplainer(grpo, b.model(), b.tokenizer(), TinyPolicy.prompts(b.tokenizer(), 4, 9), 9)) {
                Map<String, Double> shown = explained.explain(0).metrics();
                plain.step();
                Map<String, Double> trained = plain.step();
                ExplainPpoTest.assertSameWeights(b.model().namedParameters(), a.model().namedParameters());
                ExplainDpoTest.assertSameMetrics(trained, shown);
            } finally {
                a.model().release();
                b.model().release();
            }
        }
    }

    private static ExplainRecord run(String algorithm, Path dir) throws Exception {
        Path json = dir.resolve(algorithm + ".json");
        CommandRun run = CommandRun.of("explain", algorithm, "--seed", "13", "--json", json.toString());
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("loss_term") && run.out().contains("clip_ratio/low_mean"), run.out());
        return ExplainRecord.read(json);
    }

    /** A row-constant column's value per row, checked constant along the row's completion. */
    private static double[] perRow(ExplainRecord r, double[][] column) {
        double[] out = new double[r.rows()];
        for (int i = 0; i < r.rows(); i++) {
            int first = -1;
            for (int t = 0; t < r.width(); t++) {
                if (r.selected(i, t)) {
                    if (first < 0) {
                        first = t;
                        out[i] = column[i][t];
                    }
                    assertEquals(out[i], column[i][t], 0.0, "row " + i + " is constant along its completion");
                }
            }
        }
        return out;
    }

    private static double mean(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v / x.length;
        }
        return s;
    }
}
