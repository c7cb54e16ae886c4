package dev.rlhf4j.core;

import java.util.Arrays;
import dev.rlhf4j.core.cpu.CpuKernels;
import dev.rlhf4j.core.cpu.CpuKernels.Path;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Element-wise operations with NumPy broadcasting. Each forward is followed by its backward rule; a gradient
 * that flowed through a broadcast is summed back to the input's shape ({@link Shapes#reduceTo}).
 */
final class Elementwise {
    private Elementwise() {
    }

    /** sqrt(2 / pi), the constant of GPT-2's tanh-approximated GELU. */
    private static final double GELU_C = Math.sqrt(2.0 / Math.PI);
    private static final double GELU_A = 0.044715;

    // ------------------------------------------------------------ binary arithmetic

    static Tensor add(Tensor a, Tensor b) {
        Shapes.broadcast("add", a.shape(), b.shape());
        INDArray[] in = promote(a, b);
        if (!Tensor.recording(a, b) && Arrays.equals(a.shape(), b.shape()) && CpuKernels.applies(Path.SMALL, in[0], in[1])) {
            return fastAdd(in);
        }
        return Tensor.result("add", in[0].add(in[1]), g -> {
            if (a.needsGrad()) a.accumulate(Shapes.reduceTo(g, a.shape()));
            if (b.needsGrad()) b.accumulate(Shapes.reduceTo(g, b.shape()));
        }, a, b);
    }

    static Tensor sub(Tensor a, Tensor b) {
        Shapes.broadcast("sub", a.shape(), b.shape());
        INDArray[] in = promote(a, b);
        return Tensor.result("sub", in[0].sub(in[1]), g -> {
            if (a.needsGrad()) a.accumulate(Shapes.reduceTo(g, a.shape()));
            if (b.needsGrad()) b.accumulate(reduceToAndFree(g.neg(), b.shape()));
        }, a, b);
    }

    static Tensor mul(Tensor a, Tensor b) {
        Shapes.broadcast("mul", a.shape(), b.shape());
        INDArray[] in = promote(a, b);
        return Tensor.result("mul", in[0].mul(in[1]), g -> {
            if (a.needsGrad()) a.accumulate(reduceToAndFree(g.mul(in[1]), a.shape()));
            if (b.needsGrad()) b.accumulate(reduceToAndFree(g.mul(in[0]), b.shape()));
        }, a, b);
    }

    static Tensor div(Tensor a, Tensor b) {
        Shapes.broadcast("div", a.shape(), b.shape());
        INDArray[] in = promote(a, b);
        INDArray out = in[0].div(in[1]);
        return Tensor.result("div", out, g -> {
            if (a.needsGrad()) a.accumulate(reduceToAndFree(g.div(in[1]), a.shape()));
            if (b.needsGrad()) {                                   // d(a/b)/db = -(a/b) / b
                INDArray gb = g.mul(out).divi(in[1]).negi();
                b.accumulate(reduceToAndFree(gb, b.shape()));
            }
        }, a, b);
    }

    static Tensor addScalar(Tensor a, double c) {
        return Tensor.result("add", a.computeValue().add(c), g -> a.accumulate(g.dup()), a);
    }

    static Tensor mulScalar(Tensor a, double c) {
        return Tensor.result("mul", a.computeValue().mul(c), g -> a.accumulate(g.mul(c)), a);
    }

    // ------------------------------------------------------------ unary functions

    static Tensor pow(Tensor a, double p) {
        INDArray x = a.computeValue();
        return Tensor.result("pow", Transforms.pow(x, p, true), g -> {
            try (INDArray d = Transforms.pow(x, p - 1, true)) {   // p x^(p-1)
                a.accumulate(d.muli(p).muli(g).dup());
            }
        }, a);
    }

    static Tensor exp(Tensor a) {
        INDArray out = Transforms.exp(a.computeValue(), true);
        return Tensor.result("exp", out, g -> a.accumulate(g.mul(out)), a);
    }

