package dev.rlhf4j.rlhf.cli;

import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.model.AutoModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.nn.model.ModelConfig;
import dev.rlhf4j.rlhf.data.Tokenized;
import dev.rlhf4j.rlhf.memory.ModelShape;
import dev.rlhf4j.rlhf.run.FolderWriter;
import dev.rlhf4j.rlhf.run.RunSpec;
import dev.rlhf4j.rlhf.run.TrainingRun;
import dev.rlhf4j.rlhf.train.TrainerState;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import dev.rlhf4j.tokenizer.TokenizerFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongConsumer;
import picocli.CommandLine.Option;

/**
 * The options every training command shares ({@code sft}, {@code reward}, {@code ppo}, {@code dpo}, {@code grpo},
 * {@code rloo}), as a picocli mixin, and what the commands do with them alike: load the policy and its tokenizer, check
 * vocabularies, report the data's truncation counts, describe the run, checkpoint and restore the policy. {@code --seed}, {@code --max-steps} and {@code --num-train-epochs} are
 * fields of every trainer's config; their defaults come from its {@code trlDefaults()} ({@link HyperParameters}).
 */
final class TrainingOptions {
    /** A LoRA checkpoint's factors under the adapter's own parameter names, to restore them in place on --resume. */
    static final String TRAINABLE = "trainable.safetensors";

    @Option(names = "--model", converter = InputPaths.Directory.class, required = true, paramLabel = "DIR",
            description = "Hugging Face GPT-2 folder: config.json, model.safetensors and the tokenizer files (vocab.json + merges.txt)")
    Path model;

    @Option(names = "--data", converter = InputPaths.File.class, required = true, paramLabel = "FILE.jsonl", description = "training data as JSON lines in TRL's shape")
    Path data;

    @Option(names = "--out", paramLabel = "RUN_DIR", description = "run folder (default: runs/<command>-<yyyyMMdd-HHmmss>/)")
    Path out;

    @Option(names = "--seed", paramLabel = "N", description = "seed of data order, dropout, sampling and initialisation (default: ${DEFAULT-VALUE})")
    Long seed;

    @Option(names = "--max-steps", paramLabel = "N", description = "optimizer steps (PPO: iterations); -1 to count them from the epochs (default: ${DEFAULT-VALUE})")
    Long maxSteps;

    @Option(names = "--num-train-epochs", paramLabel = "X", description = "passes over the data when --max-steps is -1 (default: ${DEFAULT-VALUE})")
    Double numTrainEpochs;

    @Option(names = "--quiet", description = "no progress bar, even on a terminal")
    boolean quiet;

    @Option(names = "--save-steps", paramLabel = "N", description = "checkpoint to <run>/checkpoints/step-<n>/ every N optimizer"
            + " steps (PPO: iterations) and at the end; 0: only at the end (TRL's save_steps; default: ${DEFAULT-VALUE})")
    long saveSteps;

    @Option(names = "--resume", converter = InputPaths.Directory.class, paramLabel = "RUN_DIR", description = "continue the run in RUN_DIR from its last checkpoint;"
            + " give the options it was started with")
    Path resume;

    /** The policy in {@code --model}. */
    CausalLM policy() {
        return ModelDirectory.model(model);
    }

    /**
     * The {@code config.json} of {@code --model}, checked against its weights' header without loading them: the sizes
     * a {@link MemoryCheck} plans with before anything is allocated.
     */
    ModelConfig config() {
        return ModelDirectory.config(model);
    }

    /** The planner's sizes of {@code --model}, named by its folder. */
    ModelShape shape(ModelConfig config) {
        return ModelShape.of(String.valueOf(model.getFileName()), config);
    }

    /** The tokenizer stored with {@code --model}; refused when there is none or it has ids the model does not. */
    Gpt2Tokenizer tokenizer(ModelConfig config) {
        int vocab = config.vocabSize();
        Gpt2Tokenizer t = ModelDirectory.tokenizer(model, vocab).orElseThrow(() -> new IllegalArgumentException("--model " + model
                + ": no tokenizer files (vocab.json + merges.txt) beside the model, and its vocabulary (" + vocab + ") is not GPT-2's"));
        if (t.vocabSize() > vocab) {
            throw new IllegalArgumentException("--model " + model + ": the tokenizer has " + t.vocabSize() + " tokens but the model's"
                    + " vocabulary only " + vocab);
        }
        return t;
    }

