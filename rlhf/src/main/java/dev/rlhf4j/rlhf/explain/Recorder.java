package dev.rlhf4j.rlhf.explain;

import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.rlhf.data.CompletionBatch;
import dev.rlhf4j.rlhf.train.StepObserver;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@link StepObserver} that copies what a trainer's step shows it to the heap, by name, in the order it came (a
 * name seen again, e.g. on a second micro-batch, keeps its first values).
 */
public final class Recorder implements StepObserver {
    private final Map<String, double[]> tensors = new LinkedHashMap<>();
    private final Map<String, long[]> shapes = new LinkedHashMap<>();
    private final Map<String, CompletionBatch> batches = new LinkedHashMap<>();

    @Override
    public void tensor(String name, Tensor value) {
        if (!tensors.containsKey(name)) {
            tensors.put(name, value.toDoubleArray());
            shapes.put(name, value.shape());
        }
    }

    @Override
    public void array(String name, double[] values) {
        if (!tensors.containsKey(name)) {
            tensors.put(name, values.clone());
            shapes.put(name, new long[] {values.length});
        }
    }

    @Override
    public void batch(String name, CompletionBatch batch) {
        batches.putIfAbsent(name, batch);
    }

    /** The values recorded under {@code name}, row-major. */
    public double[] get(String name) {
        double[] v = tensors.get(name);
        if (v == null) {
            throw new IllegalStateException("Recorder: the step showed no tensor '" + name + "'; it showed " + tensors.keySet());
        }
        return v;
    }

    /** The shape recorded under {@code name}. */
    public long[] shape(String name) {
        get(name);
        return shapes.get(name);
    }

    /** The batch recorded under {@code name}. */
    public CompletionBatch batch(String name) {
        CompletionBatch b = batches.get(name);
        if (b == null) {
            throw new IllegalStateException("Recorder: the step showed no batch '" + name + "'");
        }
        return b;
    }

    /** The names of the recorded tensors, in the order the step computed them. */
    public java.util.Set<String> names() {
        return tensors.keySet();
    }
}
