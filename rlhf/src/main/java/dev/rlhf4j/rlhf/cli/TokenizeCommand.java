package dev.rlhf4j.rlhf.cli;

import dev.rlhf4j.rlhf.data.TokenizerLines;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./rlhf4j tokenize --vocab DIR --jsonl FILE}: one JSON string per input line in, one JSON array of ids
 * per line out; with {@code --decode}, the reverse ({@link TokenizerLines}). For comparing with other implementations.
 */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Encode JSON-lines strings to token ids (or --decode ids to strings).")
public final class TokenizeCommand implements java.util.concurrent.Callable<Integer> {
    @Option(names = "--vocab", converter = InputPaths.Directory.class, description = "directory with vocab.json+merges.txt, encoder.json+vocab.bpe, or a .tiktoken file; default: GPT-2's")
    Path vocab;

    @Option(names = "--jsonl", converter = InputPaths.File.class, required = true, description = "input file, one JSON value per line")
    Path jsonl;

    @Option(names = "--decode", description = "read arrays of ids, print strings")
    boolean decode;

    @Override
    public Integer call() throws IOException {
        TokenizerLines.run(vocab == null ? Gpt2Tokenizer.gpt2() : Gpt2Tokenizer.load(vocab), jsonl, decode, System.out);
        return 0;
    }
}
