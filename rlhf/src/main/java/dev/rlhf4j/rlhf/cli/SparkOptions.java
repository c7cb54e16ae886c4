package dev.rlhf4j.rlhf.cli;

import dev.rlhf4j.rlhf.spark.SparkCluster;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * {@code --master}: run a training command as a Spark application (see {@code rlhf.spark}). Without it nothing of
 * Spark starts and the run is the single-process one; with it the same seed gives the same metrics. Under
 * {@code spark-submit}, whose {@code --master} arrives as the {@code spark.master} system property, that master is used.
 */
final class SparkOptions {
    @Option(names = "--master", paramLabel = "URL", description = "distribute on Apache Spark: local[N], local[*], "
            + "local-cluster[WORKERS,CORES,MB] (executor JVMs on this machine), spark://HOST:PORT or k8s://... (with spark-submit);"
            + " default: one process, no Spark")
    String master;

    boolean enabled() {
        return master() != null;
    }

    /** {@code --master}, else the master {@code spark-submit} was given, else null. */
    private String master() {
        return master != null ? master : System.getProperty("spark.master");
    }

    /** The run's Spark application ({@code rlhf4j <command>}), or empty without {@code --master}; close it at the end. */
    Optional<SparkCluster> start(String command) {
        String master = master();
        if (master == null) {
            return Optional.empty();
        }
        if (master.isBlank()) {
            throw new IllegalArgumentException("--master: empty URL; give local[2], local-cluster[2,1,4096] or spark://HOST:7077");
        }
        return Optional.of(SparkCluster.start(master, "rlhf4j " + command));
    }
}
