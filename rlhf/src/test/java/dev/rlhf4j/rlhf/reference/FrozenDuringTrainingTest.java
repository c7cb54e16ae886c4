package dev.rlhf4j.rlhf.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.batch.PaddedBatch;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.nn.optim.AdamW;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every strategy through a few AdamW steps of the policy: the policy's weights and log-probs change, and no reference
 * does (same SHA-256 seal, same log-probs to the bit); the optimizer holds none of the references' tensors.
 */
class FrozenDuringTrainingTest {

    @Test
    void afterAdamWStepsThePolicyHasMovedAndNoReferenceHas() throws IOException {
        Gpt2LMHeadModel policy = Tiny.fixtureModel(DType.FLOAT32);
        FakeLora lora = new FakeLora(Tiny.fixtureModel(DType.FLOAT32));
        Path dir = Files.createTempDirectory("frozen-during-training");
        List<int[]> data = Tiny.sequences(4, 12, 512, 71);
        PaddedBatch batch = PaddedBatch.rightPadded(data, 0);
        Tensor mask = Tiny.completionMask(batch, 2);
        String policyBefore = ContentHash.ofWeights(policy.namedParameters());

        Map<String, ReferenceModel> refs = new LinkedHashMap<>();
        refs.put("frozen", new FrozenCopyReference(policy));
        refs.put("bf16", HalfPrecisionReference.of(policy, DType.BFLOAT16));
        refs.put("f16", HalfPrecisionReference.of(policy, DType.FLOAT16));
        refs.put("offloaded", OffloadedReference.of(policy, dir.resolve("reference.safetensors")));
        refs.put("synchronized", new SynchronizedReference(policy, 1_000, 0.6));
        refs.put("lora-disabled", new LoraDisabledReference(lora, lora.adapterSwitch(), lora.baseWeights()));
        refs.put("precomputed", PrecomputedReference.prepare(dir.resolve(PrecomputedReference.FILE_NAME),
                PrecomputedReference.Key.of(policy.namedParameters(), data, "no tokenizer"), data, 2, 0,
                () -> new FrozenCopyReference(policy)));
        refs.put("periodic", new PeriodicReference(new FrozenCopyReference(policy), 1));
        Map<String, double[]> before = new LinkedHashMap<>();
        refs.forEach((name, ref) -> before.put(name, Tiny.values(ref, batch, mask)));
        double[] policyLogProbs = Tiny.values((LogitsModel) policy::forward, batch, mask);

        AdamW opt = Tiny.adamW(policy);
        AdamW adapterOpt = Tiny.adamW(lora.adapted);
        for (long step = 1; step <= 4; step++) {
            Tiny.step(policy, opt, data.get(1));
            Tiny.step(lora.adapted, adapterOpt, data.get(1));
            for (ReferenceModel ref : refs.values()) {
                ref.onStep(policy, step);
            }
        }
        assertNotEquals(policyBefore, ContentHash.ofWeights(policy.namedParameters()), "the policy's weights moved");
        assertFalse(Arrays.equals(policyLogProbs, Tiny.values((LogitsModel) policy::forward, batch, mask)), "and its log-probs");
        refs.forEach((name, ref) -> {
            ref.verifyFrozen();
            assertArrayEquals(before.get(name), Tiny.values(ref, batch, mask), 0.0, name + ": log-probs unchanged");
        });

        Set<Tensor> optimized = Collections.newSetFromMap(new IdentityHashMap<>());
        optimized.addAll(opt.parameters());
        optimized.addAll(adapterOpt.parameters());
        optimized.addAll(new AdamW(policy.namedParameters(), AdamW.Config.torchDefaults(), n -> true).parameters());
        List<Tensor> held = new ArrayList<>();
        held.addAll(((FrozenCopyReference) refs.get("frozen")).weights().values());
        held.addAll(((FrozenCopyReference) refs.get("bf16")).weights().values());
        held.addAll(((SynchronizedReference) refs.get("synchronized")).weights().values());
        held.addAll(lora.baseWeights().values());
        for (Tensor t : held) {
            assertFalse(optimized.contains(t), "an optimizer of the policy holds reference tensor " + t.name());
            assertFalse(t.requiresGrad(), t.name());
        }
        assertTrue(new AdamW(lora.base, AdamW.Config.torchDefaults()).parameters().isEmpty(), "a frozen base gives an optimizer nothing");
        refs.values().forEach(ReferenceModel::close);
        policy.release();
        lora.release();
    }
}
