package dev.rlhf4j.nn.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** PEFT's rules for which layers an adapter targets and which rank and alpha each one gets. */
class LoraConfigTest {
    private static final String ATTN = "transformer.h.0.attn.c_attn";
    private static final String ATTN_PROJ = "transformer.h.0.attn.c_proj";
    private static final String MLP_PROJ = "transformer.h.1.mlp.c_proj";

    @Test
    void namesMatchWholeOrAsADottedSuffix() {
        LoraConfig c = LoraConfig.of(4, 8, "c_proj", "h.0.attn.c_attn");
        assertTrue(c.targets(ATTN_PROJ));
        assertTrue(c.targets(MLP_PROJ));
        assertTrue(c.targets(ATTN));
        assertTrue(c.targets("c_proj"), "the whole name");
        assertFalse(c.targets("transformer.h.1.attn.c_attn"), "h.1 is not h.0");
        assertFalse(LoraConfig.of(4, 8, "proj").targets(ATTN_PROJ), "a suffix starts after a dot");
        assertTrue(LoraConfig.of(4, 8, "attn.c_proj").targets(ATTN_PROJ));
        assertFalse(LoraConfig.of(4, 8, "attn.c_proj").targets(MLP_PROJ));
    }

    @Test
    void aRegexMustMatchTheWholeName() {
        LoraConfig c = new LoraConfig(4, 8, 0, null, ".*\\.h\\.1\\..*c_(fc|proj)", false, Map.of(), Map.of(), null);
        assertTrue(c.targets(MLP_PROJ));
        assertFalse(c.targets(ATTN_PROJ));
        assertFalse(new LoraConfig(4, 8, 0, null, "c_proj", false, Map.of(), Map.of(), null).targets(MLP_PROJ), "fullmatch, not search");
        LoraConfig all = new LoraConfig(4, 8, 0, null, LoraConfig.ALL_LINEAR, false, Map.of(), Map.of(), null);
        assertTrue(all.targets(ATTN) && all.targets(MLP_PROJ));
        assertFalse(all.targets("score") || all.targets("v_head.summary") || all.targets("lm_head"), "output heads stay");
    }

    @Test
    void patternsGiveLayersTheirOwnRankAndAlphaFirstMatchWinning() {
        Map<String, Integer> ranks = new LinkedHashMap<>();
        ranks.put("h\\.0\\.attn\\.c_attn", 2);
        ranks.put("c_attn", 16);
        LoraConfig c = LoraConfig.gpt2AllProjections(4, 8).withPatterns(ranks, Map.of("mlp.c_proj", 32.0));
        assertEquals(2, c.rank(ATTN));
        assertEquals(16, c.rank("transformer.h.1.attn.c_attn"));
        assertEquals(4, c.rank(ATTN_PROJ));
        assertEquals(8.0 / 2, c.scaling(ATTN));
        assertEquals(32.0 / 4, c.scaling(MLP_PROJ));
        assertEquals(8.0 / 4, c.scaling(ATTN_PROJ));
        assertEquals(8.0 / Math.sqrt(4), c.withRslora(true).scaling(ATTN_PROJ), 0.0, "rsLoRA: alpha / sqrt(r)");
    }

    @Test
    void presetsNameGpt2sProjections() {
        assertEquals(List.of("c_attn"), LoraConfig.gpt2Attention(8, 16).targetModules());
        assertEquals(List.of("c_attn", "c_proj", "c_fc"), LoraConfig.gpt2AllProjections(8, 16).targetModules());
        assertEquals(0.1, LoraConfig.gpt2Attention(8, 16).withDropout(0.1).loraDropout());
    }

    @Test
    void badConfigurationsAreNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LoraConfig.of(0, 8, "c_attn")).getMessage().contains("rank r"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LoraConfig.of(4, 8)).getMessage().contains("empty"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LoraConfig.of(4, 8, "c_attn").withDropout(1.0))
                .getMessage().contains("lora_dropout"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new LoraConfig(4, 8, 0, null, "c_(attn", false, Map.of(), Map.of(), null)).getMessage().contains("c_(attn"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new LoraConfig(4, 8, 0, List.of("c_attn"), "c_fc", false, Map.of(), Map.of(), null)).getMessage().contains("both"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> LoraConfig.of(4, 8, "c_attn").withPatterns(Map.of("c_attn", 0), Map.of())).getMessage().contains("rank_pattern"));
    }
}
