package dev.rlhf4j.rlhf.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.DefaultConfiguration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * A Spark application for one training run: the driver is this JVM, executors are threads of it ({@code local[n]}),
 * JVMs it starts on this machine ({@code local-cluster[workers,cores,MB]}) or a cluster's ({@code spark://host:7077},
 * {@code k8s://...} through {@code spark-submit}). What executors need of their JVM is passed on from the driver's:
 * the module openings Spark needs on Java 17, the vector module core's kernels use, ND4J's off-heap limits and the
 * log4j 2 settings ({@code spark.executor.extraJavaOptions}); on a cluster, {@code spark-submit} sets its own.
 *
 * <p>{@code local-cluster} runs Spark's standalone master and worker inside the driver and starts each executor
 * with the driver's classpath. Spark's launcher insists on a Spark home ({@code SPARK_HOME}) that holds a
 * {@code RELEASE} file, a {@code jars/} folder and a Scala version: {@link #localClusterHome} lays out that skeleton
 * in an empty folder (the launcher and the tests point {@code SPARK_HOME} at one under {@code rlhf/target}).
 * Executors compute with the driver's native thread count ({@code OMP_NUM_THREADS}, {@code OPENBLAS_NUM_THREADS}):
 * OpenBLAS's float32 products and ND4J's parallel reductions round differently with the number of threads, and a
 * distributed run is promised the single-process run's bits. Where speed matters more than the last bits (executors
 * sharing a machine's cores), {@code -Dspark.executorEnv.OMP_NUM_THREADS=N} (or spark-submit's {@code --conf}) wins.
 */
public final class SparkCluster implements AutoCloseable {
    private static final Pattern LOCAL_CLUSTER = Pattern.compile("local-cluster\\[\\s*(\\d+)\\s*,\\s*(\\d+)\\s*,\\s*(\\d+)\\s*]");
    /** Marks a Spark home laid out by {@link #localClusterHome} (and so safe to complete). */
    static final String MARKER = "rlhf4j-local-cluster";
    /** rlhf4j's log4j 2 settings (a class-path resource). */
    static final String LOGGING = "dev/rlhf4j/rlhf/spark/log4j2.properties";
    private static final String SPARK_DEFAULTS = "org/apache/spark/log4j2-defaults.properties";

    private final JavaSparkContext context;
    private final String master;

    private SparkCluster(JavaSparkContext context, String master) {
        this.context = context;
        this.master = master;
    }

    /** Starts the application {@code name} on {@code master} (any URL {@code spark-submit --master} accepts). */
    public static SparkCluster start(String master, String name) {
        quietLogging();
        SparkConf conf = new SparkConf()
                .setMaster(master)
                .setAppName(name)
                .set("spark.ui.enabled", "false")
                .set("spark.executor.extraJavaOptions", executorJavaOptions());
        Matcher cluster = LOCAL_CLUSTER.matcher(master.trim());
        if (cluster.matches()) {
            String home = System.getenv("SPARK_HOME");
            if (home == null || home.isBlank()) {
                throw new IllegalArgumentException("--master " + master + " starts executor JVMs, and Spark's launcher needs SPARK_HOME for"
                        + " that: ./rlhf4j sets it; elsewhere set it to a Spark installation or to an empty folder");
            }
            localClusterHome(Path.of(home));
            conf.set("spark.executor.extraClassPath", System.getProperty("java.class.path"));
        }
        String threads = nativeThreads();
        conf.setIfMissing("spark.executorEnv.OMP_NUM_THREADS", threads);
        conf.setIfMissing("spark.executorEnv.OPENBLAS_NUM_THREADS", Objects.requireNonNullElse(System.getenv("OPENBLAS_NUM_THREADS"), threads));
        conf.setIfMissing("spark.executorEnv.OMP_WAIT_POLICY", "PASSIVE");
        try {
            return new SparkCluster(new JavaSparkContext(conf), master);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--master " + master + ": Spark did not start: " + e.getMessage(), e);
        }
    }

    /** The Spark context: parallelize work, broadcast weights. */
    public JavaSparkContext context() {
        return context;
    }

    /** The master URL the run was started with. */
    public String master() {
        return master;
    }

    /** How many tasks run at once (Spark's default parallelism: the executors' cores). */
    public int parallelism() {
        return context.defaultParallelism();
    }

    /** The native threads this JVM computes with: {@code OMP_NUM_THREADS}, else one per processor (ND4J's default). */
    public static String nativeThreads() {
        String omp = System.getenv("OMP_NUM_THREADS");
        return omp != null && !omp.isBlank() ? omp.trim() : String.valueOf(Runtime.getRuntime().availableProcessors());
    }

    /** The prefix of this application's keys in {@link ReplicaPool}. */
    public String replicaKey(String role) {
        return context.sc().applicationId() + "/" + role;
    }

    /** Stops the application and frees the replicas its tasks left in this JVM. */
    @Override
    public void close() {
        String prefix = context.sc().applicationId() + "/";
        context.stop();
        ReplicaPool.clear(prefix);
    }

    /**
     * Lays out in {@code home} what Spark's launcher looks for when it starts an executor: {@code RELEASE} (so
     * {@code jars/} is taken as the jar folder), an empty {@code jars/} (the classes come from
     * {@code spark.executor.extraClassPath}) and {@code launcher/target/scala-2.13} (the Scala version). A folder
     * that already has a {@code RELEASE} file is a Spark installation and is left alone.
     */
    static void localClusterHome(Path home) {
        if (Files.exists(home.resolve("RELEASE")) && !Files.exists(home.resolve(MARKER))) {
            return;
        }
        try {
            Files.createDirectories(home.resolve("jars"));
            Files.createDirectories(home.resolve("launcher/target/scala-2.13"));
            Files.writeString(home.resolve("RELEASE"), "Spark home for rlhf4j's local-cluster runs (no Spark files)\n");
            Files.writeString(home.resolve(MARKER), "");
        } catch (IOException e) {
            throw new UncheckedIOException("SPARK_HOME " + home + ": cannot lay out a Spark home for local-cluster: " + e.getMessage(), e);
        }
    }

    /**
     * The driver's JVM options an executor needs too (module openings, the vector module, ND4J's limits), and
     * rlhf4j's log4j 2 settings unless the driver names its own.
     */
    static String executorJavaOptions() {
        List<String> args = ManagementFactory.getRuntimeMXBean().getInputArguments();
        String options = args.stream()
                .filter(a -> a.startsWith("--add-opens") || a.startsWith("--add-exports") || a.startsWith("--add-modules")
                        || a.startsWith("-Dorg.bytedeco.") || a.startsWith("-Dlog4j2."))
                .collect(Collectors.joining(" "));
        return args.stream().anyMatch(a -> a.startsWith("-Dlog4j2.configurationFile")) ? options
                : options + " -Dlog4j2.configurationFile=" + LOGGING;
    }

    /**
     * Spark logs every step of its start at INFO when log4j 2 has no configuration of its own (it installs its
     * {@code log4j2-defaults.properties}); then, and only then (a program that configured logging keeps its settings),
     * rlhf4j's {@link #LOGGING} applies: warnings and errors.
     */
    private static void quietLogging() {
        LoggerContext logging = (LoggerContext) LogManager.getContext(false);
        Configuration current = logging.getConfiguration();
        String source = String.valueOf(current.getConfigurationSource().getLocation());
        if (current instanceof DefaultConfiguration || source.endsWith(SPARK_DEFAULTS)) {
            try {
                Configurator.reconfigure(SparkCluster.class.getClassLoader().getResource(LOGGING).toURI());
            } catch (URISyntaxException e) {
                throw new IllegalStateException(LOGGING + ": " + e.getMessage(), e);
            }
        }
    }
}