    static Tensor log(Tensor a) {
        INDArray x = a.computeValue();
        return Tensor.result("log", Transforms.log(x, true), g -> a.accumulate(g.div(x)), a);
    }

    static Tensor sqrt(Tensor a) {
        INDArray out = Transforms.sqrt(a.computeValue(), true);
        return Tensor.result("sqrt", out, g -> a.accumulate(g.div(out).muli(0.5)), a);
    }

    static Tensor tanh(Tensor a) {
        INDArray out = Transforms.tanh(a.computeValue(), true);
        return Tensor.result("tanh", out, g -> {                   // 1 - tanh^2
            try (INDArray d = out.mul(out).rsubi(1.0)) {
                a.accumulate(d.muli(g).dup());
            }
        }, a);
    }

    static Tensor sigmoid(Tensor a) {
        INDArray out = Transforms.sigmoid(a.computeValue(), true);
        return Tensor.result("sigmoid", out, g -> {                // s (1 - s)
            try (INDArray d = out.rsub(1.0)) {
                a.accumulate(d.muli(out).muli(g).dup());
            }
        }, a);
    }

    /** log sigmoid(x) = min(x, 0) - log(1 + exp(-|x|)), stable for large |x| of either sign. */
    static Tensor logSigmoid(Tensor a) {
        INDArray x = a.computeValue();
        INDArray out;
        try (INDArray softplus = Transforms.abs(x, true); INDArray minX0 = Transforms.min(x, 0.0, true)) {
            Transforms.log1p(Transforms.exp(softplus.negi(), false), false);   // log(1 + exp(-|x|)), in place
            out = minX0.sub(softplus);
        }
        return Tensor.result("logSigmoid", out, g -> {               // d/dx = sigmoid(-x) = 1 - exp(out)
            try (INDArray d = Transforms.exp(out, true).rsubi(1.0)) {
                a.accumulate(d.muli(g).dup());
            }
        }, a);
    }

    /** |x|; the gradient is sign(x), zero at zero as in PyTorch. */
    static Tensor abs(Tensor a) {
        INDArray x = a.computeValue();
        return Tensor.result("abs", Transforms.abs(x, true), g -> a.accumulate(Transforms.sign(x, true).muli(g)), a);
    }

    static Tensor relu(Tensor a) {
        INDArray x = a.computeValue();
        return Tensor.result("relu", Transforms.relu(x, true), g -> {
            try (INDArray positive = x.gt(0.0); INDArray m = positive.castTo(g.dataType())) {
                a.accumulate(g.mul(m));
            }
        }, a);
    }

    /**
     * GPT-2's {@code gelu_new}: 0.5 x (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3). ND4J's own GELU ops use
     * other approximations, so this one is written out, as {@code x * sigmoid(2u)} (the same function, since
     * 0.5 (1 + tanh(u)) = sigmoid(2u)) to save passes over the (B, T, 4C) activations.
     */
    static Tensor gelu(Tensor a) {
        INDArray x = a.computeValue();
        if (CpuKernels.applies(Path.SIMD, x)) {
            return fastGelu(a, x);
        }
        INDArray s = x.mul(x).muli(2 * GELU_C * GELU_A).addi(2 * GELU_C).muli(x);   // 2u
        Transforms.sigmoid(s, false);                                             // s = sigmoid(2u), kept
        INDArray out = x.mul(s);
        return Tensor.result("gelu", out, g -> {
            // d/dx = s + x s (1 - s) d(2u)/dx,  d(2u)/dx = 2c (1 + 3a x^2)
            INDArray d = x.mul(x).muli(6 * GELU_C * GELU_A).addi(2 * GELU_C).muli(x);
            try (INDArray oneMinus = s.rsub(1.0)) {
                d.muli(oneMinus).muli(s).addi(s).muli(g);
            }
            a.accumulate(d);
        }, a).save(s);
    }

