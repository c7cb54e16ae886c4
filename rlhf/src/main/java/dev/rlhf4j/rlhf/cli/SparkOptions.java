package dev.rlhf4j.rlhf.cli;

import picocli.CommandLine.Option;

/**
 * {@code --master}: run a training command as a Spark application (see {@code rlhf.spark}), which the run's assembly
 * starts and stops. Without it nothing of Spark starts and the run is the single-process one; with it the same seed
 * gives the same metrics. Under {@code spark-submit}, whose {@code --master} arrives as the {@code spark.master} system
 * property, that master is used.
 */
final class SparkOptions {
    @Option(names = "--master", paramLabel = "URL", description = "distribute on Apache Spark: local[N], local[*], "
            + "local-cluster[WORKERS,CORES,MB] (executor JVMs on this machine), spark://HOST:PORT or k8s://... (with spark-submit);"
            + " default: one process, no Spark")
    String master;

    /** {@code --master}, else the master {@code spark-submit} was given, else null (no Spark). */
    String master() {
        String m = master != null ? master : System.getProperty("spark.master");
        if (m != null && m.isBlank()) {
            throw new IllegalArgumentException("--master: empty URL; give local[2], local-cluster[2,1,4096] or spark://HOST:7077");
        }
        return m;
    }
}
