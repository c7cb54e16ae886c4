package dev.rlhf4j.rlhf.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;

/**
 * The demo's four pictures, drawn with XChart into PNG files (BitmapEncoder: Java2D off screen, so no display is
 * needed): the reward model's accuracy per epoch; PPO's proxy reward, gold reward and KL per iteration; gold and
 * proxy reward against sqrt(KL), the over-optimisation picture of Gao et al. 2023 (the proxy keeps rising while the
 * gold reward flattens or falls); DPO's reward margin and accuracy per step; and, when the demo ran them, the same
 * curves as PPO's for GRPO and for RLOO per step.
 */
public final class DemoPlots {
    public static final String RM_ACCURACY = "rm_accuracy.png";
    public static final String PPO_CURVES = "ppo_curves.png";
    public static final String REWARD_VS_KL = "reward_vs_sqrt_kl.png";
    public static final String DPO_CURVES = "dpo_curves.png";
    private static final int WIDTH = 800;
    private static final int HEIGHT = 500;

    private DemoPlots() {
    }

    /** Writes the PNG files into {@code dir} and returns their paths, in the order of the class comment. */
    public static List<Path> write(DemoCurves curves, Path dir) {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        List<Path> out = new ArrayList<>();

        XYChart rm = chart("Reward model: pairwise accuracy per epoch", "epoch", "accuracy");
        double[] epochs = steps(curves.rmTrainAccuracy().length);
        rm.addSeries("train pairs", epochs, curves.rmTrainAccuracy());
        rm.addSeries("held-out pairs", epochs, curves.rmHeldoutAccuracy());
        out.add(save(rm, dir.resolve(RM_ACCURACY)));

        XYChart ppo = chart("PPO: rewards and KL per iteration", "iteration", "mean reward per completion");
        double[] iterations = steps(curves.ppoKl().length);
        ppo.addSeries("proxy reward (reward model)", iterations, curves.ppoProxyReward());
        ppo.addSeries("gold reward (hidden)", iterations, curves.ppoGoldReward());
        ppo.addSeries("KL to reference", iterations, curves.ppoKl()).setYAxisGroup(1);
        ppo.setYAxisGroupTitle(1, "KL (nats per completion)");
        out.add(save(ppo, dir.resolve(PPO_CURVES)));

        XYChart gao = chart("Over-optimisation (Gao et al. 2023): reward against sqrt(KL)", "sqrt(KL to reference)",
                "mean reward per completion");
        gao.addSeries("proxy reward (reward model)", curves.ppoSqrtKl(), curves.ppoProxyReward());
        gao.addSeries("gold reward (hidden)", curves.ppoSqrtKl(), curves.ppoGoldReward());
        gao.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        out.add(save(gao, dir.resolve(REWARD_VS_KL)));

        XYChart dpo = chart("DPO: implicit reward margin and accuracy per step", "step", "rewards/margins");
        double[] dpoSteps = steps(curves.dpoMargins().length);
        dpo.addSeries("rewards/margins", dpoSteps, curves.dpoMargins());
        dpo.addSeries("rewards/accuracies", dpoSteps, curves.dpoAccuracy()).setYAxisGroup(1);
        dpo.setYAxisGroupTitle(1, "rewards/accuracies");
        out.add(save(dpo, dir.resolve(DPO_CURVES)));

        for (DemoCurves.Online c : curves.criticFree()) {
            String name = c.method().toUpperCase(java.util.Locale.ROOT);
            XYChart online = chart(name + " (no critic): rewards and KL per step", "step", "mean reward per completion");
            double[] x = steps(c.kl().length);
            online.addSeries("proxy reward (reward model)", x, c.proxyReward());
            online.addSeries("gold reward (hidden)", x, c.goldReward());
            online.addSeries("KL to reference", x, c.kl()).setYAxisGroup(1);
            online.setYAxisGroupTitle(1, "KL (nats per completion)");
            out.add(save(online, dir.resolve(curvesFile(c.method()))));
        }
        return out;
    }

    /** The file of an online method's curves, e.g. {@code grpo_curves.png}. */
    public static String curvesFile(String method) {
        return method + "_curves.png";
    }

    private static XYChart chart(String title, String x, String y) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(x).yAxisTitle(y).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setMarkerSize(4);
        chart.getStyler().setXAxisMaxLabelCount(12);
        chart.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
        return chart;
    }

    /** 1, 2, ..., n. */
    private static double[] steps(int n) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = i + 1;
        }
        return out;
    }

    private static Path save(XYChart chart, Path file) {
        try {
            BitmapEncoder.saveBitmap(chart, file.toString(), BitmapFormat.PNG);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("DemoPlots: cannot write " + file, e);
        }
    }
}
