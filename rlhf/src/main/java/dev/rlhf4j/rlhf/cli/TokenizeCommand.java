package dev.rlhf4j.rlhf.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./rlhf4j tokenize --vocab DIR --jsonl FILE}: one JSON string per input line in, one JSON array of ids
 * per line out; with {@code --decode}, the reverse. For comparing with other implementations.
 */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Encode JSON-lines strings to token ids (or --decode ids to strings).")
public final class TokenizeCommand implements java.util.concurrent.Callable<Integer> {
    @Option(names = "--vocab", description = "directory with vocab.json+merges.txt, encoder.json+vocab.bpe, or a .tiktoken file; default: GPT-2's")
    Path vocab;

    @Option(names = "--jsonl", required = true, description = "input file, one JSON value per line")
    Path jsonl;

    @Option(names = "--decode", description = "read arrays of ids, print strings")
    boolean decode;

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public Integer call() throws IOException {
        Gpt2Tokenizer tokenizer = vocab == null ? Gpt2Tokenizer.gpt2() : Gpt2Tokenizer.load(vocab);
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        try (BufferedReader in = Files.newBufferedReader(jsonl, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node;
                try {
                    node = JSON.readTree(line);
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new IllegalArgumentException(jsonl + " line " + lineNo + ": invalid JSON: " + e.getOriginalMessage());
                }
                if (decode) {
                    if (!node.isArray()) {
                        throw new IllegalArgumentException(jsonl + " line " + lineNo + ": expected a JSON array of ids");
                    }
                    int[] ids = new int[node.size()];
                    for (int i = 0; i < ids.length; i++) {
                        ids[i] = node.get(i).asInt();
                    }
                    out.println(JSON.writeValueAsString(tokenizer.decode(ids)));
                } else {
                    if (!node.isTextual()) {
                        throw new IllegalArgumentException(jsonl + " line " + lineNo + ": expected a JSON string");
                    }
                    out.println(JSON.writeValueAsString(tokenizer.encode(node.asText())));
                }
            }
        }
        out.flush();
        return 0;
    }
}
