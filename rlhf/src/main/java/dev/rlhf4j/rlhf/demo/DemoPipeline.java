package dev.rlhf4j.rlhf.demo;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.nn.model.AutoModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.nn.model.ModelConfig;
import dev.rlhf4j.rlhf.reference.FrozenCopyReference;
import dev.rlhf4j.rlhf.reward.RewardModel;
import dev.rlhf4j.rlhf.run.Progress;
import dev.rlhf4j.rlhf.data.CompletionExample;
import dev.rlhf4j.rlhf.train.DpoConfig;
import dev.rlhf4j.rlhf.train.DpoTrainer;
import dev.rlhf4j.rlhf.train.MetricsSink;
import dev.rlhf4j.rlhf.train.PpoTrainer;
import dev.rlhf4j.rlhf.train.PpoTrainerConfig;
import dev.rlhf4j.rlhf.train.RewardConfig;
import dev.rlhf4j.rlhf.train.RewardModelTrainer;
import dev.rlhf4j.rlhf.train.SeparateCritic;
import dev.rlhf4j.rlhf.train.SftConfig;
import dev.rlhf4j.rlhf.train.SftTrainer;
import dev.rlhf4j.nn.optim.SchedulerType;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The whole RLHF story on synthetic reviews, from nothing to a report, in nine stages:
 * <ol>
 *   <li>a corpus written by {@link ReviewCorpus}'s grammar and a byte-level BPE trained on it;</li>
 *   <li>SFT of a small GPT-2 on the corpus ({@link SftTrainer});</li>
 *   <li>preference pairs: two samples of the SFT model per prompt, labelled from the hidden {@link GoldReward}
 *       ({@link PreferencePairs});</li>
 *   <li>a reward model on the pairs: the SFT trunk and a new score head ({@link RewardModelTrainer});</li>
 *   <li>PPO from the SFT model against the reward model, the SFT model as frozen reference, the critic initialised
 *       from the reward model ({@link PpoTrainer});</li>
 *   <li>DPO from the SFT model on the same pairs, the SFT model as frozen reference ({@link DpoTrainer});</li>
 *   <li>GRPO and</li>
 *   <li>RLOO from the SFT model against the same reward model and reference, without a critic
 *       ({@link CriticFreeStages});</li>
 *   <li>evaluation of every policy on the same prompts with the same sampling seed ({@link DemoEvaluation}).</li>
 * </ol>
 * The learners see only the pairs and the reward model; the gold reward is read by the labeller, the evaluation
 * and the online methods' gold curves ({@link GoldWatch}). Every random choice comes from the seed, so a seed gives the same
 * figures on every run.
 */
public final class DemoPipeline {
    /** What the pipeline shows while it runs: a progress bar per stage and a one-line result. */
    public interface Console {
        /** A progress bar over {@code steps} steps of a stage. */
        Progress progress(String stage, long steps);

        /** The stage's one-line result. */
        void result(String line);
    }

    /** What a run produced. */
    public record Outcome(DemoSummary summary, DemoCurves curves, List<StageSamples> stages) {
    }

    private final DemoSettings settings;
    private final long seed;
    private final Console console;

    public DemoPipeline(DemoSettings settings, long seed, Console console) {
        this.settings = settings;
        this.seed = seed;
        this.console = console;
    }

