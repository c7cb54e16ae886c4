package dev.rlhf4j.rlhf.data;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and writes TRL's datasets as JSON lines: one JSON object per line, UTF-8.
 *
 * <p>Reading is strict, so that nothing is dropped or guessed silently. Lines end in {@code \n} or {@code \r\n}; a
 * leading byte-order mark is skipped; bytes that are not UTF-8 are an error. Each line must be exactly one JSON object
 * (no trailing text, no duplicate keys) holding every key of the {@link DatasetFormat} as a non-empty string; other
 * keys (an {@code id}, a {@code source}) are ignored, as TRL ignores extra columns. Blank lines are allowed only at
 * the end of the file (an editor's final newlines); a blank line between records is an error, so that record
 * {@code i} is always line {@code i + 1}. An empty file is an error. Every error is a {@link DatasetException}
 * naming the file, the 1-based line and, where there is one, the key.
 */
public final class JsonLines {
    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build());
    private static final ObjectReader READER = MAPPER.reader()
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .without(JsonParser.Feature.ALLOW_COMMENTS);

    private JsonLines() {
    }

    /** The records of {@code file}, one per line, in file order. */
    public static <T> List<T> read(Path file, DatasetFormat<T> format) {
        List<T> records = new ArrayList<>();
        int firstBlank = 0;                              // the first blank line since the last record, or 0
        int lineNumber = 0;
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            throw new DatasetException("dataset file " + file + (Files.isDirectory(file) ? " is a directory"
                    : " is not a regular file (a FIFO or device would block the read)"));
        }
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
            for (boolean more = true; more; ) {
                more = readLine(in, bytes);
                if (!more && bytes.size() == 0) {
                    break;
                }
                lineNumber++;
                String line;
                try {
                    line = utf8.decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
                } catch (CharacterCodingException e) {
                    throw error(file, lineNumber, "not valid UTF-8");
                }
                if (line.endsWith("\r")) {
                    line = line.substring(0, line.length() - 1);
                }
                if (lineNumber == 1 && line.startsWith("\uFEFF")) {
                    line = line.substring(1);
                }
                if (line.isBlank()) {
                    firstBlank = firstBlank == 0 ? lineNumber : firstBlank;
                    continue;
                }
                if (firstBlank != 0) {
                    throw error(file, firstBlank, "blank line between records (blank lines are allowed only at the end"
                            + " of the file)");
                }
                records.add(parseLine(file, lineNumber, line, format));
            }
        } catch (NoSuchFileException e) {
            throw new DatasetException("dataset file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new DatasetException("cannot read dataset file " + file + ": " + e.getMessage(), e);
        }
        if (records.isEmpty()) {
            throw new DatasetException(file + " is empty: a " + format.name() + " dataset needs at least one line with"
                    + " the keys " + format.keys());
        }
        return records;
    }

    /** The SFT records of {@code file}: {@code {"prompt", "completion"}} per line. */
    public static List<SftRecord> readSft(Path file) {
        return read(file, DatasetFormat.SFT);
    }

    /** The preference pairs of {@code file}: {@code {"prompt", "chosen", "rejected"}} per line. */
    public static List<PreferenceRecord> readPreferences(Path file) {
        return read(file, DatasetFormat.PREFERENCE);
    }

    /** The prompts of {@code file}: {@code {"prompt"}} per line. */
    public static List<PromptRecord> readPrompts(Path file) {
        return read(file, DatasetFormat.PROMPT);
    }

    /** Writes {@code records} to {@code file} (replacing it), one JSON object per line with the format's keys in order. */
    public static <T> void write(Path file, DatasetFormat<T> format, List<T> records) {
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (T record : records) {
                String[] values = format.toValues(record);
                try (JsonGenerator json = MAPPER.getFactory().createGenerator(out)) {
                    json.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
                    json.writeStartObject();
                    for (int k = 0; k < values.length; k++) {
                        json.writeStringField(format.keys().get(k), values[k]);
                    }
                    json.writeEndObject();
                }
                out.write('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write dataset file " + file, e);
        }
    }

    /** Reads one line's bytes (without "\n" or "\r\n") into {@code line}; false at the end of the input. */
    private static boolean readLine(InputStream in, ByteArrayOutputStream line) throws IOException {
        line.reset();
        for (int b = in.read(); b != -1; b = in.read()) {
            if (b == '\n') {
                return true;
            }
            line.write(b);
        }
        return false;
    }

    private static <T> T parseLine(Path file, int lineNumber, String line, DatasetFormat<T> format) {
        JsonNode node;
        try {
            node = READER.readTree(line);
        } catch (JsonProcessingException e) {
            throw error(file, lineNumber, "not valid JSON: " + e.getOriginalMessage());
        }
        if (!node.isObject()) {
            throw error(file, lineNumber, "expected a JSON object with the keys " + format.keys() + ", got "
                    + describe(node));
        }
        String[] values = new String[format.keys().size()];
        for (int k = 0; k < values.length; k++) {
            String key = format.keys().get(k);
            JsonNode value = node.get(key);
            if (value == null) {
                throw error(file, lineNumber, "missing key \"" + key + "\" (a " + format.name() + " line has the keys "
                        + format.keys() + ")");
            }
            if (!value.isTextual()) {
                String hint = value.isArray() ? " (the conversational format, a list of messages, is not supported)" : "";
                throw error(file, lineNumber, "key \"" + key + "\" must be a string, got " + describe(value) + hint);
            }
            if (value.textValue().isEmpty()) {
                throw error(file, lineNumber, "key \"" + key + "\" is an empty string");
            }
            values[k] = value.textValue();
        }
        return format.fromValues(values);
    }

    private static String describe(JsonNode node) {
        String text = node.toString();
        String shown = text.length() > 40 ? text.substring(0, 37) + "..." : text;
        return switch (node.getNodeType()) {
            case NUMBER -> "a number (" + shown + ")";
            case BOOLEAN -> "a boolean (" + shown + ")";
            case NULL -> "null";
            case ARRAY -> "an array (" + shown + ")";
            case OBJECT -> "an object (" + shown + ")";
            case STRING -> "a string (" + shown + ")";
            default -> shown;
        };
    }

    private static DatasetException error(Path file, int lineNumber, String what) {
        return new DatasetException(file + ", line " + lineNumber + ": " + what);
    }
}
