package dev.rlhf4j.rlhf.reference;

import dev.rlhf4j.core.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The seal behind {@link ReferenceModel#verifyFrozen}: a SHA-256 of every weight taken when the reference is made
 * (or synchronised), checked later together with {@code requiresGrad == false}. A reference that an optimizer,
 * an in-place update, a shared tensor or a rewritten weights file has touched fails with the name of the first
 * weight that moved.
 */
final class FrozenCheck {
    /** Weights visited one at a time by name, e.g. {@code map::forEach}, or read from a file and freed in turn. */
    @FunctionalInterface
    interface Weights {
        void forEach(BiConsumer<String, Tensor> visit);
    }

    private final String owner;
    private Map<String, String> sealed;

    private FrozenCheck(String owner, Map<String, String> sealed) {
        this.owner = owner;
        this.sealed = sealed;
    }

    /** Seals {@code weights} as they are now; {@code owner} names the strategy in error messages. */
    static FrozenCheck seal(String owner, Weights weights) {
        return new FrozenCheck(owner, hashes(weights));
    }

    /** Takes the weights as they are now as the new seal (after a deliberate change such as a synchronisation). */
    void reseal(Weights weights) {
        sealed = hashes(weights);
    }

    /** Throws {@link IllegalStateException} unless no weight requires a gradient and every hash is the sealed one. */
    void verify(Weights weights) {
        Map<String, String> now = new LinkedHashMap<>();
        weights.forEach((name, t) -> {
            if (t.requiresGrad()) {
                throw new IllegalStateException(owner + ": reference parameter '" + name + "' requires grad; a reference must"
                        + " be frozen (Module.freeze()) and never given to an optimizer");
            }
            String hash = ContentHash.ofTensor(t);
            if (sealed.containsKey(name) && !hash.equals(sealed.get(name))) {
                throw new IllegalStateException(owner + ": reference parameter '" + name + "' changed since it was sealed"
                        + " (SHA-256 " + sealed.get(name) + " then, " + hash + " now)");
            }
            now.put(name, hash);
        });
        if (!now.keySet().equals(sealed.keySet())) {
            throw new IllegalStateException(owner + ": the reference's weights are not the sealed set (" + now.size()
                    + " names now, " + sealed.size() + " when sealed)");
        }
    }

    private static Map<String, String> hashes(Weights weights) {
        Map<String, String> out = new LinkedHashMap<>();
        weights.forEach((name, t) -> out.put(name, ContentHash.ofTensor(t)));
        return out;
    }

    /** Bytes of the weights' values. */
    static long bytes(Map<String, Tensor> weights) {
        long n = 0;
        for (Tensor t : weights.values()) {
            n += t.numel() * t.dtype().bytes();
        }
        return n;
    }
}
