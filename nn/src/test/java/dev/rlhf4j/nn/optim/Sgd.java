package dev.rlhf4j.nn.optim;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.Module;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent as {@code torch.optim.SGD} (no dampening, no Nesterov):
 * {@code g' = g + wd p;  b = momentum b + g' (b = g' at the first step);  p = p - lr b}.
 */
public final class Sgd implements Optimizer {
    private final List<Tensor> params = new ArrayList<>();
    private final double momentum;
    private final double weightDecay;
    private final Map<Tensor, Tensor> buffers = new IdentityHashMap<>();
    private double lr;
    private long steps;

    public Sgd(Module model, double lr, double momentum, double weightDecay) {
        if (lr < 0 || momentum < 0 || weightDecay < 0) {
            throw new IllegalArgumentException("Sgd: lr, momentum and weight decay must be >= 0");
        }
        if (Arena.isOpen()) {
            throw new IllegalStateException("Sgd: create the optimizer outside arenas (its momentum buffers outlive every step)");
        }
        for (Tensor p : model.parameters()) {
            if (p.requiresGrad()) {
                params.add(p);
                if (momentum != 0) {
                    buffers.put(p, Tensor.zeros(p.dtype().computeType(), p.shape()));
                }
            }
        }
        this.lr = lr;
        this.momentum = momentum;
        this.weightDecay = weightDecay;
    }

    @Override
    public void step() {
        stepParams();
        steps++;
    }

    private void stepParams() {
        for (Tensor p : params) {
            if (p.grad() == null) {
                continue;
            }
            try (Arena scratch = Arena.open(); NoGrad ng = NoGrad.enter()) {
                Tensor g = p.grad();
                if (weightDecay != 0) {
                    g = g.add(p.mul(weightDecay));
                }
                if (momentum != 0) {
                    Tensor b = buffers.get(p);
                    if (steps == 0) {
                        b.assign(g);
                    } else {
                        b.scaleInPlace(momentum).addInPlace(g, 1.0);
                    }
                    g = b;
                }
                p.addInPlace(g, -lr);
            }
        }
    }

    @Override
    public List<Tensor> parameters() {
        return java.util.Collections.unmodifiableList(params);
    }

    @Override
    public double learningRate() {
        return lr;
    }

    @Override
    public void setLearningRate(double lr) {
        this.lr = lr;
    }
}
