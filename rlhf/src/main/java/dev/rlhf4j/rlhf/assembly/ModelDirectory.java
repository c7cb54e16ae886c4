package dev.rlhf4j.rlhf.assembly;

import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.model.AutoModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.nn.model.ModelConfig;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import dev.rlhf4j.tokenizer.TokenizerFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A Hugging Face style model directory: {@code config.json} + {@code model.safetensors}, and optionally the
 * tokenizer files beside them ({@code vocab.json} + {@code merges.txt}, {@code encoder.json} +
 * {@code vocab.bpe}, or a {@code .tiktoken} file); optionally a PEFT LoRA adapter folder on top.
 */
public final class ModelDirectory {
    private ModelDirectory() {
    }

    public static CausalLM model(Path dir) {
        requireDirectory(dir);
        return AutoModel.fromPretrained(dir);
    }

    /** The directory's {@code config.json}, checked against the shapes of its {@code model.safetensors} header. */
    public static ModelConfig config(Path dir) {
        requireDirectory(dir);
        return AutoModel.checkedConfig(dir);
    }

    private static void requireDirectory(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("model directory " + dir + (Files.exists(dir) ? " is not a directory" : " does not exist"));
        }
    }

    /** The model in {@code dir} with the PEFT adapter in {@code adapter} switched on; no adapter when it is null. */
    public static CausalLM model(Path dir, Path adapter) {
        CausalLM m = model(dir);
        if (adapter != null) {
            try {
                LoraModel.load(m, adapter);
            } catch (RuntimeException e) {
                m.release();
                throw e;
            }
        }
        return m;
    }

    /** The tokenizer stored with the model; GPT-2's own when none is and the vocabulary is GPT-2's size. */
    public static Optional<Gpt2Tokenizer> tokenizer(Path dir, int vocabSize) {
        if (hasTokenizerFiles(dir)) {
            return Optional.of(TokenizerFiles.load(dir));
        }
        Gpt2Tokenizer gpt2 = Gpt2Tokenizer.gpt2();
        return vocabSize == gpt2.vocabSize() ? Optional.of(gpt2) : Optional.empty();
    }

    /** The tokenizer of the policy in {@code --model}; refused when there is none or it has ids the model does not. */
    static Gpt2Tokenizer policyTokenizer(Path model, ModelConfig config) {
        int vocab = config.vocabSize();
        Gpt2Tokenizer t = tokenizer(model, vocab).orElseThrow(() -> new IllegalArgumentException("--model " + model
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
    public static void requireSameTokenizer(Gpt2Tokenizer tokenizer, Path policyDir, int vocab, int otherVocab, String option,
                                            Path otherDir) {
        if (vocab != otherVocab) {
            throw new IllegalArgumentException(option + " " + otherDir + " has a vocabulary of " + otherVocab + " tokens, the policy (--model "
                    + policyDir + ") " + vocab + ": they must share one tokenizer");
        }
        if (hasTokenizerFiles(otherDir)) {
            tokenizer.firstDifference(TokenizerFiles.load(otherDir)).ifPresent(difference -> {
                throw new IllegalArgumentException(option + " " + otherDir + " has another tokenizer than the policy (--model " + policyDir
                        + "), " + difference + " (the policy's first): they must share one tokenizer");
            });
        }
    }

    /** Whether {@code dir} holds tokenizer files: vocab.json, encoder.json or a {@code .tiktoken} file. */
    public static boolean hasTokenizerFiles(Path dir) {
        return Files.exists(dir.resolve("vocab.json")) || Files.exists(dir.resolve("encoder.json")) || listTiktoken(dir);
    }

    private static boolean listTiktoken(Path dir) {
        try (var files = Files.list(dir)) {
            return files.anyMatch(p -> p.getFileName().toString().endsWith(".tiktoken"));
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
