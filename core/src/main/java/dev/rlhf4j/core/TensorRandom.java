package dev.rlhf4j.core;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A seeded source of random tensors (initialisation, dropout masks, sampling), so that a run can be replayed
 * bit for bit on any backend: numbers come from Java's {@link SplittableRandom}, not from a native generator.
 * Each instance owns its generator; nothing global is touched.
 */
public final class TensorRandom {
    private final long seed;
    private final SplittableRandom random;

    public TensorRandom(long seed) {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
    }

    public long seed() {
        return seed;
    }

    /** Samples from N(mean, std^2). */
    public Tensor normal(DType type, double mean, double std, long... shape) {
        double[] v = new double[Math.toIntExact(Shapes.numel(shape))];
        for (int i = 0; i < v.length; i += 2) {
            // Marsaglia's polar method: two independent normals per accepted pair
            double u;
            double w;
            double s;
            do {
                u = 2 * random.nextDouble() - 1;
                w = 2 * random.nextDouble() - 1;
                s = u * u + w * w;
            } while (s >= 1 || s == 0);
            double f = Math.sqrt(-2 * Math.log(s) / s);
            v[i] = mean + std * u * f;
            if (i + 1 < v.length) {
                v[i + 1] = mean + std * w * f;
            }
        }
        return store(v, type, shape);
    }

    /** Samples from U[low, high). */
    public Tensor uniform(DType type, double low, double high, long... shape) {
        return Tensor.wrap(uniformArray(type.nd4j(), low, high, shape));
    }

    /** A uniform double in [0, 1). */
    public double nextDouble() {
        return random.nextDouble();
    }

    /** A uniform long in [0, bound). */
    public long nextLong(long bound) {
        return random.nextLong(bound);
    }

    INDArray uniformArray(DataType type, double low, double high, long... shape) {
        double[] v = new double[Math.toIntExact(Shapes.numel(shape))];
        for (int i = 0; i < v.length; i++) {
            v[i] = low + (high - low) * random.nextDouble();
        }
        return array(v, type, shape);
    }

    private static Tensor store(double[] v, DType type, long[] shape) {
        return Tensor.wrap(array(v, type.nd4j(), shape));
    }

    private static INDArray array(double[] v, DataType type, long[] shape) {
        INDArray d = Nd4j.create(v, shape, 'c');
        if (type == DataType.DOUBLE) {
            return d;
        }
        INDArray cast = d.castTo(type);
        d.close();
        return cast;
    }
}
