package dev.rlhf4j.rlhf.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.rlhf.cli.CommandRun;
import dev.rlhf4j.rlhf.train.MetricsSink;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code explain dpo}: the sums, rewards, margins and losses recomputed from the per-token columns, and the explained
 * step bit-for-bit a plain {@code DpoTrainer} step of the same seed.
 */
class ExplainDpoTest {
    private static final double TOL = 1e-4;

    @Test
    void sumsMarginAndLossFollowFromThePerTokenColumns(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("dpo.json");
        CommandRun run = CommandRun.of("explain", "dpo", "--seed", "5", "--json", json.toString());
        assertEquals(0, run.exit(), run.err());
        ExplainRecord r = ExplainRecord.read(json);
        double beta = r.setting("beta");
        double[][] logp = r.column("logp");
        double[][] ref = r.column("ref_logp");
        double[][] ratio = r.column("log_ratio");
        int pairs = r.rows() / 2;
        double[] logRatioSum = new double[r.rows()];
        double[] logpSum = new double[r.rows()];
        double[] refSum = new double[r.rows()];
        for (int b = 0; b < r.rows(); b++) {
            for (int t = 0; t < r.width(); t++) {
                if (r.selected(b, t)) {
                    assertEquals(logp[b][t] - ref[b][t], ratio[b][t], 1e-6, "log_ratio = logp - ref_logp");
                    logRatioSum[b] += ratio[b][t];
                    logpSum[b] += logp[b][t];
                    refSum[b] += ref[b][t];
                }
            }
        }
        double loss = 0;
        double chosenRewards = 0;
        double rejectedRewards = 0;
        double accuracy = 0;
        double chosenLogps = 0;
        for (int i = 0; i < pairs; i++) {
            double margin = beta * (logRatioSum[i] - logRatioSum[pairs + i]);
            loss += -Math.log(1 / (1 + Math.exp(-margin))) / pairs;
            chosenRewards += beta * logRatioSum[i] / pairs;
            rejectedRewards += beta * logRatioSum[pairs + i] / pairs;
            accuracy += (margin > 0 ? 1.0 : 0.0) / pairs;
            chosenLogps += logpSum[i] / pairs;
        }
        assertTrue(Math.abs(logRatioSum[0]) > 1e-4, "the explained step's policy has left the reference");
        assertEquals(loss, r.metric("loss"), TOL, "loss = mean -log sigmoid(beta h)");
        assertEquals(chosenRewards, r.metric("rewards/chosen"), TOL);
        assertEquals(rejectedRewards, r.metric("rewards/rejected"), TOL);
        assertEquals(chosenRewards - rejectedRewards, r.metric("rewards/margins"), TOL);
        assertEquals(accuracy, r.metric("rewards/accuracies"), 0.0);
        assertEquals(chosenLogps, r.metric("logps/chosen"), TOL);
        // the shown pair (0): its sums and its loss from its two rows of the table
        assertEquals(logpSum[0], r.sequence("log pi(y_c|x) = sum logp (chosen)"), TOL);
        assertEquals(refSum[pairs], r.sequence("log ref(y_r|x) = sum ref_logp (rejected)"), TOL);
        assertEquals(logRatioSum[0], r.sequence("chosen log-ratio = sum log_ratio (chosen)"), TOL);
        assertEquals(logRatioSum[pairs], r.sequence("rejected log-ratio = sum log_ratio (rejected)"), TOL);
        double margin = r.sequence("margin = chosen reward - rejected reward");
        assertEquals(beta * (logRatioSum[0] - logRatioSum[pairs]), margin, TOL);
        assertEquals(-Math.log(1 / (1 + Math.exp(-margin))), r.sequence("loss = -log sigmoid(margin)"), TOL);
        assertTrue(run.out().contains("pair 0, rejected") && run.out().contains("rewards/margins"), run.out());
    }

    @Test
    void theExplainedStepIsThePlainTrainersBitForBit() {
        TinyPolicy a = TinyPolicy.of(3);
        TinyPolicy b = TinyPolicy.of(3);
        try (DpoExplainer explained = new DpoExplainer(a.model(), a.tokenizer(), TinyPolicy.pairs(a.tokenizer(), DpoExplainer.BATCH, 3), 3);
             DpoExplainer plain = new DpoExplainer(b.model(), b.tokenizer(), TinyPolicy.pairs(b.tokenizer(), DpoExplainer.BATCH, 3), 3)) {
            Map<String, Double> shown = explained.explain(0).metrics();
            Map<String, Double> trained = new HashMap<>();
            MetricsSink sink = (step, m) -> trained.putAll(m);
            plain.trainer().train(plain.pairs(), sink);
            ExplainPpoTest.assertSameWeights(b.model().namedParameters(), a.model().namedParameters());
            assertSameMetrics(trained, shown);
        } finally {
            a.model().release();
            b.model().release();
        }
    }

    /** Equal metrics but for the timings (wall-clock figures). */
    static void assertSameMetrics(Map<String, Double> expected, Map<String, Double> actual) {
        Map<String, Double> e = new LinkedHashMap<>(expected);
        Map<String, Double> a = new LinkedHashMap<>(actual);
        for (Map<String, Double> m : java.util.List.of(e, a)) {
            m.keySet().removeIf(k -> k.startsWith("time/") || k.equals("tokens_per_second"));
        }
        assertEquals(e, a);
    }
}
