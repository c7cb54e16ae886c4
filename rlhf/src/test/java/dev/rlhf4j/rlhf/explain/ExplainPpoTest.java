package dev.rlhf4j.rlhf.explain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.rlhf.cli.CommandRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code explain ppo}: every number of the printed record recomputed from the other columns by the formula its header
 * prints, and the explained iteration bit-for-bit a plain {@code PpoTrainer} iteration of the same seed.
 */
class ExplainPpoTest {
    private static final double TOL = 2e-5;

    @Test
    void everyColumnFollowsFromTheColumnsBeforeIt(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("ppo.json");
        Path md = dir.resolve("ppo.md");
        CommandRun run = CommandRun.of("explain", "ppo", "--seed", "7", "--json", json.toString(), "--markdown", md.toString());
        assertEquals(0, run.exit(), run.err());
        ExplainRecord r = ExplainRecord.read(json);
        double beta = r.setting("beta (kl_coef)");
        double gamma = r.setting("gamma");
        double lam = r.setting("lam");
        double eps = r.setting("eps (cliprange)");
        double c = r.setting("c (cliprange_value)");
        double[][] logp = r.column("logp");
        double[][] ref = r.column("ref_logp");
        double[][] kl = r.column("kl_k1");
        double[][] reward = r.column("reward");
        double[][] value = r.column("value");
        double[][] delta = r.column("delta");
        double[][] adv = r.column("adv");
        double[][] white = r.column("white_adv");
        double[][] ret = r.column("return");
        double[][] newLogp = r.column("new_logp");
        double[][] ratio = r.column("ratio");
        double[][] clipped = r.column("clipped");
        double[][] pg = r.column("pg_term");
        double[][] newValue = r.column("new_value");
        double[][] vf = r.column("vf_term");
        int n = 0;
        double sumA = 0;
        double sumPg = 0;
        double sumVf = 0;
        double sumNegWhite = 0;
        double sumValueErr = 0;
        double klSum = 0;
        double maxKl = 0;
        for (int b = 0; b < r.rows(); b++) {
            int last = r.last(b);
            double nextA = 0;
            double nextV = 0;
            for (int t = r.width() - 1; t >= 0; t--) {
                if (!r.selected(b, t)) {
                    continue;
                }
                assertEquals(logp[b][t] - ref[b][t], kl[b][t], TOL, "kl = logp - ref_logp");
                double score = t == last ? reward[b][t] + beta * kl[b][t] : 0;
                assertEquals(-beta * kl[b][t] + score, reward[b][t], TOL, "r_t = -beta kl_t (+ score)");
                assertEquals(reward[b][t] + gamma * nextV - value[b][t], delta[b][t], TOL, "delta");
                assertEquals(delta[b][t] + gamma * lam * nextA, adv[b][t], TOL, "GAE recursion");
                assertEquals(adv[b][t] + value[b][t], ret[b][t], TOL, "return = A + V");
                assertEquals(Math.exp(newLogp[b][t] - logp[b][t]), ratio[b][t], TOL, "ratio");
                double a = white[b][t];
                double unclippedTerm = -a * ratio[b][t];
                double clippedTerm = -a * Math.min(Math.max(ratio[b][t], 1 - eps), 1 + eps);
                assertEquals(Math.max(unclippedTerm, clippedTerm), pg[b][t], TOL, "pg term");
                assertEquals(clippedTerm > unclippedTerm ? 1.0 : 0.0, clipped[b][t], "clipped flag");
                double vClip = value[b][t] + Math.min(Math.max(newValue[b][t] - value[b][t], -c), c);
                assertEquals(0.5 * Math.max(sq(newValue[b][t] - ret[b][t]), sq(vClip - ret[b][t])), vf[b][t], TOL, "vf term");
                nextA = adv[b][t];
                nextV = value[b][t];
                n++;
                sumA += adv[b][t];
                sumPg += pg[b][t];
                sumVf += vf[b][t];
                sumNegWhite += -white[b][t];
                sumValueErr += sq(value[b][t] - ret[b][t]);
                klSum += kl[b][t];
                maxKl = Math.max(maxKl, Math.abs(kl[b][t]));
            }
        }
        assertTrue(maxKl > 1e-4, "the explained iteration's actor has left the reference: " + maxKl);
        // the whitened advantages: mean 0, unbiased variance 1 over the batch's tokens
        double mean = sumA / n;
        double var = 0;
        for (int b = 0; b < r.rows(); b++) {
            for (int t = 0; t < r.width(); t++) {
                var += r.selected(b, t) ? sq(adv[b][t] - mean) : 0;
            }
        }
        var /= n - 1;
        for (int b = 0; b < r.rows(); b++) {
            for (int t = 0; t < r.width(); t++) {
                if (r.selected(b, t)) {
                    assertEquals((adv[b][t] - mean) / Math.sqrt(var + 1e-8), white[b][t], TOL, "whitening");
                }
            }
        }
        // the trainer's metrics from the columns: one minibatch, one epoch, so its loss saw ratio 1 and V = V_old
        assertEquals(sumNegWhite / n, r.metric("loss/policy_avg"), 1e-6, "loss/policy_avg = mean -A'");
        assertEquals(0.5 * sumValueErr / n, r.metric("loss/value_avg"), TOL, "loss/value_avg = 0.5 mean (V_old - R)^2");
        assertEquals(klSum / r.rows(), r.metric("objective/kl"), TOL, "objective/kl = mean over rows of sum kl");
        assertEquals(beta, r.metric("objective/kl_coef"), 0.0);
        assertEquals(sumPg / n, r.sequence("batch: pg loss after = mean pg_term"), TOL);
        assertEquals(sumVf / n, r.sequence("batch: vf loss after = mean vf_term"), TOL);
        // what is printed is what is recorded: the formulas, and row 0's first scored token with 4 decimals
        int t0 = 0;
        while (!r.selected(0, t0)) {
            t0++;
        }
        assertTrue(run.out().contains(r.formula("delta")), run.out());
        assertTrue(run.out().contains(String.format(Locale.ROOT, "%9.4f %9.4f %9.4f", logp[0][t0], ref[0][t0], kl[0][t0])), run.out());
        assertTrue(run.out().contains("loss/policy_avg"), run.out());
        String markdown = Files.readString(md);
        assertTrue(markdown.contains("| " + t0 + " |") && markdown.contains("`" + r.formula("ratio") + "`"), markdown);
    }

