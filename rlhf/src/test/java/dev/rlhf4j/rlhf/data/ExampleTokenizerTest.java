package dev.rlhf4j.rlhf.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

/**
 * Tokenizing under the limits: a long prompt keeps its last tokens, a long completion its first, the end-of-text id
 * closes a completion that fits, and every cut is counted.
 */
class ExampleTokenizerTest {
    private static final Gpt2Tokenizer GPT2 = Gpt2Tokenizer.gpt2();
    private static final int EOS = 50256;

    private static int[] tail(int[] ids, int n) {
        return Arrays.copyOfRange(ids, ids.length - n, ids.length);
    }

    private static int[] withEos(int[] ids) {
        int[] out = Arrays.copyOf(ids, ids.length + 1);
        out[ids.length] = EOS;
        return out;
    }

    @Test
    void shortExamplesAreKeptWholeWithEos() {
        var sft = new ExampleTokenizer(GPT2, TokenLimits.trlDefaults()).sft(List.of(new SftRecord("Hello", " world")));
        CompletionExample e = sft.examples().get(0);
        assertArrayEquals(GPT2.encode("Hello"), e.prompt());
        assertArrayEquals(withEos(GPT2.encode(" world")), e.completion());
        assertEquals(0, sft.promptsTruncated());
        assertEquals(0, sft.completionsTruncated());
    }

    @Test
    void withoutEosTheCompletionIsItsTextOnly() {
        var sft = new ExampleTokenizer(GPT2, new TokenLimits(8, 16, false)).sft(List.of(new SftRecord("Hi", " there")));
        assertArrayEquals(GPT2.encode(" there"), sft.examples().get(0).completion());
    }

    @Test
    void aLongPromptKeepsItsEndAndALongCompletionItsStart() {
        String prompt = "one two three four five six seven eight nine ten";        // 10 tokens
        String completion = " alpha beta gamma delta epsilon";                      // 5 tokens, + EOS
        int[] p = GPT2.encode(prompt);
        int[] c = withEos(GPT2.encode(completion));
        assertEquals(10, p.length);
        var sft = new ExampleTokenizer(GPT2, new TokenLimits(4, 7, true)).sft(List.of(
                new SftRecord(prompt, completion), new SftRecord("one two", " alpha"), new SftRecord(prompt, " x")));
        CompletionExample cut = sft.examples().get(0);
        assertArrayEquals(tail(p, 4), cut.prompt());
        assertArrayEquals(Arrays.copyOf(c, 3), cut.completion());
        CompletionExample whole = sft.examples().get(1);
        assertArrayEquals(GPT2.encode("one two"), whole.prompt());
        assertArrayEquals(withEos(GPT2.encode(" alpha")), whole.completion());
        assertArrayEquals(withEos(GPT2.encode(" x")), sft.examples().get(2).completion());
        assertEquals(2, sft.promptsTruncated());
        assertEquals(1, sft.completionsTruncated());
        assertEquals("3 examples, 2 prompts truncated (left), 1 completions truncated (right)", sft.summary());
    }

    @Test
    void preferencePairsShareTheirPromptAndCountEachCompletion() {
        String longer = " a b c d e f g h";
        var pairs = new ExampleTokenizer(GPT2, new TokenLimits(3, 6, true)).preferences(List.of(
                new PreferenceRecord("x y z w", longer, " ok"), new PreferenceRecord("x", longer, longer)));
        PreferenceExample first = pairs.examples().get(0);
        assertArrayEquals(tail(GPT2.encode("x y z w"), 3), first.prompt());
        assertArrayEquals(Arrays.copyOf(GPT2.encode(longer), 3), first.chosen());
        assertArrayEquals(withEos(GPT2.encode(" ok")), first.rejected());
        assertArrayEquals(Arrays.copyOf(GPT2.encode(longer), 5), pairs.examples().get(1).rejected());
        assertEquals(1, pairs.promptsTruncated());
        assertEquals(3, pairs.completionsTruncated());
        assertEquals(List.of(2, 1, 3), List.copyOf(pairs.counts().values()));
    }

    @Test
    void promptsForPpoCountOnlyPromptCuts() {
        var prompts = new ExampleTokenizer(GPT2, new TokenLimits(2, 3, true))
                .prompts(List.of(new PromptRecord("a b c"), new PromptRecord("a")));
        assertArrayEquals(tail(GPT2.encode("a b c"), 2), prompts.examples().get(0));
        assertArrayEquals(GPT2.encode("a"), prompts.examples().get(1));
        assertEquals(1, prompts.promptsTruncated());
        assertEquals(0, prompts.completionsTruncated());
    }

    @Test
    void specialTokensInTheDataStayText() {
        var sft = new ExampleTokenizer(GPT2, TokenLimits.trlDefaults())
                .sft(List.of(new SftRecord("<|endoftext|>", "<|endoftext|>")));
        int[] completion = sft.examples().get(0).completion();
        assertTrue(Arrays.stream(sft.examples().get(0).prompt()).noneMatch(id -> id == EOS));
        assertEquals(1, Arrays.stream(completion).filter(id -> id == EOS).count(), "only the appended one");
    }

    @Test
    void limitsLeaveRoomForACompletion() {
        assertEquals("max_length (4) must exceed max_prompt_length (4), so that every completion keeps a token",
                assertThrows(IllegalArgumentException.class, () -> new TokenLimits(4, 4, true)).getMessage());
        assertEquals("max_prompt_length must be at least 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> new TokenLimits(0, 4, true)).getMessage());
    }

    @Property(tries = 100)
    void truncationKeepsThePromptsEndTheCompletionsStartAndCountsEveryCut(
            @ForAll @StringLength(min = 1, max = 60) String prompt, @ForAll @StringLength(min = 1, max = 60) String completion,
            @ForAll @IntRange(min = 1, max = 12) int maxPrompt, @ForAll @IntRange(min = 1, max = 12) int room) {
        TokenLimits limits = new TokenLimits(maxPrompt, maxPrompt + room, true);
        var sft = new ExampleTokenizer(GPT2, limits).sft(List.of(new SftRecord(prompt, completion)));
        CompletionExample e = sft.examples().get(0);
        int[] p = GPT2.encode(prompt);
        int[] c = withEos(GPT2.encode(completion));
        assertArrayEquals(tail(p, Math.min(p.length, maxPrompt)), e.prompt());
        assertArrayEquals(Arrays.copyOf(c, Math.min(c.length, limits.maxLength() - e.prompt().length)), e.completion());
        assertEquals(p.length > maxPrompt ? 1 : 0, sft.promptsTruncated());
        assertEquals(e.completion().length < c.length ? 1 : 0, sft.completionsTruncated());
        assertTrue(e.tokens().length <= limits.maxLength());
    }
}
