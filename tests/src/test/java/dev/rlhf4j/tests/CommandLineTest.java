package dev.rlhf4j.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.nn.Fixtures;
import dev.rlhf4j.rlhf.cli.CommandRun;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The model commands of {@code ./rlhf4j} against Hugging Face's (and peft's) recorded outputs for the fixture GPT-2. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CommandLineTest {
    private JsonNode reference;
    private JsonNode loraReference;
    private String modelDir;
    private String adapterDir;

    @BeforeAll
    void load() throws Exception {
        reference = Fixtures.json("gpt2-tiny-random/reference.json");                       // nn's test-jar
        loraReference = Fixtures.json("gpt2-tiny-random-lora/reference.json");
        modelDir = Fixtures.path("gpt2-tiny-random").toString();
        adapterDir = Fixtures.path("gpt2-tiny-random-lora").toString();
    }

    private static String csv(JsonNode ids) {
        return StreamSupport.stream(ids.spliterator(), false).map(JsonNode::asText).collect(Collectors.joining(","));
    }

    /** max |a - e| / max(1, |e|) over (T, V) logits: float32 against a float64 reference. */
    private static double worstError(JsonNode logits, JsonNode expected) {
        assertEquals(expected.size(), logits.size());
        double worst = 0;
        for (int t = 0; t < expected.size(); t++) {
            for (int v = 0; v < expected.get(t).size(); v++) {
                double e = expected.get(t).get(v).asDouble();
                worst = Math.max(worst, Math.abs(logits.get(t).get(v).asDouble() - e) / Math.max(1, Math.abs(e)));
            }
        }
        return worst;
    }

    @Test
    void forwardPrintsHuggingFaceLogits() throws Exception {
        JsonNode single = reference.get("single");
        CommandRun r = CommandRun.of("forward", "--model", modelDir, "--ids", csv(single.get("input_ids")));
        assertEquals(0, r.exit(), r.err());
        double worst = worstError(new ObjectMapper().readTree(r.out()), single.get("logits"));
        assertTrue(worst < 1e-4, "float32 logits differ from HF's float64 by " + worst);
    }

    @Test
    void forwardWithAnAdapterPrintsPeftsLogits() throws Exception {
        for (int row = 0; row < 2; row++) {
            CommandRun r = CommandRun.of("forward", "--model", modelDir, "--adapter", adapterDir, "--ids", csv(loraReference.get("input_ids").get(row)));
            assertEquals(0, r.exit(), r.err());
            JsonNode logits = new ObjectMapper().readTree(r.out());
            double worst = worstError(logits, loraReference.get("logits_adapter").get(row));
            assertTrue(worst < 1e-4, "row " + row + ": float32 logits differ from peft's float64 by " + worst);
            double base = worstError(logits, loraReference.get("logits_disabled").get(row));
            assertTrue(base > 1e-2, "row " + row + ": the adapter must change the logits, differs from the base by " + base);
        }
    }

    /**
     * Greedy's first token after a fixture row is the argmax of peft's logits at the row's last position (379; the
     * base model's would be 356).
     */
    @Test
    void generateWithAnAdapterFollowsPeftsLogits() {
        CommandRun r = CommandRun.of("generate", "--model", modelDir, "--adapter", adapterDir,
                "--prompt-ids", csv(loraReference.get("input_ids").get(0)), "--max-new-tokens", "1");
        assertEquals(0, r.exit(), r.err());
        String printed = r.out().trim();                                         // "[prompt] -> [token]"
        long token = Long.parseLong(printed.substring(printed.indexOf("->") + 2).trim().replaceAll("[\\[\\]]", ""));
        assertEquals(argmaxAtLast(loraReference.get("logits_adapter").get(0)), token);
        assertTrue(token != argmaxAtLast(loraReference.get("logits_disabled").get(0)), "the row tells adapter from base");
        CommandRun absent = CommandRun.of("generate", "--model", modelDir, "--adapter", adapterDir + "-absent", "--prompt-ids", "1");
        assertEquals(2, absent.exit(), "a missing folder is a usage error");
        assertTrue(absent.err().contains("--adapter") && absent.err().contains("-absent") && absent.err().contains("no such file"), absent.err());
        CommandRun notAnAdapter = CommandRun.of("forward", "--model", modelDir, "--adapter", modelDir, "--ids", "1");
        assertEquals(1, notAnAdapter.exit());
        assertTrue(notAnAdapter.err().contains("adapter_config.json"), notAnAdapter.err());
    }

    private static long argmaxAtLast(JsonNode logits) {
        JsonNode last = logits.get(logits.size() - 1);
        int best = 0;
        for (int v = 1; v < last.size(); v++) {
            if (last.get(v).asDouble() > last.get(best).asDouble()) {
                best = v;
            }
        }
        return best;
    }

    @Test
    void greedyGenerateContinuesLikeHuggingFace() {
        JsonNode greedy = reference.get("greedy");
        CommandRun r = CommandRun.of("generate", "--model", modelDir, "--prompt-ids", csv(greedy.get("prompt_ids")),
                "--max-new-tokens", greedy.get("max_new_tokens").asText());
        assertEquals(0, r.exit(), r.err());
        List<Long> expected = new ArrayList<>();
        greedy.get("output_ids").forEach(n -> expected.add(n.asLong()));
        String printed = r.out().trim();                                         // "[prompt] -> [new tokens]"
        String fresh = printed.substring(printed.indexOf("->") + 2).trim();
        List<Long> got = new ArrayList<>();
        for (String s : fresh.substring(1, fresh.length() - 1).split(",")) {
            got.add(Long.parseLong(s.trim()));
        }
        List<Long> tail = expected.subList(expected.size() - got.size(), expected.size());
        assertEquals(greedy.get("max_new_tokens").asInt(), got.size());
        assertEquals(tail, got);
    }

    @Test
    void badArgumentsGetOneClearLine() {
        CommandRun outside = CommandRun.of("forward", "--model", modelDir, "--ids", "1,99999");
        assertEquals(1, outside.exit());
        assertTrue(outside.err().contains("99999") && outside.err().contains("[0, 512)"), outside.err());
        CommandRun missing = CommandRun.of("generate", "--model", modelDir + "-absent", "--prompt-ids", "1");
        assertEquals(2, missing.exit(), "a missing folder is a usage error");
        assertTrue(missing.err().contains("--model") && missing.err().contains("no such file"), missing.err());
        CommandRun text = CommandRun.of("generate", "--model", modelDir, "--prompt", "hello");
        assertEquals(1, text.exit());
        assertTrue(text.err().contains("--prompt-ids"), text.err());
        CommandRun nucleus = CommandRun.of("generate", "--model", modelDir, "--prompt-ids", "1", "--top-p", "1.5");
        assertEquals(1, nucleus.exit());
        assertTrue(nucleus.err().contains("topP") && nucleus.err().contains("1.5"), nucleus.err());
        CommandRun topK = CommandRun.of("generate", "--model", modelDir, "--prompt-ids", "1", "--top-k", "-3");
        assertEquals(1, topK.exit());
        assertTrue(topK.err().contains("topK") && topK.err().contains("-3"), topK.err());
    }
}
