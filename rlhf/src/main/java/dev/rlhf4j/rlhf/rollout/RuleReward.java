package dev.rlhf4j.rlhf.rollout;

import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.rlhf.reward.RewardFunction;
import dev.rlhf4j.rlhf.reward.RuleRewards;
import dev.rlhf4j.rlhf.reward.TextReward;
import dev.rlhf4j.rlhf.data.CompletionBatch;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import dev.rlhf4j.tokenizer.TokenizerFiles;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A built-in rule reward ({@link RuleRewards}) that can travel to an executor: it is sent as the rule's name and the
 * tokenizer's files (vocab.json and merges.txt, as {@link TokenizerFiles#save} writes them), and an executor rebuilds
 * the rule and the tokenizer from them, so it decodes, and scores, exactly as the driver.
 */
public final class RuleReward implements RewardFunction, Serializable {
    private static final long serialVersionUID = 1L;
    private final String rule;
    private final byte[] vocab;
    private final byte[] merges;
    private transient RewardFunction scoring;

    /** The rule {@code rule} on text decoded by {@code tokenizer}. */
    public RuleReward(String rule, Gpt2Tokenizer tokenizer) {
        TextReward text = RuleRewards.named(rule);
        this.rule = rule;
        Path dir = null;
        try {
            dir = Files.createTempDirectory("rlhf4j-tokenizer-");
            TokenizerFiles.save(tokenizer, dir);
            this.vocab = Files.readAllBytes(dir.resolve("vocab.json"));
            this.merges = Files.readAllBytes(dir.resolve("merges.txt"));
        } catch (IOException e) {
            throw new UncheckedIOException("rule reward '" + rule + "': cannot lay out the tokenizer's files: " + e.getMessage(), e);
        } finally {
            delete(dir);
        }
        this.scoring = text.decodedBy(tokenizer::decode);
    }

    @Override
    public Tensor scores(CompletionBatch rollouts) {
        return scoring.scores(rollouts);
    }

    /** The rule's name. */
    public String rule() {
        return rule;
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        Path dir = Files.createTempDirectory("rlhf4j-tokenizer-");
        try {
            Files.write(dir.resolve("vocab.json"), vocab);
            Files.write(dir.resolve("merges.txt"), merges);
            Gpt2Tokenizer tokenizer = TokenizerFiles.load(dir);
            scoring = RuleRewards.named(rule).decodedBy(tokenizer::decode);
        } finally {
            delete(dir);
        }
    }

    private static void delete(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            dir.toFile().deleteOnExit();
        }
    }
}
