package dev.rlhf4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Graph semantics: accumulation, no-grad, detach, arenas, and the errors bad input gets. */
class AutogradTest {

    @Test
    void reusedTensorAccumulatesGradientFromEveryUse() {
        Tensor x = Tensor.of(new double[] {3.0}, 1).requiresGrad(true);
        Tensor y = x.mul(x).add(x.mul(2.0));                     // x^2 + 2x
        y.sum().backward();
        assertEquals(8.0, x.grad().item(), 0.0);                 // 2x + 2
        x.mul(x).sum().backward();                               // accumulates across backward calls
        assertEquals(14.0, x.grad().item(), 0.0);
        x.zeroGrad();
        assertNull(x.grad());
    }

    @Test
    void gradientAfterZeroGradIsFreshForEveryKindOfRule() {
        Tensor w = Tensor.of(new double[] {1, 2, 3, 4}, 2, 2).requiresGrad(true);
        Tensor x = Tensor.of(new double[] {1, 1}, 1, 2);
        Tensor ids = Tensor.ofLongs(new long[] {1, 1}, 2);
        for (int round = 0; round < 3; round++) {
            // matmul writes straight into w's buffer; the embedding scatters into it; add hands over a copy
            x.matmul(w).sum().add(Tensor.embedding(w, ids).sum()).add(w.mul(1.0).sum()).backward();
            assertArrayEquals(new double[] {2, 2, 4, 4}, w.grad().toDoubleArray(), 0.0, "round " + round);
            w.zeroGrad();
            assertNull(w.grad());
        }
        x.matmul(w).sum().backward();                            // a single rule after zeroGrad overwrites
        assertArrayEquals(new double[] {1, 1, 1, 1}, w.grad().toDoubleArray(), 0.0);
        x.matmul(w).sum().backward();                            // and without zeroGrad accumulates
        assertArrayEquals(new double[] {2, 2, 2, 2}, w.grad().toDoubleArray(), 0.0);
    }

    @Test
    void crossEntropyGraphCanBeBackpropagatedTwice() {
        // the first backward reuses the forward's buffer for the gradient; a second one must recompute it
        Tensor z = Tensor.of(new double[] {1, 2, 3, 0.5, -1, 2}, 2, 3).requiresGrad(true);
        Tensor loss = z.crossEntropy(Tensor.ofLongs(new long[] {2, 0}, 2), -100);
        loss.backward();
        double[] once = z.grad().toDoubleArray();
        loss.backward();
        double[] twice = z.grad().toDoubleArray();
        for (int i = 0; i < once.length; i++) {
            assertEquals(2 * once[i], twice[i], 1e-15);
        }
        double p2 = Math.exp(3) / (Math.exp(1) + Math.exp(2) + Math.exp(3));
        assertEquals((p2 - 1) / 2, once[2], 1e-15);                 // (softmax - onehot) / N
    }

    @Test
    void noGradScopeBuildsNoGraph() {
        Tensor x = Tensor.of(new double[] {1, 2}, 2).requiresGrad(true);
        Tensor y;
        try (NoGrad s = NoGrad.enter()) {
            assertTrue(NoGrad.isActive());
            y = x.mul(3.0).exp();
        }
        assertFalse(NoGrad.isActive());
        assertFalse(y.requiresGrad());
        assertThrows(IllegalStateException.class, () -> y.sum().backward());
    }

    @Test
    void detachCutsTheGraph() {
        Tensor x = Tensor.of(new double[] {2.0}, 1).requiresGrad(true);
        Tensor y = x.mul(x).detach().mul(x);                     // d/dx = x^2 (the detached factor is a constant)
        y.sum().backward();
        assertEquals(4.0, x.grad().item(), 0.0);
    }

