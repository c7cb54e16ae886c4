package dev.rlhf4j.rlhf.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.rlhf.spark.SparkCluster;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Where a command's Spark master comes from: --master, else spark-submit's spark.master, else no Spark at all. */
class SparkOptionsTest {

    @Test
    void withoutMasterNothingOfSparkStarts() {
        SparkOptions options = parse();
        assertTrue(!options.enabled() && options.start("sft").isEmpty());
    }

    @Test
    void underSparkSubmitTheSubmittedMasterIsUsed() {
        String before = System.getProperty("spark.master");
        System.setProperty("spark.master", "local[1]");
        try {
            SparkOptions options = parse();
            assertTrue(options.enabled());
            Optional<SparkCluster> cluster = options.start("grpo");
            try {
                assertEquals("local[1]", cluster.orElseThrow().master());
                assertEquals(1, cluster.orElseThrow().parallelism());
            } finally {
                cluster.ifPresent(SparkCluster::close);
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
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse("--master", " ").start("dpo"));
        assertTrue(e.getMessage().contains("--master") && e.getMessage().contains("local-cluster"), e.getMessage());
    }

    private static SparkOptions parse(String... args) {
        SparkOptions options = new SparkOptions();
        new CommandLine(options).parseArgs(args);
        return options;
    }
}
