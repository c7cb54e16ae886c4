package dev.rlhf4j.rlhf.reward;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.core.Arena;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.core.TensorRandom;
import dev.rlhf4j.nn.Linear;
import dev.rlhf4j.nn.Module;
import dev.rlhf4j.nn.batch.PaddedBatch;
import dev.rlhf4j.nn.heads.ScoreHead;
import dev.rlhf4j.nn.io.CheckpointException;
import dev.rlhf4j.nn.io.SafetensorsReader;
import dev.rlhf4j.nn.io.SafetensorsWriter;
import dev.rlhf4j.nn.model.AutoModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.nn.model.DecoderModel;
import dev.rlhf4j.nn.model.ModelConfig;
import dev.rlhf4j.rlhf.data.CompletionBatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * A reward model: a trunk of any family and a scalar score read at each row's last real token, named as Hugging Face's
 * {@code *ForSequenceClassification} with one label (GPT-2's {@code GPT2ForSequenceClassification}: {@code transformer.*}
 * and {@code score.weight} (1, C), no bias), so a folder saved here loads in {@code transformers} unchanged and the
 * other way round.
 * <pre>
 *   r(x) = score.weight . h_L(x)[last]       h_L: the final hidden state (after ln_f), last: the last real token
 * </pre>
 * The last real token is found from the batch's attention mask. Hugging Face finds it from {@code pad_token_id}
 * instead (the last token that is not the pad id). When pad = EOS, as GPT-2 has no pad token of its own, a
 * sequence that ends in EOS is scored by {@code transformers} at the token before its trailing EOS, here at the
 * EOS itself (older {@code transformers} took the token before the first pad id, so an EOS inside a sequence cut
 * it short there). The two agree on sequences that do not contain the pad id. Give the tokenizer a distinct pad token
 * (and save it as {@code pad_token_id}) when scores must match {@code transformers} on such sequences.
 *
 * <p>Legend: B batch, T time, C channels.
 */
public final class RewardModel implements RewardFunction, Module {
    /** Hugging Face's {@code initializer_range}: the std of a new score head. */
    public static final double INITIALIZER_RANGE = 0.02;

    private final DecoderModel model;
    private final ScoreHead score;               // score.weight (1, C)
    private final int padTokenId;

    /** A zero-initialised reward model; see {@link #fromLm} and {@link #fromPretrained}. */
    public RewardModel(ModelConfig config, DType type, int padTokenId) {
        this.model = AutoModel.family(config).newModel(AutoModel.family(config).basePrefix(), config, type);
        this.score = new ScoreHead(config.hiddenSize(), type);
        this.padTokenId = padTokenId;
    }

    /**
     * A reward model on a copy of {@code lm}'s trunk (the usual start: the SFT model) with a new score head drawn
     * from N(0, 0.02) with {@code seed}, as {@code AutoModelForSequenceClassification.from_pretrained} of a causal-LM
     * folder does. The pad id is the EOS id.
     */
    public static RewardModel fromLm(CausalLM lm, long seed) {
        RewardModel model = new RewardModel(lm.config(), lm.dtype(), lm.config().eosTokenId());
        try (var noGrad = NoGrad.enter()) {
            model.model.copyParametersFrom(lm.model());
            model.score.initialize(new TensorRandom(seed), INITIALIZER_RANGE);
        }
        return model;
    }

    /** Loads a Hugging Face sequence-classification folder in float32. */
    public static RewardModel fromPretrained(Path dir) {
        return fromPretrained(dir, DType.FLOAT32);
    }

    /**
     * Loads {@code config.json} and {@code model.safetensors} of a {@code *ForSequenceClassification} folder with one
     * label, converting the weights to {@code type}. A missing file, tensor or label, or a shape that does not fit
     * the config, is an error naming the file and the key.
     */
    public static RewardModel fromPretrained(Path dir, DType type) {
        CheckpointException.requireFiles(dir, "a Hugging Face reward-model directory", AutoModel.CONFIG, AutoModel.WEIGHTS);
        Path configFile = dir.resolve(AutoModel.CONFIG);
        JsonNode json = readJson(configFile);
        JsonNode labels = json.get("id2label");
        if (labels != null && labels.size() != 1) {
            throw new CheckpointException(configFile + ": 'id2label' has " + labels.size() + " labels; a reward model has one");
        }
        if (json.has("num_labels") && json.get("num_labels").asInt() != 1) {
            throw new CheckpointException(configFile + ": 'num_labels' is " + json.get("num_labels") + "; a reward model has one");
        }
        ModelConfig config = AutoModel.readConfig(configFile);
        int pad = json.hasNonNull("pad_token_id") ? json.get("pad_token_id").asInt() : config.eosTokenId();
        RewardModel model = new RewardModel(config, type, pad);
        try {
            model.loadWeights(dir.resolve(AutoModel.WEIGHTS));
        } catch (RuntimeException e) {
            model.release();
            throw e;
        }
        return model;
    }

