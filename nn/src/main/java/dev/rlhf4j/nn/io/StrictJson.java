package dev.rlhf4j.nn.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * JSON read the way a checkpoint or a configuration must be read: nothing after the value, no duplicate keys, and
 * no coercion. A field that should hold an integer holds an integral JSON number in range (not {@code "12"},
 * {@code 12.0}, {@code true} or {@code 1e40}); a string field holds a string; a flag holds a boolean. Every message
 * names the source and the key.
 */
public final class StrictJson {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    private StrictJson() {
    }

    /** The value in {@code text}; {@code source} names it in errors (a file, "line 3 of data.jsonl"). */
    public static JsonNode parse(String text, String source) {
        try {
            JsonNode node = MAPPER.readTree(text);
            if (node == null || node.isMissingNode()) {
                throw new IllegalArgumentException(source + ": empty, expected a JSON value");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(source + ": invalid JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** The JSON object in {@code file}. */
    public static JsonNode readObject(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read: " + e, e);
        }
        JsonNode node = parse(text, file.toString());
        if (!node.isObject()) {
            throw new IllegalArgumentException(file + ": expected a JSON object, got " + node.getNodeType().name().toLowerCase());
        }
        return node;
    }

    /** The required integer {@code key} of {@code object}. */
    public static int requiredInt(JsonNode object, String key, String source) {
        JsonNode n = object.get(key);
        if (n == null || n.isNull()) {
            throw new IllegalArgumentException(source + ": missing '" + key + "'");
        }
        return exactInt(n, source + ": '" + key + "'");
    }

    /** The integer {@code key} of {@code object}, or {@code fallback} when it is absent or null. */
    public static int optionalInt(JsonNode object, String key, int fallback, String source) {
        JsonNode n = object.get(key);
        return n == null || n.isNull() ? fallback : exactInt(n, source + ": '" + key + "'");
    }

    /** An integral JSON number that fits an int; {@code where} names it in the error. */
    public static int exactInt(JsonNode n, String where) {
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw new IllegalArgumentException(where + " must be an integer in [" + Integer.MIN_VALUE + ", " + Integer.MAX_VALUE
                    + "], got " + describe(n));
        }
        return n.intValue();
    }

    /** An integral JSON number that fits a long; {@code where} names it in the error. */
    public static long exactLong(JsonNode n, String where) {
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw new IllegalArgumentException(where + " must be an integer in the range of a 64-bit long, got " + describe(n));
        }
        return n.longValue();
    }

    /** The number {@code key} of {@code object} (integral or not), or {@code fallback} when absent or null. */
    public static double optionalDouble(JsonNode object, String key, double fallback, String source) {
        JsonNode n = object.get(key);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isNumber()) {
            throw new IllegalArgumentException(source + ": '" + key + "' must be a number, got " + describe(n));
        }
        return n.doubleValue();
    }

    /** The string {@code key} of {@code object}, or {@code fallback} when absent or null. */
    public static String optionalString(JsonNode object, String key, String fallback, String source) {
        JsonNode n = object.get(key);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isTextual()) {
            throw new IllegalArgumentException(source + ": '" + key + "' must be a string, got " + describe(n));
        }
        return n.textValue();
    }

    /** The boolean {@code key} of {@code object}, or {@code fallback} when absent or null. */
    public static boolean optionalBoolean(JsonNode object, String key, boolean fallback, String source) {
        JsonNode n = object.get(key);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isBoolean()) {
            throw new IllegalArgumentException(source + ": '" + key + "' must be true or false, got " + describe(n));
        }
        return n.booleanValue();
    }

    /**
     * The integers of {@code key}: one integer, a list of them, or nothing when absent or null, as token-id fields
     * such as {@code eos_token_id} are written.
     */
    public static java.util.List<Integer> intOrIntList(JsonNode object, String key, String source) {
        JsonNode n = object.get(key);
        java.util.List<Integer> ids = new java.util.ArrayList<>();
        if (n != null && n.isArray()) {
            for (JsonNode e : n) {
                ids.add(exactInt(e, source + ": an entry of '" + key + "'"));
            }
        } else if (n != null && !n.isNull()) {
            ids.add(exactInt(n, source + ": '" + key + "'"));
        }
        return ids;
    }

    /** The node's JSON text, shortened, with its kind: {@code "12" (a string)}. */
    public static String describe(JsonNode n) {
        String text = n.toString();
        if (text.length() > 40) {
            text = text.substring(0, 37) + "...";
        }
        String kind = n.isTextual() ? "a string" : n.isBoolean() ? "a boolean" : n.isFloatingPointNumber() ? "a fraction"
                : n.isIntegralNumber() ? "an integer out of range" : n.isArray() ? "an array" : n.isObject() ? "an object" : "null";
        return text + " (" + kind + ")";
    }
}
