package dev.rlhf4j.rlhf.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.gpt2.Gpt2Config;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code forward} prints finite logits, and refuses (exit 1, one line) a model whose logits are not finite. */
class ForwardCommandTest {
    @TempDir
    Path dir;

    @Test
    void refusesNonFiniteLogitsAsGenerateDoes() {
        Gpt2LMHeadModel model = Gpt2LMHeadModel.random(Gpt2Config.tiny(), DType.FLOAT32, 1);
        Path good = dir.resolve("good");
        model.save(good);
        CommandRun ok = CommandRun.of("forward", "--model", good.toString(), "--ids", "1,2");
        assertEquals(0, ok.exit(), ok.err());
        assertTrue(ok.out().startsWith("[["), ok.out());

        Tensor w = model.namedParameters().get("transformer.ln_f.weight");
        w.assign(Tensor.full(Double.NaN, DType.FLOAT32, w.shape()));
        Path bad = dir.resolve("bad");
        model.save(bad);
        CommandRun r = CommandRun.of("forward", "--model", bad.toString(), "--ids", "1,2");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("non-finite logits at position 0") && r.err().contains("bad"), r.err());
        assertEquals("", r.out().strip());
        model.release();
    }
}
