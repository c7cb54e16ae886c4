package dev.rlhf4j.rlhf.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Labels pairs of completions the way a noisy human would under the Bradley-Terry model (Bradley and Terry 1952;
 * Christiano et al. 2017): the first completion a of a prompt is preferred to the second, b, with probability
 * <pre>
 *   P(a preferred to b) = sigmoid((gold(a) - gold(b)) / tau)
 * </pre>
 * where gold is the hidden {@link GoldReward}. A large tau makes labels close to coin flips, a small one makes them
 * follow the gold reward; equal gold rewards are a coin flip. The draws come from {@code new Random(seed)}, one
 * {@code nextDouble()} per pair in order, so a seed gives the same labels on every JVM.
 */
public final class PreferenceLabeller {
    /**
     * One labelled pair.
     *
     * @param prompt the prompt both completions continue
     * @param chosen the preferred completion
     * @param rejected the other one
     * @param firstChosen whether {@code chosen} was the first completion given (to map back to token ids)
     * @param chosenGold gold reward of {@code chosen}
     * @param rejectedGold gold reward of {@code rejected}
     */
    public record Judgement(String prompt, String chosen, String rejected, boolean firstChosen, double chosenGold,
                            double rejectedGold) {
        /** Whether the label agrees with the gold reward (false for a tie or a noisy flip). */
        public boolean agreesWithGold() {
            return chosenGold > rejectedGold;
        }

        /**
         * Whether both completions have the same gold reward, so the label is a coin flip. Two samples of the SFT
         * model tie about one time in six; dropping ties keeps the reward model's held-out accuracy meaningful.
         */
        public boolean isTie() {
            return chosenGold == rejectedGold;
        }
    }

    private final double tau;
    private final Random random;

    /** @param tau the Bradley-Terry temperature, > 0 */
    public PreferenceLabeller(double tau, long seed) {
        if (!(tau > 0) || Double.isInfinite(tau)) {
            throw new IllegalArgumentException("PreferenceLabeller: tau must be a positive finite number, got " + tau);
        }
        this.tau = tau;
        this.random = new Random(seed);
    }

    /** sigmoid((goldA - goldB) / tau), the probability that a is preferred. */
    public double probabilityFirstPreferred(double goldA, double goldB) {
        double x = (goldA - goldB) / tau;
        return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    }

    /** Labels one pair, drawing one uniform number. */
    public Judgement label(String prompt, String a, String b) {
        double goldA = GoldReward.of(a);
        double goldB = GoldReward.of(b);
        boolean firstChosen = random.nextDouble() < probabilityFirstPreferred(goldA, goldB);
        return firstChosen ? new Judgement(prompt, a, b, true, goldA, goldB) : new Judgement(prompt, b, a, false, goldB, goldA);
    }

    /** Labels {@code first.get(i)} against {@code second.get(i)} as continuations of {@code prompts.get(i)}, in order. */
    public List<Judgement> label(List<String> prompts, List<String> first, List<String> second) {
        if (prompts.size() != first.size() || prompts.size() != second.size()) {
            throw new IllegalArgumentException("PreferenceLabeller: " + prompts.size() + " prompts but " + first.size()
                    + " first and " + second.size() + " second completions");
        }
        List<Judgement> out = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            out.add(label(prompts.get(i), first.get(i), second.get(i)));
        }
        return out;
    }
}
