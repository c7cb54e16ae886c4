package dev.rlhf4j.rlhf.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.rlhf.memory.ActivationMemory.Head;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** The identities the activation and KV-cache estimates promise, over random GPT-2 and Llama shapes and batches. */
class ActivationMemoryProperties {
    /** Korthikanti et al.'s 16-bit layout: 2-byte values, 1-byte dropout masks. */
    private static final Precision SIXTEEN_BIT = new Precision("16-bit", 2, 2, 4, 2, 1, 2);

    private static ModelShape gpt2(int layers, int heads, int headSize) {
        int c = heads * headSize;
        return new ModelShape("gpt2-like", ModelShape.Architecture.GPT2, layers, c, heads, heads, 4 * c, 1000, 4096, true);
    }

    /** Korthikanti et al.'s {@code s b h (34 + 5 a s / h)} in their 16-bit layout, and its float32 form in rlhf4j's. */
    @Property(tries = 200)
    void gpt2LayerIsKorthikantisFormula(@ForAll @IntRange(min = 1, max = 48) int heads,
                                        @ForAll @IntRange(min = 1, max = 128) int headSize,
                                        @ForAll @IntRange(min = 1, max = 64) int batch,
                                        @ForAll @IntRange(min = 1, max = 4096) int seq) {
        ModelShape s = gpt2(12, heads, headSize);
        long c = s.hidden();
        long paper = (long) batch * seq * (34 * c + 5L * heads * seq);
        assertEquals(paper, ActivationMemory.perLayer(s, SIXTEEN_BIT, batch, seq, true));
        long float32 = (long) batch * seq * (72 * c + 12L * heads * seq);      // values and masks of 4 bytes
        assertEquals(float32, ActivationMemory.perLayer(s, Precision.of(DType.FLOAT32), batch, seq, true));
    }

    @Property(tries = 100)
    void everyPassIsLinearInTheBatch(@ForAll @IntRange(min = 1, max = 16) int batch, @ForAll @IntRange(min = 2, max = 8) int k,
                                     @ForAll @IntRange(min = 1, max = 1024) int seq, @ForAll Head head,
                                     @ForAll @IntRange(min = 0, max = 64) int rank, @ForAll boolean llama) {
        ModelShape s = llama ? ModelShape.llama70b() : ModelShape.preset("gpt2");
        Precision p = Precision.of(DType.BFLOAT16);
        assertEquals(k * ActivationMemory.trainingStep(s, p, batch, seq, head, rank),
                ActivationMemory.trainingStep(s, p, (long) k * batch, seq, head, rank));
        assertEquals(k * ActivationMemory.frozenPass(s, p, batch, seq, head),
                ActivationMemory.frozenPass(s, p, (long) k * batch, seq, head));
    }

    @Property(tries = 100)
    void kvCacheIsTwoLayersBatchPositionsKvWidth(@ForAll @IntRange(min = 1, max = 64) int batch,
                                                 @ForAll @IntRange(min = 1, max = 4096) int seq, @ForAll boolean llama,
                                                 @ForAll boolean bf16) {
        ModelShape s = llama ? ModelShape.llama70b() : ModelShape.preset("gpt2-xl");
        DType type = bf16 ? DType.BFLOAT16 : DType.FLOAT32;
        long keysOfOneLayer = (long) batch * s.kvHeads() * seq * s.headSize();       // (B, nkv, T, hs)
        assertEquals(2 * s.layers() * keysOfOneLayer * type.bytes(),
                ActivationMemory.kvCache(s, Precision.of(type), batch, seq));
    }

    @Property(tries = 100)
    void quadraticTermGrowsFourfoldWhenTDoubles(@ForAll @IntRange(min = 1, max = 16) int batch,
                                               @ForAll @IntRange(min = 1, max = 2048) int seq, @ForAll boolean dropout) {
        ModelShape s = ModelShape.preset("gpt2-medium");
        Precision p = Precision.of(DType.FLOAT32);
        long once = ActivationMemory.perLayer(s, p, batch, seq, dropout);
        long twice = ActivationMemory.perLayer(s, p, batch, 2L * seq, dropout);
        long linear = (long) batch * seq * ActivationMemory.perToken(s, p, dropout);
        assertEquals(4 * (once - linear), twice - 2 * linear, "the attention scores are quadratic in T");
    }
}