    private void loadWeights(Path file) {
        try (SafetensorsReader reader = SafetensorsReader.open(file); NoGrad ng = NoGrad.enter()) {
            if (!reader.contains("score.weight")) {
                throw new CheckpointException(file + ": missing tensor 'score.weight' (a *ForSequenceClassification"
                        + " checkpoint has one; a causal-LM folder needs RewardModel.fromLm)");
            }
            for (Map.Entry<String, Tensor> e : namedParameters().entrySet()) {
                String name = e.getKey();
                String prefix = AutoModel.family(config()).basePrefix();
                String bare = name.startsWith(prefix) ? name.substring(prefix.length()) : name;
                String key = reader.contains(name) ? name : bare;
                if (!reader.contains(key)) {
                    throw new CheckpointException(file + ": missing tensor '" + name + "' (also looked for '" + bare + "')");
                }
                long[] shape = reader.entries().get(key).shape();
                if (!Arrays.equals(shape, e.getValue().shape())) {
                    throw new CheckpointException(file + ": tensor '" + key + "' has shape " + Arrays.toString(shape)
                            + " but the config needs " + Arrays.toString(e.getValue().shape()));
                }
                Tensor loaded = reader.read(key);
                e.getValue().assign(loaded);
                loaded.release();
            }
        }
    }

    /**
     * Writes {@code config.json} (the family's sequence-classification architecture, one label, {@code pad_token_id})
     * and {@code model.safetensors}, each under a temporary name renamed into place.
     */
    public void save(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new CheckpointException(dir + ": cannot create directory: " + e, e);
        }
        SafetensorsWriter.write(dir.resolve(AutoModel.WEIGHTS), namedParameters(), Map.of("format", "pt"));
        SafetensorsWriter.writeText(dir.resolve(AutoModel.CONFIG), configJson());
    }

    private String configJson() {
        ModelConfig written = config().withStorageType(AutoModel.storageName(dtype()));
        ObjectMapper mapper = new ObjectMapper();
        try {
            ObjectNode n = (ObjectNode) mapper.readTree(written.toJson());
            n.putArray("architectures").add(AutoModel.family(written).sequenceClassificationArchitecture());
            n.putObject("id2label").put("0", "LABEL_0");
            n.putObject("label2id").put("LABEL_0", 0);
            n.put("pad_token_id", padTokenId);
            return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(n);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise the reward model's config", e);
        }
    }

    private static JsonNode readJson(Path file) {
        try {
            JsonNode n = new ObjectMapper().readTree(file.toFile());
            if (n == null || !n.isObject()) {
                throw new CheckpointException(file + ": not a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** Scores (B) of a padded batch, in the autograd graph: what the reward-model trainer differentiates. */
    public Tensor forward(PaddedBatch batch) {
        Tensor hidden = model.forward(batch);                                        // (B, T, C)
        return score.forward(hidden, batch);                                               // (B)
    }

    /** Scores (B) of prompt + completion rows, without a graph; intermediates are freed before returning. */
    @Override
    public Tensor scores(CompletionBatch rollouts) {
        try (Arena pass = Arena.open(); NoGrad ng = NoGrad.enter()) {
            return pass.keep(forward(rollouts.batch()));                                   // (B)
        }
    }

    /** An independent model with equal parameters, e.g. the frozen reward model of PPO next to a critic trained from it. */
    public RewardModel deepCopy() {
        RewardModel copy = new RewardModel(config(), dtype(), padTokenId);
        try (var noGrad = NoGrad.enter()) {
            copy.copyParametersFrom(this);
        }
        return copy;
    }

    /** The trunk (Hugging Face's {@code transformer} of GPT-2, {@code model} of Llama). */
    public DecoderModel model() {
        return model;
    }

    public ModelConfig config() {
        return model.config();
    }

    public DType dtype() {
        return model.dtype();
    }

    /** The {@code pad_token_id} saved with the model (the EOS id unless the folder named another). */
    public int padTokenId() {
        return padTokenId;
    }

    /** Training mode: dropout with the config's probabilities, drawn from {@code random}. */
    public void train(TensorRandom random) {
        model.train(random);
    }

    /** Eval mode: no dropout. */
    public void eval() {
        model.eval();
    }

    @Override
    public void collectParameters(Map<String, Tensor> out) {
        model.collectParameters(out);
        score.collectParameters(out);
    }

    @Override
    public void collectLinears(Map<String, Linear> out) {
        model.collectLinears(out);
    }
}
