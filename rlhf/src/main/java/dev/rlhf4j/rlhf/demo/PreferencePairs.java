package dev.rlhf4j.rlhf.demo;

import dev.rlhf4j.nn.generate.GenerationConfig;
import dev.rlhf4j.nn.generate.Generator;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.rlhf.data.CompletionExample;
import dev.rlhf4j.rlhf.train.MetricsSink;
import dev.rlhf4j.rlhf.data.PreferenceExample;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The demo's preference data (stage 3): two completions of the SFT model per prompt, sampled at temperature 1,
 * labelled by the {@link PreferenceLabeller} from the hidden {@link GoldReward} with Bradley-Terry noise. Pairs whose
 * completions have equal gold rewards are dropped (their label would be a coin flip); the rest are split 80/20 into
 * training and held-out pairs. The learners get only the token ids of the pairs; the gold rewards stay here, for
 * the report's correlation between reward-model score and gold reward on held-out completions.
 *
 * @param train      the reward model's and DPO's training pairs
 * @param heldOut    the pairs the reward model's accuracy is measured on
 * @param heldOutGold the gold reward of each held-out pair's chosen (first half) and rejected (second half) completion
 * @param ties       pairs dropped for equal gold rewards
 * @param agreement  fraction of kept pairs whose label agrees with the gold reward (1 minus the label noise)
 */
public record PreferencePairs(List<PreferenceExample> train, List<PreferenceExample> heldOut, double[] heldOutGold, int ties,
                              double agreement) {

    /** Prompts sampled in one generation batch. */
    public static final int CHUNK = 512;

    public PreferencePairs {
        train = List.copyOf(train);
        heldOut = List.copyOf(heldOut);
        heldOutGold = heldOutGold.clone();
        if (train.isEmpty() || heldOut.isEmpty() || heldOutGold.length != 2 * heldOut.size()) {
            throw new IllegalArgumentException("PreferencePairs: need training and held-out pairs and two gold rewards per"
                    + " held-out pair, got " + train.size() + ", " + heldOut.size() + " and " + heldOutGold.length);
        }
    }

    /**
     * Samples, labels and splits.
     *
     * @param model        the SFT model
     * @param prompts      one prompt per pair
     * @param maxNewTokens new tokens per completion at most
     * @param tau          the labeller's Bradley-Terry temperature
     * @param seed         the sampling and labelling seed
     * @param progress     told after each chunk of {@link #CHUNK} prompts is sampled (step = chunks done)
     */
    public static PreferencePairs sample(CausalLM model, Gpt2Tokenizer tokenizer, List<String> prompts, int maxNewTokens,
                                         double tau, long seed, MetricsSink progress) {
        int eos = tokenizer.eosTokenId();
        List<int[]> ids = prompts.stream().map(tokenizer::encode).toList();
        int[][] first = new int[prompts.size()][];
        int[][] second = new int[prompts.size()][];
        Generator generator = new Generator(model);
        for (int from = 0, chunk = 0; from < prompts.size(); from += CHUNK, chunk++) {
            List<int[]> part = ids.subList(from, Math.min(prompts.size(), from + CHUNK));
            long chunkSeed = seed + 2L * chunk;
            System.arraycopy(generator.generate(part, GenerationConfig.sampling(maxNewTokens, 1.0, 0, 1.0, eos, chunkSeed)).tokens(),
                    0, first, from, part.size());
            System.arraycopy(generator.generate(part, GenerationConfig.sampling(maxNewTokens, 1.0, 0, 1.0, eos, chunkSeed + 1)).tokens(),
                    0, second, from, part.size());
            progress.onStep(chunk + 1, Map.of("prompts", (double) Math.min(prompts.size(), from + CHUNK)));
        }
        PreferenceLabeller labeller = new PreferenceLabeller(tau, seed - 1);
        List<PreferenceExample> pairs = new ArrayList<>();
        List<double[]> golds = new ArrayList<>();
        int ties = 0;
        int agree = 0;
        for (int i = 0; i < prompts.size(); i++) {
            int[] a = first[i];
            int[] b = second[i];
            PreferenceLabeller.Judgement j = labeller.label(prompts.get(i), tokenizer.decode(a), tokenizer.decode(b));
            if (j.isTie() || a.length == 0 || b.length == 0) {
                ties++;
                continue;
            }
            agree += j.agreesWithGold() ? 1 : 0;
            pairs.add(j.firstChosen() ? new PreferenceExample(ids.get(i), a, b) : new PreferenceExample(ids.get(i), b, a));
            golds.add(new double[] {j.chosenGold(), j.rejectedGold()});
        }
        int nTrain = pairs.size() * 4 / 5;
        List<PreferenceExample> heldOut = pairs.subList(nTrain, pairs.size());
        double[] heldOutGold = new double[2 * heldOut.size()];
        for (int i = 0; i < heldOut.size(); i++) {
            heldOutGold[i] = golds.get(nTrain + i)[0];
            heldOutGold[heldOut.size() + i] = golds.get(nTrain + i)[1];
        }
        return new PreferencePairs(pairs.subList(0, nTrain), heldOut, heldOutGold, ties, agree / (double) pairs.size());
    }

    /** The held-out completions, chosen ones first then rejected ones, in the order of {@link #heldOutGold}. */
    public List<CompletionExample> heldOutCompletions() {
        List<CompletionExample> out = new ArrayList<>(2 * heldOut.size());
        heldOut.forEach(p -> out.add(p.chosenExample()));
        heldOut.forEach(p -> out.add(p.rejectedExample()));
        return out;
    }

    @Override
    public double[] heldOutGold() {
        return heldOutGold.clone();
    }
}
