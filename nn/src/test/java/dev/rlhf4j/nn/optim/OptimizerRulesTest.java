package dev.rlhf4j.nn.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.Module;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SGD, clipping and schedules against the closed forms of torch.optim.SGD, clip_grad_norm_ and nanoGPT's get_lr. */
class OptimizerRulesTest {
    private static final class One implements Module {
        final Tensor w = Tensor.of(new double[] {1.0, -2.0}, 2).requiresGrad(true).named("w");

        @Override
        public void collectParameters(Map<String, Tensor> out) {
            out.put("w", w);
        }
    }

    @Test
    void sgdWithMomentumAndWeightDecayFollowsTorch() {
        One m = new One();
        Sgd sgd = new Sgd(m, 0.1, 0.9, 0.01);
        double[] p = {1.0, -2.0};
        double[] buf = new double[2];
        for (int step = 0; step < 3; step++) {
            try (Arena a = Arena.open()) {
                m.w.mul(m.w).sum().backward();                     // g = 2 w
                sgd.step();
                sgd.zeroGrad();
            }
            for (int i = 0; i < 2; i++) {
                double g = 2 * p[i] + 0.01 * p[i];
                buf[i] = step == 0 ? g : 0.9 * buf[i] + g;
                p[i] -= 0.1 * buf[i];
            }
            assertArrayEquals(p, m.w.toDoubleArray(), 1e-15);
        }
    }

    @Test
    void clipScalesToTheMaximumNorm() {
        One m = new One();
        try (Arena a = Arena.open()) {
            m.w.mul(m.w).sum().backward();                         // g = (2, -4), norm sqrt(20)
            double norm = GradClip.clipGradNorm(List.of(m.w), 1.0);
            assertEquals(Math.sqrt(20), norm, 1e-12);
            double c = 1.0 / (Math.sqrt(20) + 1e-6);
            assertArrayEquals(new double[] {2 * c, -4 * c}, m.w.grad().toDoubleArray(), 1e-15);
        }
    }

    @Test
    void schedulesWarmUpThenDecay() {
        LrSchedule cos = LrSchedule.warmupCosine(1.0, 10, 110, 0.1);
        assertEquals(0.1, cos.at(0), 1e-15);
        assertEquals(1.0, cos.at(9), 1e-15);
        assertEquals(1.0, cos.at(10), 1e-15);
        assertEquals(0.1 + 0.5 * 0.9, cos.at(60), 1e-15);
        assertEquals(0.1, cos.at(110), 1e-15);
        LrSchedule lin = LrSchedule.warmupLinear(2.0, 4, 12);
        assertEquals(0.0, lin.at(0), 1e-15);
        assertEquals(1.0, lin.at(2), 1e-15);
        assertEquals(2.0, lin.at(4), 1e-15);
        assertEquals(1.0, lin.at(8), 1e-15);
        assertEquals(0.0, lin.at(12), 1e-15);
    }
}
