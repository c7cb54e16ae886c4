package dev.rlhf4j.nn.lora;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.nn.io.CheckpointException;
import dev.rlhf4j.nn.model.CausalLM;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * PEFT's {@code adapter_config.json} to and from {@link LoraConfig}. Reading accepts plain LoRA and names any field
 * that would change the forward pass in a way rlhf4j does not compute (DoRA, LoRA biases, layer selection, ...).
 * Writing gives back a loaded file's own fields; a new adapter gets PEFT 0.21's defaults for every field it does not
 * set, and the text is laid out as PEFT writes it ({@code json.dumps(indent=2, sort_keys=True)}).
 */
final class PeftAdapterConfig {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** Fields that must be unset (null, false, empty): each one selects a LoRA variant or a feature beyond plain LoRA. */
    private static final List<String> UNSUPPORTED = List.of("use_dora", "lora_bias", "layers_to_transform", "layers_pattern",
            "exclude_modules", "modules_to_save", "target_parameters", "trainable_token_indices", "use_qalora",
            "alora_invocation_tokens", "layer_replication", "use_bdlora", "megatron_config");

    private PeftAdapterConfig() {
    }

    static ObjectNode readJson(Path file) {
        JsonNode root;
        try {
            root = MAPPER.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new CheckpointException(file + ": invalid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read: " + e, e);
        }
        if (!(root instanceof ObjectNode object)) {
            throw new CheckpointException(file + ": not a JSON object");
        }
        return object;
    }

    /** The LoRA configuration in {@code json}; errors name the file and the field. */
    static LoraConfig parse(Path file, ObjectNode json) {
        String type = json.path("peft_type").asText("");
        if (!type.equals("LORA")) {
            throw new CheckpointException(file + ": peft_type is '" + type + "', expected 'LORA'");
        }
        for (String field : UNSUPPORTED) {
            if (isSet(json.get(field))) {
                throw new CheckpointException(file + ": " + field + " = " + json.get(field)
                        + " asks for more than plain LoRA, which is all rlhf4j computes");
            }
        }
        String bias = json.path("bias").asText("none");
        if (!bias.equals("none")) {
            throw new CheckpointException(file + ": bias = '" + bias + "': rlhf4j trains no biases in LoRA adapters (expected 'none')");
        }
        int r = integer(file, json, "r");
        double alpha = number(file, json, "lora_alpha", r);
        double dropout = number(file, json, "lora_dropout", 0.0);
        JsonNode targets = json.get("target_modules");
        List<String> names = null;
        String regex = null;
        if (targets != null && targets.isTextual()) {
            regex = targets.asText();
        } else if (targets != null && targets.isArray()) {
            names = new java.util.ArrayList<>();
            for (JsonNode t : targets) {
                names.add(t.asText());
            }
        } else {
            throw new CheckpointException(file + ": target_modules must be a list of module names or a regex, got " + targets);
        }
        Map<String, Integer> ranks = new LinkedHashMap<>();
        json.path("rank_pattern").fields().forEachRemaining(e -> ranks.put(e.getKey(), e.getValue().asInt()));
        Map<String, Double> alphas = new LinkedHashMap<>();
        json.path("alpha_pattern").fields().forEachRemaining(e -> alphas.put(e.getKey(), e.getValue().asDouble()));
        String baseModel = json.path("base_model_name_or_path").isTextual() ? json.get("base_model_name_or_path").asText() : null;
        try {
            return new LoraConfig(r, alpha, dropout, names, regex, json.path("use_rslora").asBoolean(false), ranks, alphas, baseModel);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file + ": " + e.getMessage(), e);
        }
    }

    private static boolean isSet(JsonNode v) {
        return v != null && !v.isNull() && !(v.isBoolean() && !v.asBoolean()) && !(v.isContainerNode() && v.isEmpty());
    }

    private static int integer(Path file, ObjectNode json, String field) {
        JsonNode v = json.get(field);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new CheckpointException(file + ": " + field + " must be an integer, got " + v);
        }
        return v.asInt();
    }

    private static double number(Path file, ObjectNode json, String field, double missing) {
        JsonNode v = json.get(field);
        if (v == null || v.isNull()) {
            return missing;
        }
        if (!v.isNumber()) {
            throw new CheckpointException(file + ": " + field + " must be a number, got " + v);
        }
        return v.asDouble();
    }

    /** The file's text for {@code lora}: its source fields if it was loaded, else PEFT's defaults with its own. */
    static String toJson(LoraModel lora, boolean conv1d) {
        ObjectNode json = lora.sourceConfig() != null ? lora.sourceConfig().deepCopy() : fresh(lora.config(), conv1d,
                lora.base() instanceof CausalLM);
        json.put("inference_mode", true);                      // PEFT's save_pretrained writes true
        try {
            return MAPPER.writer(pythonLayout()).writeValueAsString(sorted(json));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ObjectNode fresh(LoraConfig c, boolean conv1d, boolean causalLm) {
        ObjectNode json = defaults();
        json.put("r", c.r());
        json.put("lora_alpha", c.loraAlpha());
        json.put("lora_dropout", c.loraDropout());
        if (c.targetRegex() != null) {
            json.put("target_modules", c.targetRegex());
        } else {
            ArrayNode t = json.putArray("target_modules");
            c.targetModules().forEach(t::add);
        }
        json.put("use_rslora", c.useRslora());
        ObjectNode ranks = json.putObject("rank_pattern");
        c.rankPattern().forEach(ranks::put);
        ObjectNode alphas = json.putObject("alpha_pattern");
        c.alphaPattern().forEach(alphas::put);
        json.put("base_model_name_or_path", c.baseModelNameOrPath());
        json.put("fan_in_fan_out", conv1d);                    // PEFT sets it for Conv1D layers and saves it so
        json.put("task_type", causalLm ? "CAUSAL_LM" : null);
        return json;
    }

    /** PEFT 0.21's {@code LoraConfig} defaults, every field as {@code save_pretrained} writes them. */
    private static ObjectNode defaults() {
        try (InputStream in = PeftAdapterConfig.class.getResourceAsStream("adapter_config.json")) {
            return (ObjectNode) MAPPER.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("rlhf4j's PEFT default adapter_config.json resource is unreadable", e);
        }
    }

    /** Keys in code-point order at every level, as Python's {@code sort_keys=True}. */
    private static JsonNode sorted(JsonNode node) {
        if (node.isObject()) {
            Map<String, JsonNode> byKey = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                byKey.put(e.getKey(), sorted(e.getValue()));
            }
            ObjectNode out = MAPPER.createObjectNode();
            byKey.forEach(out::set);
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = MAPPER.createArrayNode();
            node.forEach(n -> out.add(sorted(n)));
            return out;
        }
        return node;
    }

    /** Python's {@code json.dumps(indent=2)}: two-space indents, {@code "key": value}, {@code []} and {@code {}} when empty. */
    private static DefaultPrettyPrinter pythonLayout() {
        Separators separators = Separators.createDefaultInstance()
                .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                .withObjectEmptySeparator("")
                .withArrayEmptySeparator("");
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter(separators);
        DefaultIndenter indenter = new DefaultIndenter("  ", "\n");
        printer.indentObjectsWith(indenter);
        printer.indentArraysWith(indenter);
        return printer;
    }
}
