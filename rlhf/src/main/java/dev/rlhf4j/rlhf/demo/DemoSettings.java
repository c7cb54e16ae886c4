package dev.rlhf4j.rlhf.demo;

/**
 * The sizes and hyper-parameters of the demo, in two presets: {@link #full()}, the run the README reports (about
 * five minutes on two cores), and {@link #quick()}, the whole pipeline at toy sizes in seconds (what the tests run).
 * The model is a small GPT-2 without dropout, so every stage replays bit for bit from the seed.
 *
 * @param corpusSize      reviews the grammar writes for the tokenizer and SFT
 * @param bpeMerges       merges of the byte-level BPE
 * @param nLayer          GPT-2 layers
 * @param nHead           attention heads
 * @param nEmbd           channels
 * @param nPositions      context length
 * @param sftSteps        SFT optimizer steps
 * @param sftBatch        SFT examples per step
 * @param sftLr           SFT peak learning rate (linear warm-up over 5% of the steps, linear decay)
 * @param pairPrompts     prompts given two sampled completions each, for the preference pairs
 * @param maxNewTokens    new tokens per sampled completion at most (pairs, PPO rollouts, evaluation)
 * @param labelTau        Bradley-Terry temperature of the simulated labeller
 * @param rmEpochs        reward-model epochs over the training pairs
 * @param rmLr            reward-model learning rate
 * @param rmBatch         pairs per reward-model step
 * @param ppoIterations   PPO iterations
 * @param ppoRollouts     rollouts per PPO iteration
 * @param ppoMiniBatches  minibatches (optimizer steps) per PPO epoch
 * @param ppoEpochs       PPO epochs per iteration
 * @param ppoLr           PPO learning rate (decayed linearly to 0)
 * @param ppoKlCoef       beta of PPO's per-token KL penalty
 * @param dpoBeta         DPO's beta
 * @param dpoLr           DPO's learning rate
 * @param dpoEpochs       DPO epochs over the training pairs
 * @param dpoBatch        pairs per DPO step
 * @param groupSteps      GRPO and RLOO steps (each a generation batch and its optimizer steps)
 * @param groupPrompts    prompts per GRPO / RLOO step
 * @param groupSize       completions per prompt (G) of GRPO and RLOO
 * @param grpoLr          GRPO's learning rate (decayed linearly to 0)
 * @param rlooLr          RLOO's learning rate (decayed linearly to 0)
 * @param groupBeta       beta of GRPO's per-token k3 KL and of RLOO's sequence-level KL penalty
 * @param evalPrompts     evaluation prompts per stage
 * @param klBound         the bound on the KL to the reference (nats per completion) a stage must stay below
 */
public record DemoSettings(int corpusSize, int bpeMerges, int nLayer, int nHead, int nEmbd, int nPositions, int sftSteps,
                           int sftBatch, double sftLr, int pairPrompts, int maxNewTokens, double labelTau, int rmEpochs,
                           double rmLr, int rmBatch, int ppoIterations, int ppoRollouts, int ppoMiniBatches, int ppoEpochs,
                           double ppoLr, double ppoKlCoef, double dpoBeta, double dpoLr, double dpoEpochs, int dpoBatch,
                           int groupSteps, int groupPrompts, int groupSize, double grpoLr, double rlooLr, double groupBeta,
                           int evalPrompts, double klBound) {

    public DemoSettings {
        if (corpusSize < 1 || bpeMerges < 1 || nLayer < 1 || nHead < 1 || nEmbd % nHead != 0 || sftSteps < 1 || sftBatch < 1
                || pairPrompts < 10 || maxNewTokens < 1 || rmEpochs < 1 || rmBatch < 1 || ppoIterations < 1
                || ppoMiniBatches < 1 || ppoRollouts % ppoMiniBatches != 0 || ppoEpochs < 1 || !(dpoEpochs > 0) || dpoBatch < 1
                || groupSteps < 1 || groupPrompts < 1 || groupSize < 2 || groupPrompts * groupSize % 2 != 0 || evalPrompts < 2) {
            throw new IllegalArgumentException("DemoSettings: sizes must be positive (n_embd a multiple of n_head, rollouts a"
                    + " multiple of the minibatches, an even number of completions per GRPO / RLOO step, at least 10 pair prompts"
                    + " and 2 evaluation prompts), got " + this);
        }
        if (nPositions < 8 + maxNewTokens) {
            throw new IllegalArgumentException("DemoSettings: n_positions " + nPositions + " leaves no room for a prompt and "
                    + maxNewTokens + " new tokens");
        }
        if (!(labelTau > 0) || !(klBound > 0) || !(sftLr > 0) || !(rmLr > 0) || !(ppoLr > 0) || !(dpoLr > 0) || !(dpoBeta > 0)
                || !(ppoKlCoef >= 0) || !(grpoLr > 0) || !(rlooLr > 0) || !(groupBeta > 0)) {
            throw new IllegalArgumentException("DemoSettings: rates, tau, beta and the KL bound must be positive, got " + this);
        }
    }

    /**
     * The full demo: a 2-layer, 128-channel GPT-2, 500 SFT steps, about 2,700 pairs, 100 PPO iterations of 64 rollouts,
     * 170 GRPO and 170 RLOO steps of 16 prompts x 4 completions.
     */
    public static DemoSettings full() {
        return new DemoSettings(4000, 400, 2, 4, 128, 64, 500, 32, 2e-3,
                3072, 24, 0.1, 6, 1e-3, 32,
                100, 64, 4, 2, 3e-4, 0.05,
                0.5, 5e-4, 1, 32,
                170, 16, 4, 3e-4, 3e-4, 0.05,
                256, 10);
    }

    /** Toy sizes: the whole pipeline in seconds, for tests and a first look. */
    public static DemoSettings quick() {
        return new DemoSettings(300, 400, 1, 2, 32, 48, 15, 16, 2e-3,
                48, 12, 0.1, 1, 1e-3, 16,
                2, 16, 2, 1, 3e-4, 0.05,
                0.5, 5e-4, 1, 16,
                2, 4, 4, 3e-4, 3e-4, 0.05,
                16, 10);
    }
}
