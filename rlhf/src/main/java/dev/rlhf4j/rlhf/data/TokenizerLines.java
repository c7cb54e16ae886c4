package dev.rlhf4j.rlhf.data;

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

/**
 * {@code ./rlhf4j tokenize}'s work, for comparing with other tokenizers: a file of JSON strings in, one JSON array of
 * ids per line out, or with {@code decode} the reverse. Blank lines are skipped; errors name the file and the line.
 */
public final class TokenizerLines {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TokenizerLines() {
    }

    /** Encodes (or decodes) every line of {@code jsonl} with {@code tokenizer}, printing one JSON value per line. */
    public static void run(Gpt2Tokenizer tokenizer, Path jsonl, boolean decode, PrintStream stdout) throws IOException {
        PrintStream out = new PrintStream(stdout, false, StandardCharsets.UTF_8);
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
