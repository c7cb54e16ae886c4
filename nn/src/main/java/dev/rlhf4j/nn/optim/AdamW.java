package dev.rlhf4j.nn.optim;

import dev.rlhf4j.core.AdamWUpdate;
import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.Module;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Adam with decoupled weight decay, step for step as {@code torch.optim.AdamW} (Loshchilov and Hutter):
 * <pre>
 *   p = p * (1 - lr * wd)                                  (only parameters that decay)
 *   m = b1 m + (1 - b1) g,   v = b2 v + (1 - b2) g^2
 *   p = p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * </pre>
 * Moments are allocated when the optimizer is created (outside arenas), in the parameters' compute type. The
 * arithmetic is core's {@link AdamWUpdate}: one pass over each parameter, no temporaries.
 */
public final class AdamW implements Optimizer {
    /** Hyper-parameters; {@link #gpt2()} is nanoGPT's choice, {@code torch.optim.AdamW}'s defaults are lr 1e-3, betas 0.9/0.999, eps 1e-8, wd 1e-2. */
    public record Config(double lr, double beta1, double beta2, double eps, double weightDecay) {
        public Config {
            if (lr < 0 || beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1 || eps < 0 || weightDecay < 0) {
                throw new IllegalArgumentException("AdamW: invalid hyper-parameters " + this);
            }
        }

        public static Config torchDefaults() {
            return new Config(1e-3, 0.9, 0.999, 1e-8, 1e-2);
        }

        /** {@code lr} and {@code weightDecay} with torch's betas (0.9, 0.999) and eps (1e-8), as TRL's trainers use them. */
        public static Config torch(double lr, double weightDecay) {
            return new Config(lr, 0.9, 0.999, 1e-8, weightDecay);
        }

        public static Config gpt2() {
            return new Config(6e-4, 0.9, 0.95, 1e-8, 0.1);
        }
    }

    private final Config config;
    private final List<Tensor> params = new ArrayList<>();
    private final List<Boolean> decays = new ArrayList<>();
    private final Map<Tensor, Tensor[]> moments = new IdentityHashMap<>();
    private double lr;
    private long t;

    /** Every trainable parameter of {@code model}, all with weight decay (as {@code torch.optim.AdamW(model.parameters())}). */
    public AdamW(Module model, Config config) {
        this(model.namedParameters(), config, name -> true);
    }

    /** The trainable parameters of {@code named}; {@code decay} selects by name those that get weight decay. */
    public AdamW(Map<String, Tensor> named, Config config, Predicate<String> decay) {
        this.config = config;
        this.lr = config.lr();
        if (Arena.isOpen()) {
            throw new IllegalStateException("AdamW: create the optimizer outside arenas (its moments outlive every step)");
        }
        for (Map.Entry<String, Tensor> e : named.entrySet()) {
            Tensor p = e.getValue();
            if (p.requiresGrad()) {
                params.add(p);
                decays.add(decay.test(e.getKey()));
                moments.put(p, new Tensor[] {
                    Tensor.zeros(p.dtype().computeType(), p.shape()), Tensor.zeros(p.dtype().computeType(), p.shape())});
            }
        }
    }

    /**
     * Which parameters decay: matrices (rank >= 2: embeddings, projections, LoRA factors, heads), not biases or norm
     * weights. nanoGPT's grouping, and Hugging Face's rule (no decay for biases and LayerNorm weights) for these models.
     */
    public static Predicate<String> matricesOnly(Map<String, Tensor> named) {
        return name -> named.get(name).rank() >= 2;
    }

    /** Number of steps taken. */
    public long steps() {
        return t;
    }

    @Override
    public void step() {
        t++;
        for (int i = 0; i < params.size(); i++) {
            Tensor p = params.get(i);
            Tensor g = p.grad();
            if (g == null) {
                continue;
            }
            Tensor[] mv = moments.get(p);
            double decay = decays.get(i) ? config.weightDecay() : 0.0;
            AdamWUpdate.step(p, g, mv[0], mv[1], lr, config.beta1(), config.beta2(), config.eps(), decay, t);
        }
    }

    @Override
    public List<Tensor> parameters() {
        return java.util.Collections.unmodifiableList(params);
    }

    /** The moment buffers m and v of every trained parameter, in {@link #parameters()} order (e.g. to count their memory). */
    public List<Tensor> moments() {
        List<Tensor> out = new ArrayList<>();
        for (Tensor p : params) {
            out.addAll(List.of(moments.get(p)));
        }
        return java.util.Collections.unmodifiableList(out);
    }

    /**
     * The state {@code torch.optim.AdamW.state_dict()} holds, to checkpoint a run: {@code "<i>.exp_avg"} and
     * {@code "<i>.exp_avg_sq"} (m and v) of the i-th trained parameter in {@link #parameters()} order, as torch keys
     * its state by parameter index. The tensors are the live buffers, not copies; the step count is {@link #steps()}.
     */
    public Map<String, Tensor> state() {
        Map<String, Tensor> out = new java.util.LinkedHashMap<>();
        for (int i = 0; i < params.size(); i++) {
            Tensor[] mv = moments.get(params.get(i));
            out.put(i + ".exp_avg", mv[0]);
            out.put(i + ".exp_avg_sq", mv[1]);
        }
        return out;
    }

    /**
     * Continues from a {@link #state()} and step count saved by an optimizer over the same parameters: every moment
     * is copied into place. A missing key or a shape that differs is refused, naming it, before anything changes.
     */
    public void restore(long steps, Map<String, Tensor> saved) {
        if (steps < 0) {
            throw new IllegalArgumentException("AdamW: a negative step count " + steps);
        }
        Map<String, Tensor> live = state();
        for (Map.Entry<String, Tensor> e : live.entrySet()) {
            Tensor s = saved.get(e.getKey());
            if (s == null) {
                throw new IllegalArgumentException("AdamW: the saved state has no " + e.getKey() + " (" + live.size() / 2
                        + " parameters expected, " + saved.size() / 2 + " saved)");
            }
            if (!java.util.Arrays.equals(s.shape(), e.getValue().shape())) {
                throw new IllegalArgumentException("AdamW: saved " + e.getKey() + " has shape " + java.util.Arrays.toString(s.shape())
                        + ", the parameter " + java.util.Arrays.toString(e.getValue().shape()));
            }
        }
        if (saved.size() != live.size()) {
            throw new IllegalArgumentException("AdamW: the saved state has " + saved.size() + " moments, this optimizer " + live.size());
        }
        for (Map.Entry<String, Tensor> e : live.entrySet()) {
            e.getValue().assign(saved.get(e.getKey()));
        }
        this.t = steps;
    }

    @Override
    public double learningRate() {
        return lr;
    }

    @Override
    public void setLearningRate(double lr) {
        this.lr = lr;
    }

    /** Frees the moment buffers. */
    public void release() {
        for (Tensor[] mv : moments.values()) {
            mv[0].release();
            mv[1].release();
        }
        moments.clear();
    }
}