    // ------------------------------------------------------------ clipping and selection

    /** Clamps into [min, max]; the gradient passes where min <= x <= max, as in PyTorch. */
    static Tensor clamp(Tensor a, double min, double max) {
        if (min > max) {
            throw new IllegalArgumentException("clamp: min " + min + " > max " + max);
        }
        INDArray x = a.computeValue();
        INDArray out;
        try (INDArray upper = Transforms.min(x, max, true)) {
            out = Transforms.max(upper, min, true);
        }
        return Tensor.result("clamp", out, g -> {
            try (INDArray lo = x.gte(min); INDArray hi = x.lte(max);
                 INDArray inside = lo.castTo(g.dataType()); INDArray hiF = hi.castTo(g.dataType())) {
                a.accumulate(inside.muli(hiF).muli(g).dup());
            }
        }, a);
    }

    static Tensor minimum(Tensor a, Tensor b) {
        return extremum("minimum", a, b, false);
    }

    static Tensor maximum(Tensor a, Tensor b) {
        return extremum("maximum", a, b, true);
    }

    /** Element-wise min or max; at ties each input receives half the gradient, as in PyTorch. */
    private static Tensor extremum(String op, Tensor a, Tensor b, boolean max) {
        long[] shape = Shapes.broadcast(op, a.shape(), b.shape());
        INDArray[] in = promote(a, b);
        INDArray x = expand(in[0], shape);
        INDArray y = expand(in[1], shape);
        INDArray out = max ? Transforms.max(x, y, true) : Transforms.min(x, y, true);
        return Tensor.result(op, out, g -> {
            try (INDArray wins = max ? x.gt(y) : x.lt(y); INDArray ties = x.eq(y);
                 INDArray share = wins.castTo(g.dataType()); INDArray tie = ties.castTo(g.dataType())) {
                share.addi(tie.muli(0.5));                          // weight of a in the result
                if (a.needsGrad()) a.accumulate(reduceToAndFree(g.mul(share), a.shape()));
                if (b.needsGrad()) b.accumulate(reduceToAndFree(share.rsub(1.0).muli(g), b.shape()));
            }
        }, a, b).save(x, y);
    }

    /** {@code condition ? ifTrue : ifFalse} with broadcasting; condition is nonzero/true where selected. */
    static Tensor where(Tensor condition, Tensor ifTrue, Tensor ifFalse) {
        long[] shape = Shapes.broadcast("where", Shapes.broadcast("where", condition.shape(), ifTrue.shape()), ifFalse.shape());
        INDArray[] in = promote(ifTrue, ifFalse);
        INDArray mask = boolMask("where", condition, shape);
        INDArray out;
        try (INDArray x = expand(in[0], shape); INDArray y = expand(in[1], shape)) {
            out = x.ulike();
            Nd4j.exec(DynamicCustomOp.builder("select").addInputs(mask, x, y).addOutputs(out).build());
        }
        return Tensor.result("where", out, g -> {
            try (INDArray m = mask.castTo(g.dataType())) {
                if (ifTrue.needsGrad()) ifTrue.accumulate(reduceToAndFree(g.mul(m), ifTrue.shape()));
                if (ifFalse.needsGrad()) ifFalse.accumulate(reduceToAndFree(m.rsub(1.0).muli(g), ifFalse.shape()));
            }
        }, ifTrue, ifFalse).save(mask);
    }

