package dev.rlhf4j.rlhf.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The JSON line every benchmark prints, to the character: scripts and the README read it as text too. */
class BenchLineTest {

    @Test
    void valueAgainstBaselineKeepsFourSignificantDigits() {
        assertEquals("{\"bench\": \"matmul.forward.256x768x2304\", \"value\": 95.31, \"unit\": \"GFLOP/s\", "
                        + "\"baseline\": 101.2, \"ratio\": 0.9417}",
                BenchLine.against("matmul.forward.256x768x2304", 95.3149, "GFLOP/s", 101.2159).toJson());
    }

    @Test
    void largeAndSmallNumbersArePlainDecimals() {
        assertEquals("{\"bench\": \"train.step_ms\", \"value\": 162300, \"unit\": \"ms\", \"baseline\": 0.0001235, "
                        + "\"ratio\": 1314000000}",
                new BenchLine("train.step_ms", 162_345.6, "ms", 0.000123456, 1_314_159_265.0).toJson());
    }

    @Test
    void figuresWithoutBaselineAndNonFiniteRatiosAreNull() {
        assertEquals("{\"bench\": \"train.peak_memory_mb\", \"value\": 2048, \"unit\": \"MB\", \"baseline\": null, "
                + "\"ratio\": null}", BenchLine.alone("train.peak_memory_mb", 2048, "MB").toJson());
        assertEquals("{\"bench\": \"x\", \"value\": 1, \"unit\": \"tok/s\", \"baseline\": 0, \"ratio\": null}",
                BenchLine.against("x", 1, "tok/s", 0).toJson());
    }

    @Test
    void namesAreEscaped() {
        assertEquals("{\"bench\": \"a\\\"b\", \"value\": null, \"unit\": \"\\\\\", \"baseline\": null, \"ratio\": null}",
                BenchLine.alone("a\"b", Double.NaN, "\\").toJson());
    }
}
