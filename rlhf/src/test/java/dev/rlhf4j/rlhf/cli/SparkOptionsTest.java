package dev.rlhf4j.rlhf.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.rlhf.spark.SparkCluster;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Where a command's Spark master comes from: --master, else spark-submit's spark.master, else no Spark at all. */
class SparkOptionsTest {

    @Test
    void withoutMasterNothingOfSparkStarts() {
        assertNull(parse().master());
    }

    @Test
    void underSparkSubmitTheSubmittedMasterIsUsed() {
        String before = System.getProperty("spark.master");
        System.setProperty("spark.master", "local[1]");
        try {
            String master = parse().master();
            assertEquals("local[1]", master);
            try (SparkCluster cluster = SparkCluster.start(master, "rlhf4j grpo")) {
                assertEquals(1, cluster.parallelism());
            }
        } finally {
            if (before == null) {
                System.clearProperty("spark.master");
            } else {
                System.setProperty("spark.master", before);
            }
        }
    }

    @Test
    void anEmptyMasterIsRefusedWithExamples() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse("--master", " ").master());
        assertTrue(e.getMessage().contains("--master") && e.getMessage().contains("local-cluster"), e.getMessage());
    }

    private static SparkOptions parse(String... args) {
        SparkOptions options = new SparkOptions();
        new CommandLine(options).parseArgs(args);
        return options;
    }
}