    /** Runs the nine stages. */
    public Outcome run() {
        long start = System.nanoTime();
        DemoSettings s = settings;
        Map<String, Double> split = new LinkedHashMap<>();
        long[] lap = {start};
        java.util.function.Consumer<String> took = stage -> {
            long now = System.nanoTime();
            split.put(stage, (now - lap[0]) / 1e9);
            lap[0] = now;
        };

        // 1. corpus and BPE tokenizer
        ReviewCorpus corpus = ReviewCorpus.generate(s.corpusSize(), seed);
        Gpt2Tokenizer tokenizer = corpus.trainTokenizer(s.bpeMerges());
        List<CompletionExample> sftData = corpus.sftExamples(tokenizer);
        console.result(String.format(Locale.ROOT, "1 corpus: %d reviews, BPE vocabulary %d tokens", s.corpusSize(),
                tokenizer.vocabSize()));
        took.accept("corpus");

        // 2. SFT of a small GPT-2
        int eos = tokenizer.eosTokenId();
        ModelConfig config = AutoModel.preset("gpt2").withoutDropout()
                .resized(s.nLayer(), s.nHead(), s.nEmbd(), s.nPositions(), tokenizer.vocabSize(), eos, eos);
        CausalLM sft = AutoModel.random(config, DType.FLOAT32, seed + 1);
        SftConfig sftConfig = SftConfig.trlDefaults().toBuilder().learningRate(s.sftLr()).adamBeta2(0.99).warmupRatio(0.05)
                .perDeviceTrainBatchSize(s.sftBatch()).numTrainEpochs(1).maxSteps(s.sftSteps()).seed(seed + 2)
                .maxLength(s.nPositions()).build();
        double[] sftLoss = new double[1];
        try (Progress bar = console.progress("2 sft", s.sftSteps())) {
            SftTrainer trainer = new SftTrainer(sft, sftData, sftConfig, bar.andThen((step, m) -> sftLoss[0] = m.get("loss")));
            trainer.train();
            trainer.release();
        }
        console.result(String.format(Locale.ROOT, "2 sft: %d steps of %d reviews, a %d-layer %d-channel GPT-2 (%,d parameters),"
                + " final loss %.3f", s.sftSteps(), s.sftBatch(), s.nLayer(), s.nEmbd(), parameters(sft), sftLoss[0]));
        took.accept("sft");

        // 3. preference pairs, labelled from the hidden gold reward
        PreferencePairs pairs;
        int chunks = (s.pairPrompts() + PreferencePairs.CHUNK - 1) / PreferencePairs.CHUNK;
        try (Progress bar = console.progress("3 pairs", chunks)) {
            pairs = PreferencePairs.sample(sft, tokenizer, ReviewCorpus.prompts(s.pairPrompts(), seed + 3), s.maxNewTokens(),
                    s.labelTau(), seed + 4, bar);
        }
        console.result(String.format(Locale.ROOT, "3 pairs: %d training and %d held-out pairs (%d ties dropped), labels agree"
                + " with gold %.1f%%", pairs.train().size(), pairs.heldOut().size(), pairs.ties(), 100 * pairs.agreement()));
        took.accept("pairs");

        // 4. reward model: the SFT trunk and a new score head, Bradley-Terry loss
        RewardModel rewardModel = RewardModel.fromLm(sft, seed + 5);
        RewardConfig rmConfig = RewardConfig.trlDefaults().toBuilder().learningRate(s.rmLr()).adamBeta2(0.99)
                .perDeviceTrainBatchSize(s.rmBatch()).numTrainEpochs(s.rmEpochs()).seed(seed + 6)
                .perDeviceEvalBatchSize(64).maxLength(s.nPositions()).build();
        List<Double> rmTrain = new ArrayList<>();
        List<Double> rmHeld = new ArrayList<>();
        double[] epochAccuracy = new double[2];                   // sum of step accuracies, steps
        MetricsSink rmCurve = (step, m) -> {
            epochAccuracy[0] += m.get("accuracy");
            epochAccuracy[1]++;
            if (m.containsKey("eval_accuracy") && rmHeld.size() < s.rmEpochs()) {
                rmTrain.add(epochAccuracy[0] / epochAccuracy[1]);
                rmHeld.add(m.get("eval_accuracy"));
                epochAccuracy[0] = 0;
                epochAccuracy[1] = 0;
            }
        };
        long rmSteps = rmConfig.batching().plan(pairs.train().size()).totalSteps();
        try (Progress bar = console.progress("4 reward", rmSteps)) {
            RewardModelTrainer trainer = new RewardModelTrainer(rewardModel, pairs.train(), pairs.heldOut(), rmConfig,
                    bar.andThen(rmCurve));
            trainer.train();
            trainer.release();
        }
        rewardModel.eval();
        double rmAccuracy = rmHeld.get(rmHeld.size() - 1);
        double[] heldOutScores = DemoEvaluation.scores(rewardModel, pairs.heldOutCompletions(), eos);
        console.result(String.format(Locale.ROOT, "4 reward model: held-out pairwise accuracy %.3f after %d epochs (train %.3f)",
                rmAccuracy, s.rmEpochs(), rmTrain.get(rmTrain.size() - 1)));
        took.accept("reward");

        FrozenCopyReference reference = new FrozenCopyReference(sft);
        try {
            // 5. PPO against the reward model
            PpoRun ppoRun = ppo(sft, rewardModel, reference, tokenizer, eos);
            CausalLM ppo = ppoRun.actor();
            took.accept("ppo");

            // 6. DPO on the same pairs
            CausalLM dpo = sft.deepCopy();
            DpoConfig dpoConfig = DpoConfig.trlDefaults().toBuilder().learningRate(s.dpoLr()).beta(s.dpoBeta())
                    .perDeviceTrainBatchSize(s.dpoBatch()).numTrainEpochs(s.dpoEpochs()).maxLength(s.nPositions())
                    .maxPromptLength(s.nPositions() / 2).lrSchedulerType(SchedulerType.CONSTANT).seed(seed + 9).build();
            List<Double> margins = new ArrayList<>();
            List<Double> accuracies = new ArrayList<>();
            long dpoSteps = (long) Math.ceil(s.dpoEpochs() * Math.ceil(pairs.train().size() / (double) s.dpoBatch()));
            try (DpoTrainer trainer = DpoTrainer.of(dpo, reference, dpoConfig); Progress bar = console.progress("6 dpo", dpoSteps)) {
                trainer.train(pairs.train(), bar.andThen((step, m) -> {
                    margins.add(m.get("rewards/margins"));
                    accuracies.add(m.get("rewards/accuracies"));
                }));
            }
            int tail = Math.min(10, margins.size());
            console.result(String.format(Locale.ROOT, "6 dpo: %d steps, beta %.2f; last %d steps' rewards/margins %.3f,"
                    + " accuracy %.3f", margins.size(), s.dpoBeta(), tail, tailMean(margins, tail), tailMean(accuracies, tail)));
            took.accept("dpo");

            // 7, 8. GRPO and RLOO against the reward model, no critic, on PPO's prompts continued by the same seed (each used once)
            List<String> groupPrompts = ReviewCorpus.prompts(Math.max(4 * s.ppoRollouts(), s.groupSteps() * s.groupPrompts()), seed + 8);
            CriticFreeStages criticFree = new CriticFreeStages(s, seed + 12, console, tokenizer, groupPrompts);
            CriticFreeStages.Run grpo = criticFree.grpo("7 grpo", sft, rewardModel, reference);
            took.accept("grpo");
            CriticFreeStages.Run rloo = criticFree.rloo("8 rloo", sft, rewardModel, reference);
            took.accept("rloo");

            // 9. evaluation of every stage on the same prompts with the same sampling seed
            DemoEvaluation evaluation = new DemoEvaluation(tokenizer, rewardModel, reference,
                    ReviewCorpus.prompts(s.evalPrompts(), seed + 10), s.maxNewTokens(), seed + 11);
            List<StageSamples> stages = new ArrayList<>();
            List<Map.Entry<String, CausalLM>> policies = List.of(Map.entry("sft", sft), Map.entry("ppo", ppo),
                    Map.entry("dpo", dpo), Map.entry("grpo", grpo.policy()), Map.entry("rloo", rloo.policy()));
            try (Progress bar = console.progress("9 evaluation", policies.size())) {
                for (Map.Entry<String, CausalLM> p : policies) {
                    stages.add(evaluation.evaluate(p.getKey(), p.getValue(), p.getValue() == sft));
                    bar.onStep(stages.size(), Map.of());
                }
            }
            took.accept("evaluation");
            double seconds = (System.nanoTime() - start) / 1e9;
            DemoSummary summary = DemoSummary.of(seed, seconds, rmAccuracy, heldOutScores, pairs.heldOutGold(), s.klBound(), stages,
                    split);
            console.result(String.format(Locale.ROOT, "9 evaluation: %d prompts per stage; PPO %+.2f sd, DPO %+.2f sd, GRPO %+.2f sd,"
                    + " RLOO %+.2f sd of SFT's gold reward", s.evalPrompts(), summary.stage("ppo").gainInSftSd(),
                    summary.stage("dpo").gainInSftSd(), summary.stage("grpo").gainInSftSd(), summary.stage("rloo").gainInSftSd()));
            DemoCurves curves = new DemoCurves(unbox(rmTrain), unbox(rmHeld), ppoRun.proxy(), ppoRun.gold(),
                    ppoRun.kl(), unbox(margins), unbox(accuracies), List.of(grpo.curves(), rloo.curves()));
            ppo.release();
            dpo.release();
            grpo.policy().release();
            rloo.policy().release();
            sft.release();
            rewardModel.release();
            return new Outcome(summary, curves, stages);
        } finally {
            reference.close();
        }
    }

