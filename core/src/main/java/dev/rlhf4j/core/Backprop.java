package dev.rlhf4j.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Reverse-mode differentiation over the graph that op results record: sort the nodes that need a gradient so
 * every node comes after its inputs, seed the root, and run each node's backward rule in reverse order. A
 * node's gradient is complete when its turn comes, because everything that uses it came later in the order.
 */
final class Backprop {
    private Backprop() {
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
