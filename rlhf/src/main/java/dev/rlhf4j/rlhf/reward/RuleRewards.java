package dev.rlhf4j.rlhf.reward;

import java.util.Map;
import java.util.TreeMap;

/**
 * The built-in rule rewards that {@code ./rlhf4j grpo|rloo --reward-funcs} selects by name; examples of
 * {@link TextReward}s to copy when writing one's own:
 * <pre>
 *   length   characters of the completion / 100 (EOS text excluded): pays for longer answers
 *   eos      1 if the completion ended with the end-of-text token, else 0: pays for finishing
 * </pre>
 * Weighted against each other ({@code --reward-funcs length,eos --reward-weights 1,2}) they trade length for ending.
 */
public final class RuleRewards {
    /** How GPT-2's end-of-text token decodes. */
    public static final String EOS_TEXT = "<|endoftext|>";

    private RuleRewards() {
    }

    /** Every built-in rule by name. */
    public static Map<String, TextReward> all() {
        Map<String, TextReward> rules = new TreeMap<>();
        rules.put("length", (prompt, completion) -> completion.replace(EOS_TEXT, "").length() / 100.0);
        rules.put("eos", (prompt, completion) -> completion.endsWith(EOS_TEXT) ? 1.0 : 0.0);
        return rules;
    }

    /** The rule called {@code name}; the error lists the names there are. */
    public static TextReward named(String name) {
        TextReward r = all().get(name);
        if (r == null) {
            throw new IllegalArgumentException("no rule reward '" + name + "'; the built-in ones are " + all().keySet());
        }
        return r;
    }
}
