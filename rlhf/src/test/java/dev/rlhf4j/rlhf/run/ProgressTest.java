package dev.rlhf4j.rlhf.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The progress bar: silent off a terminal, and on a stream it moves with the steps and shows the live figures. */
class ProgressTest {

    private static Map<String, Double> step(double loss, double kl) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", loss);
        m.put("objective/kl", kl);
        m.put("policy/clipfrac_avg", 0.25);
        return m;
    }

    @Test
    void offATerminalItWritesNothingAtAll() {
        assertNull(System.console(), "the test runner's output is not a terminal");
        PrintStream err = System.err;
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(captured, true, StandardCharsets.UTF_8);
        System.setErr(capture);
        System.setOut(capture);
        try (Progress p = Progress.open("ppo", 3, false)) {
            assertTrue(p.isQuiet());
            for (int s = 1; s <= 3; s++) {
                p.onStep(s, step(1.0 / s, 0.1 * s));
            }
            assertEquals(3, p.current());
        } finally {
            System.setErr(err);
            System.setOut(out);
        }
        assertEquals(0, captured.size(), () -> "wrote: " + captured);
    }

    @Test
    void askedToBeQuietItIsQuiet() {
        assertTrue(Progress.quiet().isQuiet());
        try (Progress p = Progress.open("sft", 10, true)) {
            assertTrue(p.isQuiet());
        }
    }

    @Test
    void onAStreamItAdvancesWithTheStepsAndShowsTheFigures() {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8);
        try (Progress p = Progress.to(out, "dpo", 4, List.of("loss", "objective/kl"))) {
            assertTrue(!p.isQuiet());
            p.onStep(1, step(0.6931, 0.0));
            p.onStep(2, step(0.5, 0.0123));
            assertEquals(2, p.current());
        }
        String text = captured.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("dpo"), text);
        assertTrue(text.contains("2/4"), text);
        assertTrue(text.contains("loss=0.5000 objective/kl=0.0123"), text);
        assertTrue(!text.contains("clipfrac"), "only the figures asked for: " + text);
    }

    @Test
    void aResumedRunsBarStartsAtItsCheckpoint() {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8);
        try (Progress p = Progress.to(out, "sft", 10, List.of("loss"), 6)) {
            assertEquals(6, p.current());
            p.onStep(7, step(0.25, 0.0));
        }
        String text = captured.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("7/10"), text);
        assertTrue(!text.contains(" 1/10") && !text.contains(" 0/10"), "never shown from the start: " + text);
    }

    @Test
    void theMessageFormatsSmallAndLargeFiguresReadably() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("learning_rate", 1e-5);
        m.put("loss", 2.0);
        m.put("tokens_per_second", 123456.0);
        assertEquals("loss=2.0000 learning_rate=1.00e-05 tokens_per_second=1.23e+05", Progress.message(m, Progress.SHOWN));
    }
}
