package dev.rlhf4j.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads the {@code normalizer}, {@code pre_tokenizer}, {@code post_processor} and {@code decoder} sections of a
 * tokenizer.json into this module's {@link Normalizer}, {@link Splitter}, framing ids and {@link Decoder}; anything
 * else is refused in one line naming the section and its type.
 */
final class PipelineJson {

    /** GPT-2's regex, as tokenizers' {@code ByteLevel} pre-tokenizer writes it. */
    static final String GPT2_PATTERN =
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    /** The pre-tokenizer read: whether BPE runs on bytes, the rewrite before splitting, and the splitter. */
    record PreTokenizer(boolean byteLevel, HuggingFaceTokenizer.Rewrite rewrite, Splitter splitter) {
    }

    private final String name;

    PipelineJson(String name) {
        this.name = name;
    }

    Normalizer normalizer(JsonNode node) {
        if (node.isMissingNode() || node.isNull()) {
            return new Normalizer.Sequence(List.of());
        }
        String type = node.path("type").asText();
        return switch (type) {
            case "NFC" -> new Normalizer.Unicode(java.text.Normalizer.Form.NFC);
            case "NFD" -> new Normalizer.Unicode(java.text.Normalizer.Form.NFD);
            case "NFKC" -> new Normalizer.Unicode(java.text.Normalizer.Form.NFKC);
            case "NFKD" -> new Normalizer.Unicode(java.text.Normalizer.Form.NFKD);
            case "Lowercase" -> new Normalizer.Lowercase();
            case "Prepend" -> new Normalizer.Prepend(node.path("prepend").asText());
            case "Replace" -> node.path("pattern").has("String")
                    ? new Normalizer.Replace(node.path("pattern").path("String").asText(), null, node.path("content").asText())
                    : new Normalizer.Replace(null, regex(node.path("pattern").path("Regex").asText(), "normalizer Replace"),
                            node.path("content").asText());
            case "Sequence" -> {
                List<Normalizer> steps = new ArrayList<>();
                node.path("normalizers").forEach(n -> steps.add(normalizer(n)));
                yield new Normalizer.Sequence(steps);
            }
            default -> throw TokenizerJson.refuse(name, "normalizer " + type);
        };
    }

    PreTokenizer preTokenizer(JsonNode node) {
        List<JsonNode> steps = new ArrayList<>();
        if (!node.isMissingNode() && !node.isNull()) {
            if (node.path("type").asText().equals("Sequence")) {
                node.path("pretokenizers").forEach(steps::add);
            } else {
                steps.add(node);
            }
        }
        boolean byteLevel = false;
        boolean prefixSpace = false;
        char metaspace = '\0';
        String scheme = "never";
        List<Splitter> splitters = new ArrayList<>();
        for (JsonNode step : steps) {
            String type = step.path("type").asText();
            switch (type) {
                case "ByteLevel" -> {
                    byteLevel = true;
                    prefixSpace = step.path("add_prefix_space").asBoolean(false);
                    if (prefixSpace && !splitters.isEmpty()) {
                        throw TokenizerJson.refuse(name, "pre_tokenizer ByteLevel with add_prefix_space after a Split");
                    }
                    if (step.path("use_regex").asBoolean(true)) {
                        splitters.add(new Splitter.Gpt2());
                    }
                }
                case "Split" -> splitters.add(split(step));
                case "Metaspace" -> {
                    metaspace = step.path("replacement").asText("\u2581").charAt(0);
                    scheme = step.has("prepend_scheme") ? step.path("prepend_scheme").asText()
                            : step.path("add_prefix_space").asBoolean(true) ? "always" : "never";
                    if (!splitters.isEmpty()) {
                        throw TokenizerJson.refuse(name, "pre_tokenizer Metaspace after a Split");
                    }
                    if (step.path("split").asBoolean(true)) {
                        splitters.add(new Splitter.BeforeEach(metaspace));
                    }
                }
                default -> throw TokenizerJson.refuse(name, "pre_tokenizer " + type);
            }
        }
        Splitter splitter = splitters.isEmpty() ? new Splitter.Whole()
                : splitters.size() == 1 ? splitters.get(0) : new Splitter.Sequence(splitters);
        return new PreTokenizer(byteLevel, new HuggingFaceTokenizer.Rewrite(prefixSpace, metaspace, scheme), splitter);
    }

