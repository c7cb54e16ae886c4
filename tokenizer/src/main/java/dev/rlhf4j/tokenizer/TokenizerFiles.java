package dev.rlhf4j.tokenizer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads and writes the vocabulary formats GPT-2 ships in, and loads a tokenizer from whichever a directory
 * holds:
 * <ul>
 *   <li>Hugging Face {@code vocab.json} ({@code {"token": id}}) + {@code merges.txt} (a {@code #version}
 *       line, then one merge per line: two symbols separated by one space, in rank order);</li>
 *   <li>OpenAI's {@code encoder.json} + {@code vocab.bpe}: the same two files under their original names;</li>
 *   <li>a tiktoken rank file ({@code *.tiktoken}: {@code base64(token bytes) rank} per line), read by
 *       {@link TiktokenRanks}.</li>
 * </ul>
 * Every malformed input raises a {@link TokenizerException} naming the file and line.
 */
public final class TokenizerFiles {

    private static final String GPT2_RESOURCES = "/dev/rlhf4j/tokenizer/gpt2/";
    private static final JsonFactory JSON = JsonFactory.builder().build();

    private TokenizerFiles() {
    }

    /**
     * The tokenizer in {@code path}: a directory with vocab.json + merges.txt, encoder.json + vocab.bpe, or
     * exactly one *.tiktoken file; or a *.tiktoken file itself.
     */
    public static Gpt2Tokenizer load(Path path) {
        if (Files.isRegularFile(path) && path.getFileName().toString().endsWith(".tiktoken")) {
            return loadTiktoken(path);
        }
        if (!Files.isDirectory(path)) {
            throw new TokenizerException("tokenizer directory not found: " + path.toAbsolutePath());
        }
        for (String[] names : new String[][] {{"vocab.json", "merges.txt"}, {"encoder.json", "vocab.bpe"}}) {
            Path vocab = path.resolve(names[0]);
            Path merges = path.resolve(names[1]);
            if (Files.exists(vocab) || Files.exists(merges)) {
                return loadHuggingFace(vocab, merges);
            }
        }
        List<Path> rankFiles;
        try (Stream<Path> files = Files.list(path)) {
            rankFiles = files.filter(p -> p.getFileName().toString().endsWith(".tiktoken")).sorted().toList();
        } catch (IOException e) {
            throw new TokenizerException("cannot list tokenizer directory " + path.toAbsolutePath(), e);
        }
        if (rankFiles.size() == 1) {
            return loadTiktoken(rankFiles.get(0));
        }
        throw new TokenizerException("no tokenizer in " + path.toAbsolutePath() + ": expected vocab.json + merges.txt, "
                + "encoder.json + vocab.bpe, or one *.tiktoken file" + (rankFiles.isEmpty() ? "" : ", found " + rankFiles));
    }

    /** A tokenizer from a vocab.json (or encoder.json) and a merges.txt (or vocab.bpe). */
    public static Gpt2Tokenizer loadHuggingFace(Path vocabJson, Path mergesTxt) {
        String vocabName = vocabJson.getFileName().toString();
        List<String> tokens;
        try (InputStream in = Files.newInputStream(vocabJson)) {
            tokens = readVocab(in, vocabName);
        } catch (NoSuchFileException e) {
            throw new TokenizerException(vocabName + " not found: " + vocabJson.toAbsolutePath(), e);
        } catch (IOException e) {
            throw new TokenizerException("cannot read " + vocabJson.toAbsolutePath(), e);
        }
        try (InputStream in = Files.newInputStream(mergesTxt)) {
            return fromMerges(tokens, vocabName, in, mergesTxt.getFileName().toString());
        } catch (NoSuchFileException e) {
            throw new TokenizerException(mergesTxt.getFileName() + " not found: " + mergesTxt.toAbsolutePath()
                    + " (it must sit next to " + vocabName + ")", e);
        } catch (IOException e) {
            throw new TokenizerException("cannot read " + mergesTxt.toAbsolutePath(), e);
        }
    }

    /** A tokenizer from a tiktoken rank file; {@code <|endoftext|>} is added after the last rank if absent. */
    public static Gpt2Tokenizer loadTiktoken(Path rankFile) {
        String name = rankFile.getFileName().toString();
        try (InputStream in = Files.newInputStream(rankFile)) {
            return TiktokenRanks.read(in, name);
        } catch (NoSuchFileException e) {
            throw new TokenizerException(name + " not found: " + rankFile.toAbsolutePath(), e);
        } catch (IOException e) {
            throw new TokenizerException("cannot read " + rankFile.toAbsolutePath(), e);
        }
    }

    /** GPT-2's vocabulary from this module's classpath. */
    static Gpt2Tokenizer loadGpt2() {
        try (InputStream vocab = resource("vocab.json"); InputStream merges = resource("merges.txt")) {
            return fromMerges(readVocab(vocab, "vocab.json"), "vocab.json", merges, "merges.txt");
        } catch (IOException e) {
            throw new TokenizerException("cannot read GPT-2 vocabulary from classpath " + GPT2_RESOURCES, e);
        }
    }

    private static InputStream resource(String name) {
        InputStream in = TokenizerFiles.class.getResourceAsStream(GPT2_RESOURCES + name);
        if (in == null) {
            throw new TokenizerException("classpath resource " + GPT2_RESOURCES + name + " not found");
        }
        return in;
    }

    /**
     * Writes {@code vocab.json} and {@code merges.txt} into {@code dir} (created if needed) in exactly the
     * layout of GPT-2's own files (Python {@code json.dumps} with ASCII escapes; {@code #version: 0.2} then one
     * merge per line), which Hugging Face {@code tokenizers} and OpenAI's encoder.py read. Saving GPT-2 itself
     * reproduces its files byte for byte.
     */
    public static void save(Gpt2Tokenizer tokenizer, Path dir) {
        Vocabulary vocab = tokenizer.vocabulary();
        BytePairEncoding bpe = tokenizer.bytePairEncoding();
        StringBuilder json = new StringBuilder(vocab.size() * 16).append('{');
        for (int id = 0; id < vocab.size(); id++) {
            PythonJson.appendString(json.append(id == 0 ? "" : ", "), vocab.token(id), true).append(": ").append(id);
        }
        json.append('}');
        StringBuilder merges = new StringBuilder(bpe.mergeCount() * 10).append("#version: 0.2\n");
        for (int rank = 0; rank < bpe.mergeCount(); rank++) {
            merges.append(vocab.token(bpe.mergeLeft(rank))).append(' ').append(vocab.token(bpe.mergeRight(rank)))
                    .append('\n');
        }
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("vocab.json"), json, StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("merges.txt"), merges, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new TokenizerException("cannot write tokenizer files to " + dir.toAbsolutePath(), e);
        }
    }

    /** The entries of a vocab.json in id order; ids must be exactly 0..n-1. */
    static List<String> readVocab(InputStream in, String name) throws IOException {
        Map<String, Integer> lineOfToken = new HashMap<>();
        List<String> tokens = new ArrayList<>();
        List<int[]> idAndLine = new ArrayList<>();
        try (JsonParser json = JSON.createParser(in)) {
            if (json.nextToken() != JsonToken.START_OBJECT) {
                throw new TokenizerException(name + " line " + json.currentTokenLocation().getLineNr()
                        + ": expected a JSON object {\"token\": id, ...}");
            }
            while (json.nextToken() == JsonToken.FIELD_NAME) {
                String token = json.currentName();
                JsonToken value = json.nextToken();
                int line = json.currentTokenLocation().getLineNr();
                if (value != JsonToken.VALUE_NUMBER_INT || json.getNumberType() != JsonParser.NumberType.INT
                        || json.getIntValue() < 0) {
                    throw new TokenizerException(name + " line " + line + ": the id of token \"" + token
                            + "\" must be a non-negative integer, got " + json.getText());
                }
                Integer before = lineOfToken.put(token, line);
                if (before != null) {
                    throw new TokenizerException(name + " line " + line + ": token \"" + token
                            + "\" repeats line " + before);
                }
                tokens.add(token);
                idAndLine.add(new int[] {json.getIntValue(), line});
            }
            if (json.currentToken() != JsonToken.END_OBJECT || json.nextToken() != null) {
                throw new TokenizerException(name + " line " + json.currentTokenLocation().getLineNr()
                        + ": expected the end of the token object");
            }
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw new TokenizerException(name + where + ": invalid JSON: " + e.getOriginalMessage(), e);
        }
        int n = tokens.size();
        String[] byId = new String[n];
        int[] lineOfId = new int[n];
        for (int k = 0; k < n; k++) {
            int id = idAndLine.get(k)[0];
            int line = idAndLine.get(k)[1];
            if (id >= n) {
                throw new TokenizerException(name + " line " + line + ": id " + id + " of token \"" + tokens.get(k)
                        + "\" is outside 0.." + (n - 1) + " (ids must number the " + n + " tokens without gaps)");
            }
            if (byId[id] != null) {
                throw new TokenizerException(name + " line " + line + ": id " + id + " of token \"" + tokens.get(k)
                        + "\" is already taken by \"" + byId[id] + "\" (line " + lineOfId[id] + ")");
            }
            byId[id] = tokens.get(k);
            lineOfId[id] = line;
        }
        return List.of(byId);
    }

    /**
     * Resolves a merges file against the vocabulary and builds the tokenizer; see {@link #isSpecialText} for
     * which entries become special tokens (GPT-2's {@code <|endoftext|>}).
     */
    static Gpt2Tokenizer fromMerges(List<String> tokens, String vocabName, InputStream mergesIn, String name)
            throws IOException {
        Map<String, Integer> ids = new HashMap<>(tokens.size() * 2);
        for (int id = 0; id < tokens.size(); id++) {
            ids.put(tokens.get(id), id);
        }
        List<int[]> merges = new ArrayList<>();
        Map<Long, Integer> lineOfPair = new HashMap<>();
        BufferedReader reader = new BufferedReader(new InputStreamReader(mergesIn, StandardCharsets.UTF_8));
        int lineNumber = 0;
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
            lineNumber++;
            if ((lineNumber == 1 && line.startsWith("#version")) || line.isEmpty()) {
                continue;
            }
            int space = line.indexOf(' ');
            if (space <= 0 || space == line.length() - 1 || line.indexOf(' ', space + 1) >= 0) {
                throw new TokenizerException(name + " line " + lineNumber
                        + ": expected two symbols separated by one space, got \"" + line + "\"");
            }
            String left = line.substring(0, space);
            String right = line.substring(space + 1);
            int leftId = symbolId(ids, left, name, lineNumber, vocabName);
            int rightId = symbolId(ids, right, name, lineNumber, vocabName);
            Integer merged = ids.get(left + right);
            if (merged == null) {
                throw new TokenizerException(name + " line " + lineNumber + ": the merged symbol \"" + left + right
                        + "\" is not in " + vocabName);
            }
            Integer before = lineOfPair.put(PairTable.key(leftId, rightId), lineNumber);
            if (before != null) {
                throw new TokenizerException(name + " line " + lineNumber + ": merge \"" + line + "\" repeats line "
                        + before);
            }
            merges.add(new int[] {leftId, rightId, merged});
        }
        BitSet built = new BitSet(tokens.size());
        for (int[] merge : merges) {
            built.set(merge[2]);
        }
        BitSet special = new BitSet(tokens.size());
        for (int id = 0; id < tokens.size(); id++) {
            if (!built.get(id) && isSpecialText(tokens.get(id))) {
                special.set(id);
            }
        }
        return build(tokens, special, merges);
    }

    /**
     * Whether an entry that no merge builds is a special token: plain ASCII text that is not a single byte
     * ({@code <|endoftext|>}, {@code <unk>}), or text not writable in byte symbols at all. An unreachable
     * entry written with byte symbols beyond ASCII ({@code Ġnewer} in HF's toy vocabulary) stays an ordinary
     * token that BPE happens never to produce.
     */
    private static boolean isSpecialText(String token) {
        if (ByteToUnicode.bytes(token) == null) {
            return true;
        }
        return token.length() > 1 && token.chars().allMatch(c -> c < 0x80);
    }

    private static int symbolId(Map<String, Integer> ids, String symbol, String name, int line, String vocabName) {
        Integer id = ids.get(symbol);
        if (id == null) {
            throw new TokenizerException(name + " line " + line + ": symbol \"" + symbol + "\" is not in " + vocabName);
        }
        if (ByteToUnicode.bytes(symbol) == null) {
            throw new TokenizerException(name + " line " + line + ": symbol \"" + symbol
                    + "\" is not written in GPT-2 byte symbols");
        }
        return id;
    }

    /** The tokenizer of a token list, its special ids and its merges ({left, right, merged} in rank order). */
    static Gpt2Tokenizer build(List<String> tokens, BitSet special, List<int[]> merges) {
        Vocabulary vocabulary = new Vocabulary(tokens, special);
        int[] lefts = merges.stream().mapToInt(m -> m[0]).toArray();
        int[] rights = merges.stream().mapToInt(m -> m[1]).toArray();
        int[] results = merges.stream().mapToInt(m -> m[2]).toArray();
        return new Gpt2Tokenizer(new BytePairEncoding(vocabulary, lefts, rights, results));
    }
}
