package dev.rlhf4j.nn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.Fixtures;
import dev.rlhf4j.nn.gpt2.Gpt2LMHeadModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Corrupted checkpoints never load silently, never hang and never allocate what the config merely claims: a bit
 * flip in the safetensors header, a truncated file, or a size, flag or type changed in {@code config.json} gives a
 * {@link CheckpointException} (or, when the flip left the header meaning the same, the very same weights).
 */
class CheckpointFuzzTest {
    private static final Path FIXTURE = Fixtures.path("gpt2-tiny-random");
    private static final byte[] WEIGHTS = read(FIXTURE.resolve("model.safetensors"));
    private static final String CONFIG = new String(read(FIXTURE.resolve("config.json")), java.nio.charset.StandardCharsets.UTF_8);
    private static final long HEADER = ByteBuffer.wrap(WEIGHTS, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();

    @Property(tries = 60)
    void aBitFlipInTheHeaderIsRefusedOrChangesNothing(@ForAll @IntRange(min = 0, max = 1 << 20) int where,
                                                      @ForAll @IntRange(min = 0, max = 7) int bit) throws IOException {
        byte[] flipped = WEIGHTS.clone();
        int at = (int) (where % (8 + HEADER));
        flipped[at] ^= (byte) (1 << bit);
        Path dir = folder(CONFIG, flipped);
        loadOrRefuse(dir, "flipped bit " + bit + " of byte " + at);
    }

    @Property(tries = 20)
    void aTruncatedFileIsRefused(@ForAll @IntRange(min = 0, max = 1 << 20) int cut) throws IOException {
        int length = cut % WEIGHTS.length;
        Path dir = folder(CONFIG, Arrays.copyOf(WEIGHTS, length));
        assertTimeoutPreemptively(Duration.ofSeconds(20), () ->
                assertThrows(CheckpointException.class, () -> Gpt2LMHeadModel.fromPretrained(dir), "truncated to " + length));
    }

    @Property(tries = 80)
    void aChangedConfigValueIsRefused(@ForAll("keys") String key, @ForAll("values") String value) throws IOException {
        ObjectNode config = (ObjectNode) new ObjectMapper().readTree(CONFIG);
        String original = config.get(key).toString();
        ObjectNode changed = config.deepCopy();
        changed.set(key, new ObjectMapper().readTree(value));
        if (changed.get(key).equals(config.get(key)) || key.equals("n_head") && divides(changed.get(key), config.get("n_embd").asInt())) {
            return;                                  // the same model, or one the weights cannot tell apart (heads)
        }
        Path dir = folder(changed.toString(), WEIGHTS);
        CheckpointException e = assertTimeoutPreemptively(Duration.ofSeconds(20), () ->
                assertThrows(CheckpointException.class, () -> Gpt2LMHeadModel.fromPretrained(dir), key + ": " + original + " -> " + value));
        assertTrue(e.getMessage().contains("config.json") || e.getMessage().contains("model.safetensors"), e.getMessage());
    }

    @Property(tries = 20)
    void trailingGarbageOrATruncatedConfigIsRefused(@ForAll @IntRange(min = 1, max = 40) int n, @ForAll boolean truncate)
            throws IOException {
        String text = CONFIG.strip();
        String bad = truncate ? text.substring(0, Math.max(0, text.length() - n)) : text + " {\"x\": " + n + "}";
        Path dir = folder(bad, WEIGHTS);
        assertThrows(CheckpointException.class, () -> Gpt2LMHeadModel.fromPretrained(dir));
    }

    @net.jqwik.api.Example
    void messagesNameTheFileTheKeyAndTheValue() throws IOException {
        assertRefused(CONFIG.replace("\"n_embd\": 32", "\"n_embd\": \"32\""), "'n_embd' must be an integer", "\"32\" (a string)");
        assertRefused(CONFIG.replace("\"n_layer\": 2", "\"n_layer\": 2.0"), "'n_layer' must be an integer", "(a fraction)");
        assertRefused(CONFIG.replace("\"n_layer\": 2", "\"n_layer\": 1"), "n_layer 1 but", "h.1.");
        assertRefused(CONFIG.replace("\"n_embd\": 32", "\"n_embd\": 1048576"), "(vocab_size, n_embd) = [512, 1048576]", "[512, 32]");
        assertRefused(CONFIG.replace("\"tie_word_embeddings\": true", "\"tie_word_embeddings\": false"),
                "tie_word_embeddings = false describes a model rlhf4j does not compute");
        assertRefused(CONFIG.replace("\"vocab_size\": 512", "\"vocab_size\": 4294967808"), "'vocab_size' must be an integer");
    }

    private static void assertRefused(String config, String... parts) throws IOException {
        Path dir = folder(config, WEIGHTS);
        CheckpointException e = assertThrows(CheckpointException.class, () -> Gpt2LMHeadModel.fromPretrained(dir));
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' missing from: " + e.getMessage());
        }
        assertTrue(e.getMessage().contains("config.json"), e.getMessage());
    }

    @Provide
    Arbitrary<String> keys() {
        return Arbitraries.of("n_layer", "n_head", "n_embd", "n_positions", "vocab_size", "tie_word_embeddings",
                "scale_attn_weights", "model_type", "n_inner", "reorder_and_upcast_attn");
    }

    @Provide
    Arbitrary<String> values() {
        return Arbitraries.of("-1", "0", "1", "3", "2147483647", "2147483648", "9223372036854775807", "1e40", "32.0", "2.5",
                "\"32\"", "\"gpt2\"", "\"llama\"", "true", "false", "[]", "{}", "1000000", "100000000", "256");
    }

    private static boolean divides(com.fasterxml.jackson.databind.JsonNode heads, int nEmbd) {
        return heads.isIntegralNumber() && heads.canConvertToInt() && heads.intValue() > 0 && nEmbd % heads.intValue() == 0;
    }

    private static void loadOrRefuse(Path dir, String what) {
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            Gpt2LMHeadModel loaded;
            try {
                loaded = Gpt2LMHeadModel.fromPretrained(dir);
            } catch (CheckpointException refused) {
                return;
            }
            Gpt2LMHeadModel original = Gpt2LMHeadModel.fromPretrained(FIXTURE);
            for (Map.Entry<String, Tensor> e : original.namedParameters().entrySet()) {
                Tensor other = loaded.namedParameters().get(e.getKey());
                assertEquals(Arrays.toString(e.getValue().toDoubleArray()), Arrays.toString(other.toDoubleArray()),
                        what + " loaded different weights for " + e.getKey());
            }
            loaded.release();
            original.release();
        });
    }

    private static Path folder(String config, byte[] weights) throws IOException {
        Path dir = Files.createTempDirectory("fuzz");
        dir.toFile().deleteOnExit();
        Files.writeString(dir.resolve("config.json"), config);
        Files.write(dir.resolve("model.safetensors"), weights);
        dir.resolve("config.json").toFile().deleteOnExit();
        dir.resolve("model.safetensors").toFile().deleteOnExit();
        return dir;
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
