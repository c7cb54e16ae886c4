package dev.rlhf4j.rlhf.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.nn.io.StrictJson;
import dev.rlhf4j.tokenizer.Gpt2Tokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./rlhf4j tokenize --vocab DIR --jsonl FILE}: one JSON string per input line in, one JSON array of ids
 * per line out; with {@code --decode}, the reverse. For comparing with other implementations.
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

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public Integer call() throws IOException {
        Gpt2Tokenizer tokenizer = vocab == null ? Gpt2Tokenizer.gpt2() : Gpt2Tokenizer.load(vocab);
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        List<String> lines = lines(jsonl);
        for (int lineNo = 1; lineNo <= lines.size(); lineNo++) {
            String line = lines.get(lineNo - 1);
            if (line.isBlank()) {
                continue;
            }
            String where = jsonl + " line " + lineNo;
            JsonNode node = StrictJson.parse(line, where);
            if (decode) {
                if (!node.isArray()) {
                    throw new IllegalArgumentException(where + ": expected a JSON array of ids");
                }
                int[] ids = new int[node.size()];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = StrictJson.exactInt(node.get(i), where + ": id " + i);
                    if (ids[i] < 0 || ids[i] >= tokenizer.vocabSize()) {
                        throw new IllegalArgumentException(where + ": id " + i + " = " + ids[i] + " is outside the vocabulary [0, "
                                + tokenizer.vocabSize() + ")");
                    }
                }
                out.println(JSON.writeValueAsString(tokenizer.decode(ids)));
            } else {
                if (!node.isTextual()) {
                    throw new IllegalArgumentException(jsonl + " line " + lineNo + ": expected a JSON string");
                }
                out.println(JSON.writeValueAsString(tokenizer.encode(node.asText())));
            }
        }
        out.flush();
        return 0;
    }

    /** The file's lines; bytes that are not UTF-8 are an error naming the file and the line. */
    static List<String> lines(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        List<String> lines = new ArrayList<>();
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        int start = 0;
        for (int i = 0; i <= bytes.length; i++) {
            if (i == bytes.length || bytes[i] == '\n') {
                if (i == bytes.length && start == i) {
                    break;
                }
                int end = i > start && bytes[i - 1] == '\r' ? i - 1 : i;
                try {
                    lines.add(utf8.decode(ByteBuffer.wrap(bytes, start, end - start)).toString());
                } catch (CharacterCodingException e) {
                    throw new IllegalArgumentException(file + " line " + (lines.size() + 1) + ": not valid UTF-8", e);
                }
                start = i + 1;
            }
        }
        return lines;
    }
}
