package dev.rlhf4j.rlhf.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.io.TensorSnapshot;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Spark application in threads ({@code local[2]}) and in two executor JVMs ({@code local-cluster}): a broadcast
 * snapshot reaches the executors' replicas bit for bit, and each executor builds its replica once and reuses it.
 */
class SparkClusterTest {

    @Test
    void localThreadsShareTheBroadcastAndReuseReplicas() {
        try (SparkCluster cluster = SparkCluster.start("local[2]", "spark-cluster-test")) {
            List<String> seen = sums(cluster, 8);
            assertEquals(8, seen.size());
            for (String s : seen) {
                assertTrue(s.startsWith("sum=21.0 "), s);
            }
            assertTrue(ReplicaPool.builds(cluster.replicaKey("weights")) <= 2, "at most one replica per task thread");
        }
    }

    @Test
    void twoExecutorJvmsEachBuildOneReplica() {
        try (SparkCluster cluster = SparkCluster.start("local-cluster[2,1,1024]", "spark-cluster-test")) {
            List<String> seen = sums(cluster, 8);
            Set<String> jvms = new TreeSet<>();
            for (String s : seen) {
                assertTrue(s.startsWith("sum=21.0 "), s);
                jvms.add(s.split(" ")[1]);
            }
            assertTrue(jvms.size() == 2 && !jvms.contains(ManagementFactory.getRuntimeMXBean().getName()), "executors: " + jvms);
            for (String s : seen) {
                assertEquals("builds=1", s.split(" ")[2], "each executor JVM (one core) loads its replica once: " + seen);
            }
        }
    }

    @Test
    void localClusterHomeIsLaidOutOnlyInAFolderThatIsNotASparkInstallation(@TempDir Path dir) throws Exception {
        Path empty = dir.resolve("home");
        SparkCluster.localClusterHome(empty);
        assertTrue(Files.exists(empty.resolve("RELEASE")) && Files.isDirectory(empty.resolve("jars"))
                && Files.isDirectory(empty.resolve("launcher/target/scala-2.13")));
        Path installed = Files.createDirectories(dir.resolve("spark-3.5.3"));
        Files.writeString(installed.resolve("RELEASE"), "Spark 3.5.3");
        SparkCluster.localClusterHome(installed);
        assertTrue(!Files.exists(installed.resolve("jars")), "a real Spark home is left alone");
    }

    /** Sums a broadcast tensor into a per-executor replica in {@code tasks} tasks; each reports sum, JVM and builds. */
    private static List<String> sums(SparkCluster cluster, int tasks) {
        Tensor t = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, DType.FLOAT32, 2, 3);
        Broadcast<TensorSnapshot> weights = cluster.context().broadcast(TensorSnapshot.of(3, Map.of("w", t)));
        t.release();
        String key = cluster.replicaKey("weights");
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < tasks; i++) {
            ids.add(i);
        }
        JavaRDD<String> out = cluster.context().parallelize(ids, tasks).map(i -> {
            try (ReplicaPool.Lease<Map<String, Tensor>> replica = ReplicaPool.borrow(key,
                    () -> Map.of("w", Tensor.zeros(DType.FLOAT32, 2, 3)), m -> m.values().forEach(Tensor::release))) {
                if (replica.version() != weights.value().version()) {
                    weights.value().copyInto(replica.value(), "replica");
                    replica.version(weights.value().version());
                }
                return "sum=" + replica.value().get("w").sum().item() + " " + ManagementFactory.getRuntimeMXBean().getName()
                        + " builds=" + ReplicaPool.builds(key);
            }
        });
        return out.collect();
    }
}
