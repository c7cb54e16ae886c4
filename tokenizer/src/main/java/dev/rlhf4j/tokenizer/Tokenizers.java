package dev.rlhf4j.tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;

/** Loads the tokenizer of a model folder, whichever files it came with. */
public final class Tokenizers {

    private Tokenizers() {
    }

    /**
     * The tokenizer in {@code path}: a folder's {@code tokenizer.json} (or {@code tokenizer.json.gz}) if it has one,
     * with BOS/EOS/pad from {@code tokenizer_config.json}; otherwise its vocab.json + merges.txt, encoder.json +
     * vocab.bpe or *.tiktoken file ({@link TokenizerFiles#load}). A path to a tokenizer.json file itself works too.
     */
    public static Tokenizer load(Path path) {
        String file = path.getFileName() == null ? "" : path.getFileName().toString();
        if (Files.isRegularFile(path) && (file.endsWith(".json") || file.endsWith(".json.gz"))) {
            return HuggingFaceTokenizer.load(path);
        }
        for (String name : new String[] {"tokenizer.json", "tokenizer.json.gz"}) {
            if (Files.isRegularFile(path.resolve(name))) {
                return HuggingFaceTokenizer.load(path.resolve(name));
            }
        }
        return TokenizerFiles.load(path);
    }
}
