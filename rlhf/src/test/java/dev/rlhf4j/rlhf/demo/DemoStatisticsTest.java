package dev.rlhf4j.rlhf.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The statistics against values computed here from their definitions: Welch's t and its Welch-Satterthwaite degrees
 * of freedom from the sample moments, and Student's t tail probability by Simpson's rule on
 * P(|T| > t) = int_{theta0}^{pi/2} cos^{nu-1} / int_0^{pi/2} cos^{nu-1}, theta0 = atan(t / sqrt(nu)) (the t density
 * after x = sqrt(nu) tan theta), which needs no gamma function.
 */
class DemoStatisticsTest {
    /** Wikipedia's first Welch example ("Welch's t-test", Examples): t = -2.46, nu = 25.0, p = 0.021. */
    private static final double[] A1 = {27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4};
    private static final double[] A2 = {27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4};

    private static double mean(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v;
        }
        return s / x.length;
    }

    private static double variance(double[] x) {
        double m = mean(x);
        double s = 0;
        for (double v : x) {
            s += (v - m) * (v - m);
        }
        return s / (x.length - 1);
    }

    /** P(|T| > t) for Student's t with nu degrees of freedom. */
    private static double twoSidedTail(double t, double nu) {
        return simpsonCos(Math.atan(Math.abs(t) / Math.sqrt(nu)), Math.PI / 2, nu) / simpsonCos(0, Math.PI / 2, nu);
    }

    private static double simpsonCos(double from, double to, double nu) {
        int n = 20_000;
        double h = (to - from) / n;
        double s = 0;
        for (int i = 0; i <= n; i++) {
            double w = i == 0 || i == n ? 1 : i % 2 == 1 ? 4 : 2;
            s += w * Math.pow(Math.max(0, Math.cos(from + i * h)), nu - 1);
        }
        return s * h / 3;
    }

    @Test
    void welchPValueMatchesTheDefinitionAndTheTextbook() {
        double va = variance(A1) / A1.length;
        double vb = variance(A2) / A2.length;
        double t = (mean(A1) - mean(A2)) / Math.sqrt(va + vb);
        double nu = (va + vb) * (va + vb) / (va * va / (A1.length - 1) + vb * vb / (A2.length - 1));
        assertEquals(-2.46, t, 0.005);
        assertEquals(25.0, nu, 0.05);
        double p = twoSidedTail(t, nu);
        assertEquals(0.021, p, 0.0005);
        assertEquals(p, DemoStatistics.welchPValue(A1, A2), 1e-8);
        assertEquals(p, DemoStatistics.welchPValue(A2, A1), 1e-8);
    }

    @Test
    void theConfidenceIntervalIsMeanPlusMinusTQuantileTimesStandardError() {
        double[] x = {2.0, 4.0, 4.0, 5.0, 7.0, 9.0};
        DemoStatistics.Estimate e = DemoStatistics.estimate(x);
        double m = 31.0 / 6;
        double sd = Math.sqrt(variance(x));
        assertEquals(m, e.mean(), 1e-12);
        assertEquals(sd, e.sd(), 1e-12);
        // the half-width h satisfies P(|T_5| > h / (s / sqrt n)) = 0.05
        double q = (e.ciHigh() - m) / (sd / Math.sqrt(6));
        assertEquals(m - e.ciLow(), e.ciHigh() - m, 1e-12);
        assertEquals(0.05, twoSidedTail(q, 5), 1e-8);
        assertEquals(2.5706, q, 1e-4);                  // t_{0.975, 5} from printed tables
    }

    @Test
    void pearsonAndSpearmanMatchTheirDefinitions() {
        double[] x = {1, 2, 3, 4, 5, 6};
        double[] y = {2.0, 1.0, 4.0, 4.0, 9.0, 7.0};   // a tie: ranks 3.5, 3.5
        double mx = mean(x);
        double my = mean(y);
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < x.length; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        assertEquals(sxy / Math.sqrt(sxx * syy), DemoStatistics.pearson(x, y), 1e-12);
        double[] ranks = {2, 1, 3.5, 3.5, 6, 5};
        double mr = mean(ranks);
        double sxr = 0;
        double srr = 0;
        for (int i = 0; i < x.length; i++) {
            sxr += (x[i] - mx) * (ranks[i] - mr);
            srr += (ranks[i] - mr) * (ranks[i] - mr);
        }
        assertEquals(sxr / Math.sqrt(sxx * srr), DemoStatistics.spearman(x, y), 1e-12);
        assertTrue(Double.isNaN(DemoStatistics.pearson(x, new double[] {1, 1, 1, 1, 1, 1})));
    }
}
