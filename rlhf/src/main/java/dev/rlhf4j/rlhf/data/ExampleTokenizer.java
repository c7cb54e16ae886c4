package dev.rlhf4j.rlhf.data;

import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns text records into the trainers' token examples with GPT-2's tokenizer, under {@link TokenLimits}: prompts
 * keep their last {@code maxPromptLength} tokens, prompt plus completion keeps its first {@code maxLength}, and each
 * cut is counted in the returned {@link Tokenized}. Special tokens in the text stay plain text (user data cannot
 * smuggle in an end-of-text token); the end-of-text id is appended to completions when the limits say so.
 */
public final class ExampleTokenizer {
    private final Gpt2Tokenizer tokenizer;
    private final TokenLimits limits;

    public ExampleTokenizer(Gpt2Tokenizer tokenizer, TokenLimits limits) {
        this.tokenizer = tokenizer;
        this.limits = limits;
    }

    public TokenLimits limits() {
        return limits;
    }

    /** SFT examples: the loss falls on the completion's tokens. */
    public Tokenized<CompletionExample> sft(List<SftRecord> records) {
        Counter count = new Counter();
        List<CompletionExample> out = new ArrayList<>(records.size());
        for (SftRecord r : records) {
            int[] prompt = prompt(r.prompt(), count);
            out.add(new CompletionExample(prompt, completion(r.completion(), prompt.length, count)));
        }
        return new Tokenized<>(out, count.prompts, count.completions);
    }

    /** Preference pairs: both completions follow the same (truncated) prompt. */
    public Tokenized<PreferenceExample> preferences(List<PreferenceRecord> records) {
        Counter count = new Counter();
        List<PreferenceExample> out = new ArrayList<>(records.size());
        for (PreferenceRecord r : records) {
            int[] prompt = prompt(r.prompt(), count);
            out.add(new PreferenceExample(prompt, completion(r.chosen(), prompt.length, count),
                    completion(r.rejected(), prompt.length, count)));
        }
        return new Tokenized<>(out, count.prompts, count.completions);
    }

    /** PPO prompts: the policy writes the completions, so only the prompt limit applies. */
    public Tokenized<int[]> prompts(List<PromptRecord> records) {
        Counter count = new Counter();
        List<int[]> out = new ArrayList<>(records.size());
        for (PromptRecord r : records) {
            out.add(prompt(r.prompt(), count));
        }
        return new Tokenized<>(out, count.prompts, 0);
    }

    private int[] prompt(String text, Counter count) {
        int[] ids = tokenizer.encode(text);
        if (ids.length <= limits.maxPromptLength()) {
            return ids;
        }
        count.prompts++;
        return Arrays.copyOfRange(ids, ids.length - limits.maxPromptLength(), ids.length);
    }

    private int[] completion(String text, int promptLength, Counter count) {
        int[] ids = tokenizer.encode(text);
        if (limits.appendEos()) {
            ids = Arrays.copyOf(ids, ids.length + 1);
            ids[ids.length - 1] = tokenizer.eosTokenId();
        }
        int room = limits.maxLength() - promptLength;            // >= 1 since the prompt fits maxPromptLength
        if (ids.length <= room) {
            return ids;
        }
        count.completions++;
        return Arrays.copyOf(ids, room);
    }

    private static final class Counter {
        int prompts;
        int completions;
    }
}
