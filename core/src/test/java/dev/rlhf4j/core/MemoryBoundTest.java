package dev.rlhf4j.core;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * 2,000 forward+backward+update steps of a small two-layer model inside arenas, after 500 warm-up steps:
 * the process's resident set must stay flat. Each step allocates about 2 MB of off-heap intermediates, so a
 * leak of one step's arrays would show as gigabytes.
 *
 * <p>Runs in its own JVM (see core/pom.xml) with a fixed, pre-touched heap, so that the Java heap filling up
 * cannot pass for native growth, and with glibc's malloc arenas capped at two, so that per-thread arenas
 * holding freed memory cannot either: what the resident set gains is memory the engine did not release.
 */
class MemoryBoundTest {

    @Test
    void residentMemoryStaysBoundedOver2000TrainingSteps() throws IOException {
        TensorRandom random = new TensorRandom(7);
        int batch = 64;
        int width = 256;
        int classes = 32;
        Tensor w1 = random.normal(DType.FLOAT32, 0, 0.05, width, width).requiresGrad(true);
        Tensor g1 = Tensor.ones(DType.FLOAT32, width).requiresGrad(true);
        Tensor b1 = Tensor.zeros(DType.FLOAT32, width).requiresGrad(true);
        Tensor w2 = random.normal(DType.FLOAT32, 0, 0.05, width, classes).requiresGrad(true);
        Tensor x = random.normal(DType.FLOAT32, 0, 1, batch, width);
        long[] labels = new long[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = i % classes;
        }
        Tensor y = Tensor.ofLongs(labels, batch);
        Tensor[] params = {w1, g1, b1, w2};

        long before = 0;
        for (int step = 0; step < 2500; step++) {
            try (Arena arena = Arena.open()) {
                Tensor h = x.matmul(w1).layerNorm(g1, b1, 1e-5).gelu();          // (B, C)
                Tensor logits = h.matmul(w2);                                     // (B, K)
                Tensor loss = logits.crossEntropy(y, -100).add(logits.softmax(1).mean());
                loss.backward();
                try (NoGrad ng = NoGrad.enter()) {
                    for (Tensor p : params) {
                        p.addInPlace(p.grad(), -1e-3);
                        p.zeroGrad();
                    }
                }
            }
            if (step == 499) {
                before = residentBytes();
            }
        }
        long after = residentBytes();
        long growthMb = (after - before) >> 20;
        System.out.printf("resident set: %d MB after 500 steps, %d MB after 2500 (growth %d MB)%n", before >> 20, after >> 20, growthMb);
        // 30-50 MB of allocator and JIT warm-up was seen here; leaking even one 64 KB array a step would add 128 MB
        assertTrue(growthMb < 128, "resident set grew by " + growthMb + " MB over 2000 steps");
    }

    /** VmRSS of this process, from /proc (Linux). */
    private static long residentBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS line in /proc/self/status");
    }
}
