package dev.rlhf4j.core;

import java.util.function.Function;

/**
 * Compares the gradients autograd computes with central finite differences, in float64.
 *
 * <p>For a function f of some inputs, the checked scalar is {@code L = sum(f(x) * w)} with a fixed random
 * weighting w (so every output element matters, not just their sum). For each input element x_j:
 * {@code numeric = (L(x_j + h) - L(x_j - h)) / 2h}, truncation error O(h^2). The error of one element is
 * {@code |analytic - numeric| / max(1, |numeric|)}: relative for large gradients, absolute for small ones.
 */
public final class GradientCheck {
    private GradientCheck() {
    }

    /** The worst element found. */
    public record Result(double maxError, String worst, double analytic, double numeric) {
        public boolean passed(double tolerance) {
            return maxError <= tolerance;
        }
    }

    /** Step used by {@link #check(Function, Tensor...)}. */
    public static final double DEFAULT_STEP = 1e-6;

    /**
     * Checks the gradient of {@code f} with respect to every input that requires a gradient. Inputs must be
     * float64 leaves; their values are perturbed in place and restored.
     */
    public static Result check(Function<Tensor[], Tensor> f, Tensor... inputs) {
        return check(f, DEFAULT_STEP, inputs);
    }

    public static Result check(Function<Tensor[], Tensor> f, double step, Tensor... inputs) {
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i].requiresGrad() && inputs[i].dtype() != DType.FLOAT64) {
                throw new IllegalArgumentException("GradientCheck: input " + i + " is " + inputs[i].dtype() + "; use FLOAT64");
            }
        }
        double[] weights;
        double[][] analytic = new double[inputs.length][];
        try (Arena arena = Arena.open()) {
            Tensor out = f.apply(inputs);
            weights = new TensorRandom(12345).uniform(DType.FLOAT64, 0.5, 1.5, out.shape()).toDoubleArray();
            Tensor w = Tensor.of(weights, out.shape());
            for (Tensor in : inputs) {
                in.zeroGrad();
            }
            out.to(DType.FLOAT64).mul(w).sum().backward();
            for (int i = 0; i < inputs.length; i++) {
                Tensor g = inputs[i].grad();
                analytic[i] = g == null ? new double[(int) inputs[i].numel()] : g.toDoubleArray();
                inputs[i].zeroGrad();
            }
        }
        double worstError = 0;
        String worst = "none";
        double worstA = 0;
        double worstN = 0;
        for (int i = 0; i < inputs.length; i++) {
            Tensor in = inputs[i];
            if (!in.requiresGrad()) {
                continue;
            }
            var v = in.value();
            var flat = v.reshape('c', new long[] {v.length()});
            for (long j = 0; j < v.length(); j++) {
                double orig = flat.getDouble(j);
                flat.putScalar(j, orig + step);
                double plus = weighted(f, inputs, weights);
                flat.putScalar(j, orig - step);
                double minus = weighted(f, inputs, weights);
                flat.putScalar(j, orig);
                double numeric = (plus - minus) / (2 * step);
                double a = analytic[i][(int) j];
                double err = Math.abs(a - numeric) / Math.max(1.0, Math.abs(numeric));
                if (Double.isNaN(err) || err > worstError) {
                    worstError = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err;
                    worst = "input " + i + " element " + j;
                    worstA = a;
                    worstN = numeric;
                }
            }
        }
        return new Result(worstError, worst, worstA, worstN);
    }

    private static double weighted(Function<Tensor[], Tensor> f, Tensor[] inputs, double[] weights) {
        try (Arena arena = Arena.open(); NoGrad noGrad = NoGrad.enter()) {
            double[] out = f.apply(inputs).to(DType.FLOAT64).toDoubleArray();
            double s = 0;
            for (int k = 0; k < out.length; k++) {
                s += out[k] * weights[k];
            }
            return s;
        }
    }
}
