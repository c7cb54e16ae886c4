package dev.rlhf4j.rlhf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.ShapeException;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.rlhf.kl.KlEstimator;
import org.junit.jupiter.api.Test;

class PerTokenTableTest {
    @Test
    void rendersOneLinePerPositionWithMaskedEntriesDotted() {
        try (Arena arena = Arena.open()) {
            Tensor mask = Tensor.of(new double[] {0, 1, 1, 1, 1, 0}, DType.FLOAT64, 2, 3);
            Tensor logp = Tensor.of(new double[] {-9, -1.0, -0.25, -2, -3, -4}, DType.FLOAT64, 2, 3);
            Tensor ref = Tensor.of(new double[] {-1, -1.5, -0.5, -2, -3, -4}, DType.FLOAT64, 2, 3);
            String table = new PerTokenTable(mask).column("logp", logp).column("ref", ref)
                    .column("k1", KlEstimator.K1.perToken(logp, ref, mask)).render(0);
            assertEquals(String.join("\n",
                    "  t  mask      logp       ref        k1",
                    "  0     0         .         .         .",
                    "  1     1   -1.0000   -1.5000    0.5000",
                    "  2     1   -0.2500   -0.5000    0.2500", ""), table);
        }
    }

    @Test
    void columnOfAnotherShapeIsRejected() {
        try (Arena arena = Arena.open()) {
            PerTokenTable table = new PerTokenTable(Tensor.ones(DType.FLOAT64, 2, 3));
            assertThrows(ShapeException.class, () -> table.column("x", Tensor.ones(DType.FLOAT64, 3, 2)));
        }
    }
}