    /** Sets positions where {@code mask} is nonzero to {@code fill} (e.g. -inf above a causal diagonal). */
    static Tensor maskedFill(Tensor a, Tensor mask, double fill) {
        long[] shape = a.shape();
        long[] joint = Shapes.broadcast("maskedFill", shape, mask.shape());
        if (!Arrays.equals(joint, shape)) {
            throw Shapes.mismatch("maskedFill", shape, mask.shape(), "do not match: the mask must broadcast to the input");
        }
        INDArray x = a.computeValue();
        INDArray m = boolMask("maskedFill", mask, shape);
        INDArray out = x.ulike();
        try (INDArray filled = Nd4j.valueArrayOf(shape, fill, x.dataType())) {
            Nd4j.exec(DynamicCustomOp.builder("select").addInputs(m, filled, x).addOutputs(out).build());
        }
        return Tensor.result("maskedFill", out, g -> {
            try (INDArray keep = m.castTo(g.dataType())) {
                a.accumulate(keep.rsubi(1.0).muli(g).dup());
            }
        }, a).save(m);
    }

    /** Converts the type; the gradient is converted back to the input's compute type. */
    static Tensor cast(Tensor a, DType type) {
        INDArray x = a.value();
        if (a.dtype() == type) {
            return Tensor.viewResult("to", x, g -> a.accumulate(g.dup()), a);
        }
        return Tensor.result("to", x.castTo(type.nd4j()), g -> a.accumulate(g.castTo(a.dtype().computeType().nd4j())), a);
    }

    // ------------------------------------------------------------ fast twins (core.cpu): the definitions above, faster

    /** {@link #add} of two small tensors of one shape with no graph (one-token decoding): one pass. */
    private static Tensor fastAdd(INDArray[] in) {
        return Tensor.inferenceResult("add", CpuKernels.add(in[0], in[1]));
    }

    /** {@link #gelu} as one SIMD pass each way (float32 on the CPU); backward recomputes s from x. */
    private static Tensor fastGelu(Tensor a, INDArray x) {
        return Tensor.result("gelu", CpuKernels.gelu(x, GELU_C, GELU_A), g -> {
            try (INDArray dense = CpuKernels.applies(Path.SIMD, g) ? null : g.dup('c')) {   // a view: made contiguous
                a.accumulate(CpuKernels.geluBackward(x, dense == null ? g : dense, GELU_C, GELU_A));
            }
        }, a);
    }

    // ------------------------------------------------------------ helpers

    /** Both operands in their common compute type (float64 if either is; float32 otherwise). */
    static INDArray[] promote(Tensor a, Tensor b) {
        INDArray x = a.computeValue();
        INDArray y = b.computeValue();
        if (x.dataType() == y.dataType()) {
            return new INDArray[] {x, y};
        }
        DataType wide = x.dataType() == DataType.DOUBLE || y.dataType() == DataType.DOUBLE ? DataType.DOUBLE : DataType.FLOAT;
        return new INDArray[] {castOwned(x, wide), castOwned(y, wide)};
    }

    /** {@code v} itself if already of {@code type}, else a cast copy owned by the open arena (freed with it). */
    static INDArray castOwned(INDArray v, DataType type) {
        return v.dataType() == type ? v : Tensor.wrap(v.castTo(type)).value();
    }

    /** A new array of {@code shape} holding {@code x} broadcast into it. */
    static INDArray expand(INDArray x, long[] shape) {
        if (Arrays.equals(x.shape(), shape)) {
            return x.dup();
        }
        return Nd4j.zeros(x.dataType(), shape).addi(x);
    }

    /** A boolean array of {@code shape}: true where {@code condition} is nonzero. */
    private static INDArray boolMask(String op, Tensor condition, long[] shape) {
        INDArray c = condition.value();
        INDArray numeric = c.dataType() == DataType.BOOL ? c.castTo(DataType.DOUBLE) : c;
        try (INDArray full = expand(numeric, shape)) {
            if (numeric != c) {
                numeric.close();
            }
            return full.neq(0.0);
        }
    }

    private static INDArray reduceToAndFree(INDArray grad, long[] shape) {
        if (Arrays.equals(grad.shape(), shape)) {
            return grad;
        }
        INDArray r = Shapes.reduceTo(grad, shape);
        grad.close();
        return r;
    }
}
