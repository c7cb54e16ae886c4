package dev.rlhf4j.core;

import dev.rlhf4j.core.cpu.CpuKernels;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reverse-mode differentiation over the graph that op results record: sort the nodes that need a gradient so
 * every node comes after its inputs, seed the root, and run each node's backward rule in reverse order. A
 * node's gradient is complete when its turn comes, because everything that uses it came later in the order.
 */
final class Backprop {
    private Backprop() {
    }

    /** Backpropagates 1 from a one-element {@code root} (typically a loss). */
    static void fromScalar(Tensor root) {
        if (root.numel() != 1) {
            throw new ShapeException("backward: called on a tensor of shape " + Shapes.str(root.shape())
                    + "; pass a gradient of that shape or reduce to a scalar first");
        }
        start(root, Nd4j.onesLike(root.computeValue()));
    }

    /** Backpropagates {@code gradient} (root's shape) from {@code root}; the caller keeps {@code gradient}. */
    static void fromGradient(Tensor root, Tensor gradient) {
        if (!Arrays.equals(gradient.shape(), root.shape())) {
            throw Shapes.mismatch("backward", root.shape(), gradient.shape(), "differ: the gradient must have the tensor's shape");
        }
        INDArray given = gradient.computeValue();
        INDArray seed = CpuKernels.uninitialized(given.dataType(), given.shape());  // the root's buffer: freed after use
        seed.assign(given);
        start(root, seed);
    }

    private static void start(Tensor root, INDArray seed) {
        if (!root.requiresGrad()) {
            seed.close();
            throw new IllegalStateException("backward: '" + root.op() + "' does not require a gradient "
                    + "(no input had requiresGrad(true), or it was computed inside NoGrad)");
        }
        run(root, seed);
    }

    /** Backpropagates {@code seed} (owned by the callee) from {@code root}. */
    static void run(Tensor root, INDArray seed) {
        List<Tensor> order = topologicalOrder(root);
        root.accumulate(seed);
        for (int i = order.size() - 1; i >= 0; i--) {
            order.get(i).propagate();
        }
    }

    /** Nodes that require a gradient, inputs before users; iterative, so deep graphs cannot overflow the stack. */
    static List<Tensor> topologicalOrder(Tensor root) {
        List<Tensor> order = new ArrayList<>();
        Map<Tensor, Boolean> visited = new IdentityHashMap<>();
        ArrayDeque<Frame> stack = new ArrayDeque<>();
        stack.push(new Frame(root));
        visited.put(root, Boolean.TRUE);
        while (!stack.isEmpty()) {
            Frame frame = stack.peek();
            Tensor[] inputs = frame.node.parents();
            while (frame.next < inputs.length && skip(inputs[frame.next], visited)) {
                frame.next++;
            }
            if (frame.next < inputs.length) {
                Tensor input = inputs[frame.next++];
                visited.put(input, Boolean.TRUE);
                stack.push(new Frame(input));
            } else {
                stack.pop();
                order.add(frame.node);
            }
        }
        return order;
    }

    private static boolean skip(Tensor input, Map<Tensor, Boolean> visited) {
        return input == null || !input.requiresGrad() || visited.containsKey(input);
    }

    /** A node being visited and the index of its next input to descend into. */
    private static final class Frame {
        final Tensor node;
        int next;

        Frame(Tensor node) {
            this.node = node;
        }
    }
}