    @Test
    void broadcastGradientIsReducedToEachInputsShape() {
        Tensor a = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3).requiresGrad(true);
        Tensor b = Tensor.of(new double[] {10, 20, 30}, 3).requiresGrad(true);
        a.mul(b).sum().backward();
        assertArrayEquals(new long[] {3}, b.grad().shape());
        assertArrayEquals(new double[] {5, 7, 9}, b.grad().toDoubleArray(), 0.0);
        assertArrayEquals(new double[] {10, 20, 30, 10, 20, 30}, a.grad().toDoubleArray(), 0.0);
    }

    @Test
    void shapeMismatchNamesTheOpAndBothShapes() {
        Tensor a = Tensor.zeros(DType.FLOAT32, 2, 3);
        Tensor b = Tensor.zeros(DType.FLOAT32, 4, 5);
        ShapeException add = assertThrows(ShapeException.class, () -> a.add(b));
        assertTrue(add.getMessage().contains("add") && add.getMessage().contains("[2,3]") && add.getMessage().contains("[4,5]"), add.getMessage());
        ShapeException mm = assertThrows(ShapeException.class, () -> a.matmul(b));
        assertTrue(mm.getMessage().contains("matmul") && mm.getMessage().contains("[2,3]") && mm.getMessage().contains("[4,5]"), mm.getMessage());
        ShapeException rs = assertThrows(ShapeException.class, () -> a.reshape(4, 2));
        assertTrue(rs.getMessage().contains("reshape") && rs.getMessage().contains("[2,3]") && rs.getMessage().contains("[4,2]"), rs.getMessage());
        ShapeException ln = assertThrows(ShapeException.class, () -> a.layerNorm(Tensor.zeros(DType.FLOAT32, 2), Tensor.zeros(DType.FLOAT32, 2), 1e-5));
        assertTrue(ln.getMessage().contains("layerNorm") && ln.getMessage().contains("[2,3]"), ln.getMessage());
        assertThrows(ShapeException.class, () -> a.narrow(1, 2, 2));
        assertThrows(ShapeException.class, () -> a.sum(2, false));
    }

    @Test
    void outOfRangeIndicesNameTheIndex() {
        Tensor w = Tensor.zeros(DType.FLOAT32, 4, 2);
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                () -> Tensor.embedding(w, Tensor.ofLongs(new long[] {1, 7}, 2)));
        assertTrue(e.getMessage().contains("7") && e.getMessage().contains("[0, 4)"), e.getMessage());
        IndexOutOfBoundsException ce = assertThrows(IndexOutOfBoundsException.class,
                () -> w.crossEntropy(Tensor.ofLongs(new long[] {0, 1, 9, 0}, 4), -100));
        assertTrue(ce.getMessage().contains("9"), ce.getMessage());
    }

    @Test
    void arenaReleasesIntermediatesButNotOutsideTensors() {
        Tensor w = Tensor.of(new double[] {1, 2}, 2).requiresGrad(true);
        Tensor kept;
        Tensor dropped;
        try (Arena step = Arena.open()) {
            dropped = w.mul(2.0);
            Tensor loss = dropped.sum();
            loss.backward();
            kept = step.keep(loss);
            assertTrue(step.size() >= 1);
        }
        assertTrue(dropped.isReleased());
        IllegalStateException e = assertThrows(IllegalStateException.class, dropped::item);
        assertTrue(e.getMessage().contains("released"), e.getMessage());
        assertEquals(6.0, kept.item(), 0.0);
        assertArrayEquals(new double[] {2, 2}, w.grad().toDoubleArray(), 0.0);
    }

    @Test
    void keptViewIsCopiedSoItOutlivesItsBase() {
        Tensor kept;
        try (Arena step = Arena.open()) {
            Tensor base = Tensor.of(new double[] {1, 2, 3, 4}, 2, 2).mul(1.0);
            kept = step.keep(base.narrow(0, 1, 1));
        }
        assertArrayEquals(new double[] {3, 4}, kept.toDoubleArray(), 0.0);
    }

    @Test
    void backwardOnNonScalarNeedsAGradientOfTheSameShape() {
        Tensor x = Tensor.of(new double[] {1, 2}, 2).requiresGrad(true);
        Tensor y = x.mul(x);
        ShapeException e = assertThrows(ShapeException.class, y::backward);
        assertTrue(e.getMessage().contains("[2]"), e.getMessage());
        y.backward(Tensor.of(new double[] {1, 10}, 2));
        assertArrayEquals(new double[] {2, 40}, x.grad().toDoubleArray(), 0.0);
    }

    @Test
    void gradientCheckDetectsAWrongGradient() {
        // relu's gradient is compared on a kink-free input; a deliberately different function pair must fail
        Tensor x = Tensor.of(new double[] {0.7, -0.4}, 2).requiresGrad(true);
        GradientCheck.Result ok = GradientCheck.check(in -> in[0].tanh(), x);
        assertTrue(ok.passed(1e-6), ok.toString());
        GradientCheck.Result bad = GradientCheck.check(in -> in[0].detach().exp().add(in[0]), x);
        assertFalse(bad.passed(1e-3), bad.toString());
    }
}
