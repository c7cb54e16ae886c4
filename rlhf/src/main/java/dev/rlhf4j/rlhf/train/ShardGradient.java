package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.io.TensorSnapshot;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What one shard of an optimizer step gives back: the gradient of its share of the loss with respect to every
 * trainable parameter, and the figures its metrics are made of. A shard is one micro-batch of the step
 * ({@code per_device_train_batch_size} examples; {@code gradient_accumulation_steps} of them make the step), so the
 * unit of work is fixed by the config, never by how many machines share it.
 * <pre>
 *   g_k   = d L_k / d theta            computed from zeroed gradients, copied out          (shard k)
 *   g     = ((g_0 + g_1) + g_2) + ...   accumulated by the driver in shard order            = d L / d theta
 * </pre>
 * Floating-point addition is not associative, so the sum is always taken in shard order by {@link #sumInto}: a
 * run on one machine and a run whose shards were spread over many add the same numbers in the same order and
 * arrive at the same bits.
 *
 * @param gradients each trainable parameter's gradient by name, in the parameters' order (zeros where no gradient
 *                  reached it), in the parameter's type
 * @param metrics   the shard's figures (per-token sums, per-pair values) the trainer turns into its metrics
 */
public record ShardGradient<M extends Serializable>(TensorSnapshot gradients, M metrics) implements Serializable {
    private static final long serialVersionUID = 1L;

    /**
     * Runs {@code forwardBackward} (the shard's forward and backward on a model whose trainable parameters are
     * {@code trainable}) from zeroed gradients and copies the gradients out; the parameters' gradients are zeroed again
     * before it returns, so nothing of the shard stays behind in the model.
     */
    public static <M extends Serializable> ShardGradient<M> compute(Map<String, Tensor> trainable, Supplier<M> forwardBackward) {
        zero(trainable);
        M metrics = forwardBackward.get();
        Map<String, Tensor> grads = new LinkedHashMap<>();
        try (Arena copy = Arena.open(); NoGrad ng = NoGrad.enter()) {
            trainable.forEach((name, p) -> {
                Tensor g = p.grad();
                grads.put(name, g != null ? g : Tensor.zeros(p.dtype(), p.shape()));
            });
            TensorSnapshot snapshot = TensorSnapshot.of(0, grads);
            zero(trainable);
            return new ShardGradient<>(snapshot, metrics);
        }
    }

    /**
     * Sets the gradient of every parameter of {@code trainable} to the sum of the shards' gradients, added in the
     * order of {@code shards} (see the class comment): each shard's is accumulated onto the zeroed gradients in turn,
     * one shard's tensors in memory at a time. Each name must be in every shard with the parameter's shape and type.
     */
    public static void sumInto(Map<String, Tensor> trainable, List<? extends ShardGradient<?>> shards) {
        if (shards.isEmpty()) {
            throw new IllegalArgumentException("ShardGradient.sumInto: an optimizer step needs at least one shard");
        }
        zero(trainable);
        for (int k = 0; k < shards.size(); k++) {
            try (Arena shard = Arena.open()) {
                Map<String, Tensor> g;
                try (NoGrad ng = NoGrad.enter()) {
                    g = shards.get(k).gradients().toTensors();                          // owned by the arena
                }
                for (Map.Entry<String, Tensor> p : trainable.entrySet()) {
                    Tensor gk = g.get(p.getKey());
                    if (gk == null) {
                        throw new IllegalArgumentException("ShardGradient.sumInto: shard " + k + " sent no gradient for '" + p.getKey() + "'");
                    }
                    accumulate(p.getValue(), gk);
                }
            }
        }
    }

    /**
     * Adds {@code g} to the gradient of {@code p}: backpropagating {@code g} from the leaf {@code p} itself goes
     * through the autograd every parameter already has, so an optimizer and the norm clip read the sum as any other
     * gradient (onto a zeroed gradient, the first shard's arrives exactly).
     */
    private static void accumulate(Tensor p, Tensor g) {
        if (!java.util.Arrays.equals(p.shape(), g.shape()) || p.dtype() != g.dtype()) {
            throw new IllegalArgumentException("ShardGradient: a " + g.dtype() + " gradient of shape " + java.util.Arrays.toString(g.shape())
                    + " for a " + p.dtype() + " parameter of shape " + java.util.Arrays.toString(p.shape()));
        }
        p.backward(g);
    }

    private static void zero(Map<String, Tensor> trainable) {
        trainable.values().forEach(Tensor::zeroGrad);
    }
}