    /** The PPO-trained policy and its curves per iteration: reward-model score, gold reward and KL of the rollouts. */
    private record PpoRun(CausalLM actor, double[] proxy, double[] gold, double[] kl) {
    }

    /** Stage 5: PPO from a copy of the SFT model. */
    private PpoRun ppo(CausalLM sft, RewardModel rewardModel, FrozenCopyReference reference, Gpt2Tokenizer tokenizer,
                       int eos) {
        DemoSettings s = settings;
        CausalLM actor = sft.deepCopy();
        SeparateCritic critic = SeparateCritic.fromRewardModel(rewardModel.model(),
                rewardModel.namedParameters().get("score.weight"));
        GoldWatch watched = new GoldWatch(rewardModel, tokenizer);
        PpoTrainerConfig config = PpoTrainerConfig.trlDefaults().toBuilder().learningRate(s.ppoLr()).maxGradNorm(1.0)
                .perDeviceTrainBatchSize(s.ppoRollouts() / s.ppoMiniBatches()).numMiniBatches(s.ppoMiniBatches())
                .numPpoEpochs(s.ppoEpochs()).totalEpisodes((long) s.ppoIterations() * s.ppoRollouts()).seed(seed + 7)
                .responseLength(s.maxNewTokens()).temperature(1.0).stopTokenId(eos).klCoef(s.ppoKlCoef()).build();
        List<String> prompts = ppoPrompts();
        double[] proxy = new double[s.ppoIterations()];
        double[] gold = new double[s.ppoIterations()];
        double[] kl = new double[s.ppoIterations()];
        PpoTrainer trainer = null;
        try (Progress bar = console.progress("5 ppo", s.ppoIterations())) {
            trainer = new PpoTrainer(actor, null, critic, reference, watched, prompts.stream().map(tokenizer::encode).toList(),
                    config, bar.andThen((step, m) -> {
                        int i = (int) step - 1;
                        proxy[i] = m.get("objective/scores");
                        gold[i] = watched.lastMeanGold();
                        kl[i] = m.get("objective/kl");
                    }));
            trainer.train();
        } finally {
            if (trainer != null) {
                trainer.release();
            }
            critic.close();
        }
        int last = s.ppoIterations() - 1;
        console.result(String.format(Locale.ROOT, "5 ppo: %d iterations of %d rollouts; reward-model score %.2f -> %.2f, gold"
                + " %.2f -> %.2f, KL %.2f nats", s.ppoIterations(), s.ppoRollouts(), proxy[0], proxy[last], gold[0], gold[last],
                kl[last]));
        return new PpoRun(actor, proxy, gold, kl);
    }

    /** The prompts of the online stages (PPO, GRPO, RLOO). */
    private List<String> ppoPrompts() {
        return ReviewCorpus.prompts(4 * settings.ppoRollouts(), seed + 8);
    }

    private static long parameters(CausalLM model) {
        return model.namedParameters().values().stream().mapToLong(t -> t.numel()).sum();
    }

    private static double[] unbox(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static double tailMean(List<Double> values, int n) {
        return values.subList(values.size() - n, values.size()).stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }
}