    @Test
    void theExplainedIterationIsThePlainTrainersBitForBit() {
        TinyPolicy a = TinyPolicy.of(11);
        TinyPolicy b = TinyPolicy.of(11);
        try (PpoExplainer explained = new PpoExplainer(a.model(), a.tokenizer(), TinyPolicy.prompts(a.tokenizer(), PpoExplainer.BATCH, 11), 11);
             PpoExplainer plain = new PpoExplainer(b.model(), b.tokenizer(), TinyPolicy.prompts(b.tokenizer(), PpoExplainer.BATCH, 11), 11)) {
            Map<String, Double> shown = explained.explain(0).metrics();
            plain.trainer().iterate();
            Map<String, Double> trained = plain.trainer().iterate();
            assertSameWeights(b.model().namedParameters(), a.model().namedParameters());
            assertSameWeights(plain.critic().trainableParameters(), explained.critic().trainableParameters());
            ExplainDpoTest.assertSameMetrics(trained, shown);
        } finally {
            a.model().release();
            b.model().release();
        }
    }

    static void assertSameWeights(Map<String, Tensor> expected, Map<String, Tensor> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        for (String name : expected.keySet()) {
            assertArrayEquals(expected.get(name).toDoubleArray(), actual.get(name).toDoubleArray(), 0.0, name);
        }
    }

    private static double sq(double x) {
        return x * x;
    }
}
