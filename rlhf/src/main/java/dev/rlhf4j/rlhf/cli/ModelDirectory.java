package dev.rlhf4j.rlhf.cli;

import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.model.AutoModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.nn.model.ModelConfig;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import dev.rlhf4j.tokenizer.TokenizerFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * A Hugging Face style model directory: {@code config.json} + {@code model.safetensors}, and optionally the
 * tokenizer files beside them ({@code vocab.json} + {@code merges.txt}, {@code encoder.json} +
 * {@code vocab.bpe}, or a {@code .tiktoken} file); optionally a PEFT LoRA adapter folder on top.
 */
final class ModelDirectory {
    private ModelDirectory() {
    }

    static CausalLM model(Path dir) {
        requireDirectory(dir);
        return AutoModel.fromPretrained(dir);
    }

    /** The directory's {@code config.json}, checked against the shapes of its {@code model.safetensors} header. */
    static ModelConfig config(Path dir) {
        requireDirectory(dir);
        return AutoModel.checkedConfig(dir);
    }

    private static void requireDirectory(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("model directory " + dir + (Files.exists(dir) ? " is not a directory" : " does not exist"));
        }
    }

    /** The model in {@code dir} with the PEFT adapter in {@code adapter} switched on; no adapter when it is null. */
    static CausalLM model(Path dir, Path adapter) {
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
    static Optional<Gpt2Tokenizer> tokenizer(Path dir, int vocabSize) {
        if (hasTokenizerFiles(dir)) {
            return Optional.of(TokenizerFiles.load(dir));
        }
        Gpt2Tokenizer gpt2 = Gpt2Tokenizer.gpt2();
        return vocabSize == gpt2.vocabSize() ? Optional.of(gpt2) : Optional.empty();
    }

    /** Whether {@code dir} holds tokenizer files: vocab.json, encoder.json or a {@code .tiktoken} file. */
    static boolean hasTokenizerFiles(Path dir) {
        return Files.exists(dir.resolve("vocab.json")) || Files.exists(dir.resolve("encoder.json")) || listTiktoken(dir);
    }

    private static boolean listTiktoken(Path dir) {
        try (var files = Files.list(dir)) {
            return files.anyMatch(p -> p.getFileName().toString().endsWith(".tiktoken"));
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** Parses {@code 1,2,3}; the error names the bad entry. */
    static int[] parseIds(String csv) {
        return Arrays.stream(csv.split(","))
                .map(String::trim)
                .mapToInt(s -> {
                    try {
                        return Integer.parseInt(s);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--ids: '" + s + "' is not a token id (expected e.g. 1,2,3)");
                    }
                })
                .toArray();
    }
}
