package dev.rlhf4j.rlhf.cli;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.nn.gpt2.Gpt2Config;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import dev.rlhf4j.rlhf.data.DatasetFormat;
import dev.rlhf4j.rlhf.data.JsonLines;
import dev.rlhf4j.rlhf.data.PreferenceRecord;
import dev.rlhf4j.rlhf.data.PromptRecord;
import dev.rlhf4j.rlhf.data.SftRecord;
import dev.rlhf4j.tokenizer.BpeTrainer;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import dev.rlhf4j.tokenizer.TokenizerFiles;
import java.nio.file.Path;
import java.util.List;

/**
 * A model folder and data files small enough for a training command to run end to end in a second: a byte-level BPE
 * tokenizer of ~300 tokens trained on a few sentences, a random 2-layer GPT-2 of that vocabulary saved beside it,
 * and JSON-lines files of TRL's three shapes.
 */
final class TinyRunFiles {
    static final Gpt2Tokenizer TOKENIZER = BpeTrainer.train("the quick brown fox jumps over the lazy dog; the dog sleeps"
            + " and the fox runs. Hello, world! Hello again, world.", 40, true).tokenizer();

    private TinyRunFiles() {
    }

    /** A random GPT-2 (2 layers, 2 heads, 16 channels, 64 positions) with {@link #TOKENIZER}, in HF layout. */
    static Path model(Path dir, int vocabSize) {
        int eos = TOKENIZER.eosTokenId();
        Gpt2Config config = new Gpt2Config(2, 2, 16, 64, vocabSize, 1e-5, "gelu_new", "float32", eos, eos, 0.0, 0.0, 0.0);
        Gpt2LMHeadModel model = Gpt2LMHeadModel.random(config, DType.FLOAT32, 3);
        try {
            model.save(dir);
            TokenizerFiles.save(TOKENIZER, dir);
        } finally {
            model.release();
        }
        return dir;
    }

    static Path model(Path dir) {
        return model(dir, TOKENIZER.vocabSize());
    }

    private static final List<String> PROMPTS = List.of("the quick brown", "Hello,", "the lazy", "the fox", "Hello again,",
            "the dog", "jumps over", "the quick");

    static Path sft(Path file) {
        JsonLines.write(file, DatasetFormat.SFT, PROMPTS.stream().map(p -> new SftRecord(p, " fox runs.")).toList());
        return file;
    }

    static Path preferences(Path file) {
        JsonLines.write(file, DatasetFormat.PREFERENCE, PROMPTS.stream()
                .map(p -> new PreferenceRecord(p, " world!", " dog sleeps")).toList());
        return file;
    }

    static Path prompts(Path file) {
        JsonLines.write(file, DatasetFormat.PROMPT, PROMPTS.subList(0, 4).stream().map(PromptRecord::new).toList());
        return file;
    }
}
