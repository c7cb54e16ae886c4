package dev.rlhf4j.rlhf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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

    @Test
    void formulasHeadTheTableAndTheMarkdownShowsOnlyScoredPositions() {
        PerTokenTable table = new PerTokenTable(new double[] {0, 1, 1, 1, 0, 0}, 2, 3)
                .tokens(new String[] {"a", "b", "c", "d", "e", "f"})
                .column("logp", "log pi(y_t)", new double[] {-9, -1, -0.25, -2, -3, -4})
                .column("ratio", "exp(new - old)", new double[] {0, 1.5, 0.5, 2, 0, 0});
        assertEquals(String.join("\n",
                "  logp   log pi(y_t)",
                "  ratio  exp(new - old)",
                "",
                "  t  mask token      logp     ratio",
                "  0     0 a             .         .",
                "  1     1 b       -1.0000    1.5000",
                "  2     1 c       -0.2500    0.5000", ""), table.render(0));
        assertEquals(String.join("\n",
                "| t | token | logp<br>`log pi(y_t)` | ratio<br>`exp(new - old)` |",
                "|--:|:--|--:|--:|",
                "| 0 | `d` | -2.0000 | 2.0000 |", ""), table.markdown(1));
        assertArrayEquals(new double[] {-2, -3, -4}, table.row("logp", 1));
        assertThrows(IllegalArgumentException.class, () -> table.row("kl", 0));
        assertThrows(ShapeException.class, () -> table.column("x", "", new double[5]));
    }
}
