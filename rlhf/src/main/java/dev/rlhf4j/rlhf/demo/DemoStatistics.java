package dev.rlhf4j.rlhf.demo;

import org.apache.commons.math3.distribution.TDistribution;
import org.apache.commons.math3.stat.StatUtils;
import org.apache.commons.math3.stat.correlation.PearsonsCorrelation;
import org.apache.commons.math3.stat.correlation.SpearmansCorrelation;
import org.apache.commons.math3.stat.descriptive.SummaryStatistics;
import org.apache.commons.math3.stat.inference.TTest;

/**
 * The demo's statistics, each one call into Apache Commons Math: the mean and sample standard deviation, the 95%
 * confidence interval of a mean from Student's t distribution with n - 1 degrees of freedom
 * (mean +- t_{0.975, n-1} * s / sqrt(n)), Welch's two-sided t-test (unequal variances, Welch-Satterthwaite degrees
 * of freedom), and Pearson's and Spearman's correlation coefficients.
 */
public final class DemoStatistics {
    private DemoStatistics() {
    }

    /** Mean, sample standard deviation and 95% confidence interval of the mean of {@code values}. */
    public record Estimate(int n, double mean, double sd, double ciLow, double ciHigh) {
    }

    public static Estimate estimate(double[] values) {
        if (values.length < 2) {
            throw new IllegalArgumentException("DemoStatistics: a confidence interval needs at least 2 values, got " + values.length);
        }
        SummaryStatistics stats = new SummaryStatistics();
        for (double v : values) {
            stats.addValue(v);
        }
        double t = new TDistribution(stats.getN() - 1).inverseCumulativeProbability(0.975);
        double half = t * stats.getStandardDeviation() / Math.sqrt(stats.getN());
        return new Estimate(values.length, stats.getMean(), stats.getStandardDeviation(), stats.getMean() - half,
                stats.getMean() + half);
    }

    public static double mean(double[] values) {
        return StatUtils.mean(values);
    }

    /**
     * The two-sided p-value of Welch's t-test that {@code a} and {@code b} have the same mean; NaN when both samples
     * have zero variance (the statistic is undefined).
     */
    public static double welchPValue(double[] a, double[] b) {
        if (a.length < 2 || b.length < 2) {
            throw new IllegalArgumentException("DemoStatistics: Welch's t-test needs at least 2 values per sample, got "
                    + a.length + " and " + b.length);
        }
        return new TTest().tTest(a, b);
    }

    /** Pearson's r; NaN when either sample is constant. */
    public static double pearson(double[] x, double[] y) {
        requirePaired(x, y);
        return new PearsonsCorrelation().correlation(x, y);
    }

    /** Spearman's rho (Pearson's r of the ranks, ties given their average rank); NaN when either sample is constant. */
    public static double spearman(double[] x, double[] y) {
        requirePaired(x, y);
        return new SpearmansCorrelation().correlation(x, y);
    }

    private static void requirePaired(double[] x, double[] y) {
        if (x.length != y.length || x.length < 2) {
            throw new IllegalArgumentException("DemoStatistics: a correlation needs two samples of the same length >= 2, got "
                    + x.length + " and " + y.length);
        }
    }
}