    private Splitter split(JsonNode step) {
        String behavior = step.path("behavior").asText();
        if (!behavior.equals("Isolated") || step.path("invert").asBoolean(false)) {
            throw TokenizerJson.refuse(name, "pre_tokenizer Split with behavior " + behavior
                    + (step.path("invert").asBoolean(false) ? " and invert" : "") + " (only Isolated)");
        }
        JsonNode pattern = step.path("pattern");
        if (pattern.has("String")) {
            return new Splitter.Regex(Pattern.compile(Pattern.quote(pattern.path("String").asText())));
        }
        String regex = pattern.path("Regex").asText();
        Llama3PreTokenizer scanner = Llama3PreTokenizer.forPattern(regex);
        if (scanner != null) {
            return new Splitter.Llama3(scanner);
        }
        return regex.equals(GPT2_PATTERN) ? new Splitter.Gpt2() : new Splitter.Regex(regex(regex, "pre_tokenizer Split"));
    }

    /**
     * A tokenizers regex in Java: {@code \s}, {@code \d}, {@code \w} and {@code (?i)} made Unicode-aware as they are
     * in Oniguruma and Rust's regex.
     */
    Pattern regex(String regex, String where) {
        try {
            return Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS);
        } catch (PatternSyntaxException e) {
            throw TokenizerJson.refuse(name, where + " regex (Java cannot compile it: "
                    + e.getDescription() + "): " + regex);
        }
    }

    /** The ids {@code post_processor} puts before and after one sequence: {prefix, suffix}. */
    int[][] postProcessor(JsonNode node, Vocabulary vocabulary) {
        if (node.isMissingNode() || node.isNull()) {
            return new int[][] {{}, {}};
        }
        String type = node.path("type").asText();
        switch (type) {
            case "ByteLevel":
                return new int[][] {{}, {}};
            case "TemplateProcessing": {
                IntBuffer before = new IntBuffer(2);
                IntBuffer after = new IntBuffer(2);
                boolean seenSequence = false;
                for (JsonNode piece : node.path("single")) {
                    if (piece.has("Sequence")) {
                        seenSequence = true;
                        continue;
                    }
                    String id = piece.path("SpecialToken").path("id").asText();
                    JsonNode ids = node.path("special_tokens").path(id).path("ids");
                    if (!ids.isArray()) {
                        throw new TokenizerException(name + ": post_processor names special token \"" + id
                                + "\" that its special_tokens does not define");
                    }
                    for (JsonNode i : ids) {
                        (seenSequence ? after : before).add(i.asInt());
                    }
                }
                return new int[][] {before.toArray(), after.toArray()};
            }
            case "BertProcessing":
            case "RobertaProcessing":
                return new int[][] {{node.path("cls").get(1).asInt()}, {node.path("sep").get(1).asInt()}};
            case "Sequence": {
                IntBuffer before = new IntBuffer(2);
                List<int[]> afters = new ArrayList<>();
                for (JsonNode p : node.path("processors")) {
                    int[][] frame = postProcessor(p, vocabulary);
                    IntBuffer merged = new IntBuffer(2);
                    merged.addAll(frame[0]);
                    merged.addAll(before.toArray());
                    before = merged;
                    afters.add(frame[1]);
                }
                IntBuffer after = new IntBuffer(2);
                afters.forEach(after::addAll);
                return new int[][] {before.toArray(), after.toArray()};
            }
            default:
                throw TokenizerJson.refuse(name, "post_processor " + type);
        }
    }

    Decoder decoder(JsonNode node) {
        if (node.isMissingNode() || node.isNull()) {
            return null;
        }
        String type = node.path("type").asText();
        return switch (type) {
            case "ByteLevel" -> new Decoder.ByteLevel();
            case "ByteFallback" -> new Decoder.ByteFallback();
            case "Fuse" -> new Decoder.Fuse();
            case "Replace" -> {
                if (!node.path("pattern").has("String")) {
                    throw TokenizerJson.refuse(name, "decoder Replace with a regex pattern");
                }
                yield new Decoder.Replace(node.path("pattern").path("String").asText(), node.path("content").asText());
            }
            case "Strip" -> new Decoder.Strip(node.path("content").asText(" ").charAt(0), node.path("start").asInt(),
                    node.path("stop").asInt());
            case "Metaspace" -> new Decoder.Metaspace(node.path("replacement").asText("\u2581").charAt(0),
                    node.has("prepend_scheme") ? !node.path("prepend_scheme").asText().equals("never")
                            : node.path("add_prefix_space").asBoolean(true));
            case "Sequence" -> {
                List<Decoder> steps = new ArrayList<>();
                node.path("decoders").forEach(d -> {
                    Decoder step = decoder(d);
                    if (step != null) {
                        steps.add(step);
                    }
                });
                yield new Decoder.Sequence(steps);
            }
            default -> throw TokenizerJson.refuse(name, "decoder " + type);
        };
    }
}
