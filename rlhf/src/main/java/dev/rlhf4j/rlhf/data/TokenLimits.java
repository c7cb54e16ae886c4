package dev.rlhf4j.rlhf.data;

/**
 * How long a tokenized example may be, with TRL's names. A prompt longer than {@code maxPromptLength} keeps its last
 * tokens (truncated from the left, TRL's {@code truncation_mode="keep_end"}: the end of a prompt is what the
 * completion answers); then prompt plus completion is cut to {@code maxLength} by dropping the completion's last
 * tokens. Since {@code maxPromptLength < maxLength}, every completion keeps at least one token.
 *
 * @param maxPromptLength TRL's {@code max_prompt_length}: the most prompt tokens kept
 * @param maxLength       TRL's {@code max_length}: the most prompt plus completion tokens kept
 * @param appendEos       whether each completion ends with the end-of-text token, as TRL's SFT and DPO trainers add
 *                        it, so that the model learns to stop (a truncated completion loses it with its tail)
 */
public record TokenLimits(int maxPromptLength, int maxLength, boolean appendEos) {
    public TokenLimits {
        if (maxPromptLength < 1) {
            throw new IllegalArgumentException("max_prompt_length must be at least 1, got " + maxPromptLength);
        }
        if (maxLength <= maxPromptLength) {
            throw new IllegalArgumentException("max_length (" + maxLength + ") must exceed max_prompt_length ("
                    + maxPromptLength + "), so that every completion keeps a token");
        }
    }

    /** TRL's DPO defaults: 512 prompt tokens, 1024 in all, EOS appended. */
    public static TokenLimits trlDefaults() {
        return new TokenLimits(512, 1024, true);
    }

    /** GPT-2's context: 1024 tokens in all, of which at most {@code maxPromptLength} prompt tokens, EOS appended. */
    public static TokenLimits gpt2(int maxPromptLength) {
        return new TokenLimits(maxPromptLength, 1024, true);
    }
}
