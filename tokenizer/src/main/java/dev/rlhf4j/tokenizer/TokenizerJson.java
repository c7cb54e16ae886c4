package dev.rlhf4j.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.zip.GZIPInputStream;

/**
 * Reads a Hugging Face {@code tokenizer.json} (optionally gzipped) into a {@link HuggingFaceTokenizer}, and the BOS,
 * EOS and pad tokens from the {@code tokenizer_config.json} beside it. A part this project does not implement (a
 * WordPiece or Unigram model, an unknown normalizer, pre-tokenizer, post-processor or decoder, a {@code Split} other
 * than {@code Isolated}) is refused with one line that names it. Normalizers, pre-tokenizers and decoders are read
 * by {@link PipelineJson}.
 */
final class TokenizerJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private TokenizerJson() {
    }

    static HuggingFaceTokenizer read(Path file) {
        JsonNode root = readJson(file);
        Path config = file.resolveSibling("tokenizer_config.json");
        return parse(root, Files.exists(config) ? readJson(config) : null, file.getFileName().toString());
    }

    static JsonNode readJson(Path file) {
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw) {
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new TokenizerException("cannot read " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    /** The tokenizer of a parsed tokenizer.json; {@code config} (tokenizer_config.json) may be null. */
    static HuggingFaceTokenizer parse(JsonNode root, JsonNode config, String name) {
        JsonNode model = root.path("model");
        String type = model.path("type").asText("BPE");
        if (!type.equals("BPE") || !model.has("merges")) {
            throw refuse(name, "model " + type + " (only BPE models are supported)");
        }
        if (model.path("dropout").isNumber() && model.path("dropout").asDouble() > 0) {
            throw refuse(name, "BPE dropout " + model.path("dropout").asDouble());
        }
        for (String affix : new String[] {"continuing_subword_prefix", "end_of_word_suffix"}) {
            if (!model.path(affix).asText("").isEmpty()) {
                throw refuse(name, "BPE " + affix + " \"" + model.path(affix).asText() + "\"");
            }
        }
        PipelineJson pipeline = new PipelineJson(name);
        PipelineJson.PreTokenizer pre = pipeline.preTokenizer(root.path("pre_tokenizer"));
        List<AddedTokens.Token> addedTokens = addedTokens(root.path("added_tokens"));
        List<String> tokens = tokenList(model.path("vocab"), addedTokens, name);
        BitSet addedIds = new BitSet(tokens.size());
        addedTokens.forEach(t -> addedIds.set(t.id()));
        Vocabulary vocabulary = pre.byteLevel() ? new Vocabulary(tokens, addedIds)
                : Vocabulary.sentencePiece(tokens, addedIds);
        BytePairEncoding bpe = merges(model.path("merges"), vocabulary, name);
        String unk = model.path("unk_token").isTextual() ? model.path("unk_token").asText() : null;
        int unkId = unk == null ? -1 : vocabulary.id(unk).orElse(-1);
        BpeModel bpeModel = new BpeModel(bpe, pre.byteLevel(), model.path("ignore_merges").asBoolean(false),
                model.path("byte_fallback").asBoolean(false), unkId, model.path("fuse_unk").asBoolean(false));
        int[][] frame = pipeline.postProcessor(root.path("post_processor"), vocabulary);
        return new HuggingFaceTokenizer(vocabulary, new AddedTokens(addedTokens),
                pipeline.normalizer(root.path("normalizer")), pre.rewrite(), pre.splitter(), bpeModel,
                pipeline.decoder(root.path("decoder")), frame[0], frame[1], configToken(config, "bos_token", vocabulary),
                configToken(config, "eos_token", vocabulary), configToken(config, "pad_token", vocabulary));
    }

    static TokenizerException refuse(String name, String part) {
        return new TokenizerException(name + ": unsupported " + part);
    }

    private static List<AddedTokens.Token> addedTokens(JsonNode list) {
        List<AddedTokens.Token> out = new ArrayList<>();
        for (JsonNode t : list) {
            out.add(new AddedTokens.Token(t.path("content").asText(), t.path("id").asInt(), t.path("special").asBoolean(),
                    t.path("single_word").asBoolean(), t.path("lstrip").asBoolean(), t.path("rstrip").asBoolean()));
        }
        return out;
    }

    /** Entries by id: the model's vocab and the added tokens; ids must number them without gaps. */
    private static List<String> tokenList(JsonNode vocab, List<AddedTokens.Token> added, String name) {
        int size = 0;
        for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) vocab::fields) {
            size = Math.max(size, e.getValue().asInt() + 1);
        }
        for (AddedTokens.Token t : added) {
            size = Math.max(size, t.id() + 1);
        }
        String[] byId = new String[size];
        vocab.fields().forEachRemaining(e -> byId[e.getValue().asInt()] = e.getKey());
        for (AddedTokens.Token t : added) {
            if (byId[t.id()] != null && !byId[t.id()].equals(t.content())) {
                throw new TokenizerException(name + ": added token \"" + t.content() + "\" takes id " + t.id()
                        + " of vocabulary entry \"" + byId[t.id()] + "\"");
            }
            byId[t.id()] = t.content();
        }
        for (int id = 0; id < size; id++) {
            if (byId[id] == null) {
                throw new TokenizerException(name + ": no token has id " + id + " (ids must number the "
                        + size + " tokens without gaps)");
            }
        }
        return Arrays.asList(byId);
    }

    /** Merges as {@code "a b"} strings or {@code ["a", "b"]} pairs, in rank order. */
    private static BytePairEncoding merges(JsonNode merges, Vocabulary vocabulary, String name) {
        int n = merges.size();
        int[] lefts = new int[n];
        int[] rights = new int[n];
        int[] results = new int[n];
        for (int rank = 0; rank < n; rank++) {
            JsonNode merge = merges.get(rank);
            String left;
            String right;
            if (merge.isArray() && merge.size() == 2) {
                left = merge.get(0).asText();
                right = merge.get(1).asText();
            } else {
                String line = merge.asText();
                int space = line.indexOf(' ', 1);
                if (space < 0) {
                    throw new TokenizerException(name + ": merge " + rank + " \"" + line + "\" is not two symbols");
                }
                left = line.substring(0, space);
                right = line.substring(space + 1);
            }
            lefts[rank] = symbol(vocabulary, left, rank, name);
            rights[rank] = symbol(vocabulary, right, rank, name);
            results[rank] = symbol(vocabulary, left + right, rank, name);
        }
        try {
            return new BytePairEncoding(vocabulary, lefts, rights, results);
        } catch (IllegalArgumentException e) {
            throw new TokenizerException(name + ": " + e.getMessage(), e);
        }
    }

    private static int symbol(Vocabulary vocabulary, String symbol, int rank, String name) {
        return vocabulary.id(symbol).orElseThrow(() -> new TokenizerException(name + ": merge " + rank + " uses \""
                + symbol + "\", which is not in the vocabulary"));
    }

    /** tokenizer_config.json's {@code bos_token} etc.: a string, or an object with {@code content}; null is none. */
    private static OptionalInt configToken(JsonNode config, String field, Vocabulary vocabulary) {
        if (config == null) {
            return OptionalInt.empty();
        }
        JsonNode value = config.path(field);
        String text = value.isTextual() ? value.asText() : value.path("content").isTextual()
                ? value.path("content").asText() : null;
        if (text == null) {
            return OptionalInt.empty();
        }
        return vocabulary.id(text);
    }
}
