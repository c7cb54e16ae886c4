package dev.rlhf4j.rlhf.train;

import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.rlhf.logprob.TokenLogProbs;
import dev.rlhf4j.rlhf.reference.ReferenceModel;
import dev.rlhf4j.rlhf.reward.NamedReward;
import dev.rlhf4j.rlhf.rollout.RolloutModels;
import dev.rlhf4j.rlhf.rollout.RolloutRow;
import dev.rlhf4j.rlhf.rollout.RolloutSpec;
import dev.rlhf4j.rlhf.rollout.Rollouts;
import java.util.ArrayList;
import java.util.List;

/**
 * The rollout phase PPO, GRPO and RLOO share, steps 1-4 of each:
 * <pre>
 *   1 the next prompts of a seeded {@link PromptOrder}, each repeated G times (consecutive rows form a group; PPO: G = 1)
 *   2 sampled by the policy, in shards of local_rollout_forward_batch_size ({@link Rollouts}), each row from its own
 *     seed, until the stop token or the length limit
 *   3 scored by every reward function, and log pi_ref at the sampling temperature when the spec asks for it
 *   4 log pi_old by a forward of the policy over the whole padded batch
 * </pre>
 * Step 4 does not reuse the sampler's numbers: the training passes see the same padded batch, so at the first update
 * the ratio is exactly 1 and nothing but the update moves it. The rollouts run on this thread until {@link #rollouts}
 * hands them to another factory (a Spark cluster), with the same results. The prompt order's pass and cursor are the
 * phase's part of a checkpoint.
 */
final class RolloutPhase implements AutoCloseable {
    private final CausalLM policy;
    private final List<int[]> prompts;
    private final PromptOrder order;
    private final RolloutModels models;
    private final RolloutSpec spec;
    private Rollouts engine;

    /** Steps 1-3 of one batch: the rows, their completions (cut after the stop token) and the shards' output. */
    record Generation(List<RolloutRow> rows, List<CompletionExample> examples, Rollouts.Batch out, int generatedTokens) {
    }

    /**
     * Step 4 of one batch, in the caller's arena.
     *
     * @param logProbs log pi_old at the completion positions, 0 elsewhere             (B, T-1)
     * @param hidden   the trunk's hidden states, for a critic on the same trunk; or null  (B, T, C)
     */
    record OldLogProbs(Tensor logProbs, Tensor hidden) {
    }

    /**
     * @param reference the reference, or null when none is asked for ({@code spec.reference()} false)
     * @param prompts   tokenized prompts; each must leave room for the spec's new tokens in the model's positions
     * @param batch     prompts per step
     */
    RolloutPhase(CausalLM policy, LoraModel lora, List<NamedReward> rewards, ReferenceModel reference, List<int[]> prompts, int batch,
                 RolloutSpec spec) {
        int positions = policy.config().maxPositions();
        for (int i = 0; i < prompts.size(); i++) {
            int n = prompts.get(i).length;
            if (n == 0 || n + spec.maxNewTokens() > positions) {
                throw new IllegalArgumentException("prompt " + i + " has " + n + " tokens; it needs 1 to " + (positions - spec.maxNewTokens())
                        + " so that " + spec.maxNewTokens() + " new tokens fit the model's " + positions + " positions");
            }
        }
        this.policy = policy;
        this.prompts = List.copyOf(prompts);
        this.order = new PromptOrder(prompts.size(), batch, spec.seed());
        this.models = new RolloutModels(policy, lora, rewards, reference);
        this.spec = spec;
        this.engine = Rollouts.LOCAL.create(models, spec);
    }

    /** Steps 1-3 for step {@code step} of the run: the next prompts, {@code generations} completions each. */
    Generation generate(long step, int generations) {
        List<RolloutRow> rows = new ArrayList<>();
        for (int i : order.next()) {
            for (int g = 0; g < generations; g++) {
                rows.add(new RolloutRow(i, g, prompts.get(i)));
            }
        }
        Rollouts.Batch out = engine.run(step, rows);
        List<CompletionExample> examples = new ArrayList<>();
        int generated = 0;
        for (int b = 0; b < rows.size(); b++) {
            int[] completion = out.rows().get(b).completion();
            examples.add(new CompletionExample(rows.get(b).prompt(), completion));
            generated += completion.length;
        }
        return new Generation(rows, examples, out, generated);
    }

    /**
     * Step 4: log pi_old of {@code batch} at the spec's temperature, without a graph, kept in the caller's arena;
     * with {@code keepHidden} also the trunk's hidden states.
     *
     * @param mask the completion mask  (B, T-1)
     */
    OldLogProbs oldLogProbs(CompletionBatch batch, Tensor mask, boolean keepHidden) {
        try (Arena pass = Arena.open(); NoGrad ng = NoGrad.enter()) {
            Tensor h = policy.model().forward(batch.batch());                              // (B, T, C)
            Tensor logits = policy.head(h);                                                  // (B, T, V)
            Tensor logp = pass.keep(TokenLogProbs.of(logits, batch.inputIds(), mask, spec.temperature()).logProbs());  // (B, T-1)
            return new OldLogProbs(logp, keepHidden ? pass.keep(h) : null);
        }
    }

    /** Runs the rollouts with {@code factory} from now on, closing the ones used until now. */
    void rollouts(Rollouts.Factory factory) {
        Rollouts next = factory.create(models, spec);
        engine.close();
        engine = next;
    }

    /** Passes over the prompts begun so far ({@code prompt_passes} of a checkpoint). */
    long passes() {
        return order.passes();
    }

    /** Prompts taken in the current pass ({@code prompt_cursor} of a checkpoint). */
    int cursor() {
        return order.cursor();
    }

    /** Continues the prompt order of a checkpoint; {@code where} names its file. */
    void restore(long passes, long cursor, String where) {
        order.restore(passes, cursor, where);
    }

    /** Closes the rollouts. */
    @Override
    public void close() {
        engine.close();
    }
}
