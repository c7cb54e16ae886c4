package dev.rlhf4j.nn.gpt2;

import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TorchCpuCrossEntropy;
import dev.rlhf4j.nn.model.CausalLM;

/**
 * The causal-LM loss as Hugging Face transformers computes it for {@code model(input_ids, labels=input_ids)}
 * ({@code ForCausalLMLoss}), rounding included:
 * <pre>
 *   logits = logits.float()                              a downcast to float32 when the model runs in float64
 *   labels = pad(labels, (0, 1), value=-100)[..., 1:]    next-token targets, -100 at the last position
 *   loss   = F.cross_entropy(logits.view(-1, V), labels.view(-1), ignore_index=-100, reduction="mean")
 * </pre>
 * with the cross-entropy in float32 by PyTorch's CPU kernels ({@link TorchCpuCrossEntropy}, core's test support). So the loss is
 * a float32 number and the gradient reaching the float64 logits carries float32 rounding (~1e-7 relative), exactly
 * as in references recorded from transformers on CPU in float64. Use it to compare with such references;
 * {@link CausalLM#loss} is the same loss in the model's own precision.
 */
public final class TransformersCausalLMLoss {
    /** transformers' {@code ignore_index}. */
    public static final long IGNORE_INDEX = -100;

    private TransformersCausalLMLoss() {
    }

    /** The loss of {@code model} on {@code inputIds} (B, T): a scalar in the model's dtype holding a float32 value. */
    public static Tensor of(CausalLM model, Tensor inputIds) {
        return of(model, inputIds, TorchCpuCrossEntropy.AVX2_LANES);
    }

    /**
     * The same as recorded by a PyTorch build with {@code lanes}-wide float32 vectors: 8 (AVX2, as gpt2-tiny-random's
     * references) or 16 (AVX-512, as the gpt2-tiny-random-lora references).
     */
    public static Tensor of(CausalLM model, Tensor inputIds, int lanes) {
        Tensor logits = model.forward(inputIds);                               // (B, T, V)
        return TorchCpuCrossEntropy.apply(logits, CausalLM.nextTokenTargets(inputIds, IGNORE_INDEX), IGNORE_INDEX, lanes);
    }
}
