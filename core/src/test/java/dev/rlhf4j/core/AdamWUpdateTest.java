package dev.rlhf4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The AdamW step against torch.optim.AdamW's update written out element by element in Java doubles, on both paths. */
class AdamWUpdateTest {

    private static void check(DType type, double tolerance) {
        int n = 3 * (1 << 16) + 1234;                             // several parallel chunks, the last one partial
        TensorRandom r = new TensorRandom(11);
        Tensor p = r.normal(type, 0, 1, 3, n / 3 + 1);
        int total = (int) p.numel();
        Tensor m = Tensor.zeros(type, 3, n / 3 + 1);
        Tensor v = Tensor.zeros(type, 3, n / 3 + 1);
        double[] ep = p.toDoubleArray();
        double[] em = new double[total];
        double[] ev = new double[total];
        double lr = 1e-2;
        double b1 = 0.9;
        double b2 = 0.95;
        double eps = 1e-8;
        double wd = 0.1;
        for (int t = 1; t <= 4; t++) {
            // ordinary gradients, then ones as small as eps, where the placement of eps decides the step
            Tensor g = r.normal(type, 0, t <= 2 ? 1e-3 * t : 1e-8, 3, n / 3 + 1);
            double[] gv = g.toDoubleArray();
            AdamWUpdate.step(p, g, m, v, lr, b1, b2, eps, wd, t);
            double bc1 = 1 - Math.pow(b1, t);
            double bc2 = 1 - Math.pow(b2, t);
            for (int i = 0; i < total; i++) {
                ep[i] *= 1 - lr * wd;
                em[i] = b1 * em[i] + (1 - b1) * gv[i];
                ev[i] = b2 * ev[i] + (1 - b2) * gv[i] * gv[i];
                ep[i] -= lr / bc1 * em[i] / (Math.sqrt(ev[i]) / Math.sqrt(bc2) + eps);
            }
            double[] got = p.toDoubleArray();
            double worst = 0;
            for (int i = 0; i < total; i++) {
                worst = Math.max(worst, Math.abs(got[i] - ep[i]) / Math.max(1e-3, Math.abs(ep[i])));
            }
            assertTrue(worst <= tolerance, type + " step " + t + ": relative error " + worst);
        }
    }

    @Test
    void matchesTorchAdamWInFloat64() {
        check(DType.FLOAT64, 1e-13);
    }

    @Test
    void matchesTorchAdamWInFloat32ToItsRounding() {
        check(DType.FLOAT32, 1e-5);
    }

    @Test
    void updatesAViewInPlaceAndLeavesTheRestAlone() {
        Tensor whole = Tensor.of(new double[] {1, 1, 1, 1, 1, 1}, 2, 3);
        Tensor row = whole.narrow(0, 1, 1);                      // a view at an offset
        Tensor g = Tensor.of(new double[] {1, 1, 1}, 1, 3);
        AdamWUpdate.step(row, g, Tensor.zeros(DType.FLOAT64, 1, 3), Tensor.zeros(DType.FLOAT64, 1, 3), 0.1, 0.9, 0.999, 0, 0, 1);
        double[] after = whole.toDoubleArray();
        assertEquals(1.0, after[0], 0.0);
        assertEquals(0.9, after[3], 1e-15);                      // first Adam step moves by lr * sign(g)
    }

    /**
     * float32 values as a strided view take the ND4J-op path; the same values contiguous take the CPU kernel: both
     * give torch's update, to float32 rounding (the two round {@code (1 - b2) g g} in different orders).
     */
    @Test
    void theNd4jOpPathAgreesWithTheCpuKernel() {
        TensorRandom r = new TensorRandom(5);
        Tensor wide = r.normal(DType.FLOAT32, 0, 1, 40, 6);
        Tensor strided = wide.narrow(1, 1, 3);                   // rows 6 apart: not contiguous
        Tensor dense = strided.copy();
        Tensor mStrided = Tensor.zeros(DType.FLOAT32, 40, 6).narrow(1, 1, 3);
        Tensor vStrided = Tensor.zeros(DType.FLOAT32, 40, 6).narrow(1, 1, 3);
        Tensor mDense = Tensor.zeros(DType.FLOAT32, 40, 3);
        Tensor vDense = Tensor.zeros(DType.FLOAT32, 40, 3);
        double[] before = dense.toDoubleArray();
        for (int t = 1; t <= 3; t++) {
            Tensor g = r.normal(DType.FLOAT32, 0, 0.1, 40, 3);
            AdamWUpdate.step(strided, g, mStrided, vStrided, 1e-2, 0.9, 0.95, 1e-8, 0.1, t);
            AdamWUpdate.step(dense, g, mDense, vDense, 1e-2, 0.9, 0.95, 1e-8, 0.1, t);
        }
        double[] a = strided.copy().toDoubleArray();
        double[] b = dense.toDoubleArray();
        for (int i = 0; i < a.length; i++) {
            assertEquals(b[i], a[i], 1e-6 * Math.max(1, Math.abs(b[i])), "element " + i);
            assertTrue(Math.abs(b[i] - before[i]) > 1e-4, "element " + i + " moved");
        }
        assertEquals(b[0], wide.toDoubleArray()[1], 1e-6, "the view's update is its source's column 1");
    }

    /** bfloat16 / float16 storage: the update runs in float32 on float32 moments and is stored rounded back. */
    @Test
    void aHalfPrecisionParameterIsUpdatedInFloat32AndRoundedBack() {
        for (DType half : new DType[] {DType.BFLOAT16, DType.FLOAT16}) {
            TensorRandom r = new TensorRandom(9);
            Tensor p = r.normal(DType.FLOAT32, 0, 1, 8, 5).to(half).detach();
            Tensor wide = p.to(DType.FLOAT32).detach();                      // the same values, stored in float32
            Tensor m = Tensor.zeros(DType.FLOAT32, 8, 5);
            Tensor v = Tensor.zeros(DType.FLOAT32, 8, 5);
            Tensor m2 = Tensor.zeros(DType.FLOAT32, 8, 5);
            Tensor v2 = Tensor.zeros(DType.FLOAT32, 8, 5);
            for (int t = 1; t <= 3; t++) {
                Tensor g = r.normal(DType.FLOAT32, 0, 0.1, 8, 5);
                AdamWUpdate.step(p, g, m, v, 1e-2, 0.9, 0.95, 1e-8, 0.1, t);
                AdamWUpdate.step(wide, g, m2, v2, 1e-2, 0.9, 0.95, 1e-8, 0.1, t);
                wide.assign(wide.to(half).to(DType.FLOAT32));               // what half storage keeps of each step
            }
            assertEquals(half, p.dtype());
            double[] got = p.to(DType.FLOAT32).toDoubleArray();
            double[] want = wide.toDoubleArray();
            for (int i = 0; i < got.length; i++) {
                assertEquals(want[i], got[i], 0.0, half + " element " + i);
            }
        }
    }

    @Test
    void mismatchedShapesAreRefused() {
        Tensor p = Tensor.zeros(DType.FLOAT32, 4);
        ShapeException e = assertThrows(ShapeException.class, () -> AdamWUpdate.step(p, Tensor.zeros(DType.FLOAT32, 5),
                Tensor.zeros(DType.FLOAT32, 4), Tensor.zeros(DType.FLOAT32, 4), 1e-3, 0.9, 0.999, 1e-8, 0, 1));
        assertTrue(e.getMessage().contains("[4]") && e.getMessage().contains("[5]"), e.getMessage());
    }
}