    /**
     * Refuses a second model (the reward model) that does not share the policy's tokenizer, naming both folders: a
     * vocabulary of another size, or tokenizer files beside it that define other tokens or merges than the policy's
     * {@code tokenizer} ({@link Gpt2Tokenizer#firstDifference}; the files are compared by what they define, so
     * GPT-2's own files and the ones a run writes for it agree). A folder without tokenizer files is checked by its
     * vocabulary size alone: it holds nothing else to compare.
     */
    static void requireSameTokenizer(Gpt2Tokenizer tokenizer, Path policyDir, int vocab, int otherVocab, String option, Path otherDir) {
        if (vocab != otherVocab) {
            throw new IllegalArgumentException(option + " " + otherDir + " has a vocabulary of " + otherVocab + " tokens, the policy (--model "
                    + policyDir + ") " + vocab + ": they must share one tokenizer");
        }
        if (ModelDirectory.hasTokenizerFiles(otherDir)) {
            tokenizer.firstDifference(TokenizerFiles.load(otherDir)).ifPresent(difference -> {
                throw new IllegalArgumentException(option + " " + otherDir + " has another tokenizer than the policy (--model " + policyDir
                        + "), " + difference + " (the policy's first): they must share one tokenizer");
            });
        }
    }

    /** Prints what tokenizing {@code file} gave, truncations included, and returns it. */
    static <T> Tokenized<T> report(String what, Path file, Tokenized<T> data) {
        System.out.println(what + " " + file + ": " + data.summary());
        return data;
    }

    /** The {@code config.json} section of a data file: its path and {@link Tokenized#counts()}. */
    static Map<String, Object> dataSection(Path file, Tokenized<?> data) {
        Map<String, Object> section = new LinkedHashMap<>();
        section.put("file", file.toString());
        section.putAll(data.counts());
        return section;
    }

    /** The run of {@code command} with the resolved seed and its step count. */
    RunSpec run(String command, long resolvedSeed, long totalSteps) {
        if (saveSteps < 0) {
            throw new IllegalArgumentException("--save-steps must be 0 (only at the end) or positive, got " + saveSteps);
        }
        if (resume != null && out != null && !out.equals(resume)) {
            throw new IllegalArgumentException("--resume " + resume + " continues that folder; --out " + out + " differs");
        }
        return new RunSpec(command, resume != null ? resume : out, resolvedSeed, model, totalSteps, quiet);
    }

    /** A new run, or with {@code --resume} the continued one. */
    TrainingRun open(RunSpec spec, Map<String, ?> sections) {
        return resume != null ? TrainingRun.resume(spec, sections) : TrainingRun.start(spec, sections);
    }

    /** Whether {@code step} of {@code totalSteps} is checkpointed: every {@code --save-steps}-th and the last. */
    boolean checkpointDue(long step, long totalSteps) {
        return step == totalSteps || saveSteps > 0 && step % saveSteps == 0;
    }

    /**
     * What a training command does after each step: on every {@code --save-steps}-th and the last, checks the
     * {@code weights} are finite and writes a checkpoint with {@code writer} (the trainer's state and the model).
     */
    LongConsumer checkpoints(TrainingRun run, long totalSteps, Map<String, Tensor> weights, FolderWriter writer) {
        return step -> {
            if (checkpointDue(step, totalSteps)) {
                run.checkpoint(step, dir -> {
                    TrainerState.requireFinite("weight", weights);
                    writer.writeTo(dir);
                });
            }
        };
    }

    /** Copies the weights saved in Hugging Face layout in {@code dir} into {@code model} (a checkpoint's). */
    static void restoreWeights(CausalLM model, Path dir) {
        CausalLM saved = AutoModel.fromPretrained(dir, model.dtype());
        try {
            model.copyParametersFrom(saved);
        } finally {
            saved.release();
        }
    }

    /** The tensors a policy run trains: the LoRA factors when {@code adapters} is not null, else every weight. */
    static Map<String, Tensor> trained(CausalLM policy, LoraModel adapters) {
        return adapters != null ? adapters.namedParameters() : policy.namedParameters();
    }

    /** Writes the policy's part of a checkpoint into {@code dir}: its LoRA adapters (PEFT folder and factors) or its weights. */
    static void savePolicy(Path dir, CausalLM policy, LoraModel adapters) throws IOException {
        if (adapters != null) {
            adapters.save(dir.resolve(TrainingRun.ADAPTER));
            TrainerState.writeTensors(dir, TRAINABLE, adapters.namedParameters());
        } else {
            policy.save(dir.resolve(TrainingRun.MODEL));
        }
    }

    /** Puts the weights (or LoRA factors) of {@link #savePolicy}'s checkpoint {@code dir} back into the policy. */
    static void restorePolicy(Path dir, CausalLM policy, LoraModel adapters) {
        if (adapters != null) {
            TrainerState.readInto(dir, TRAINABLE, adapters.namedParameters());
        } else {
            restoreWeights(policy, dir.resolve(TrainingRun.MODEL));
        }
    }
}
