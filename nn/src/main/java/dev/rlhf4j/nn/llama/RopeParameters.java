package dev.rlhf4j.nn.llama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.nn.io.StrictJson;
import java.io.Serializable;
import java.util.List;
import java.util.Set;

/**
 * The rotary embedding's settings, as transformers 5 writes them ({@code rope_parameters}) and transformers 4 wrote
 * them ({@code rope_theta} beside {@code rope_scaling}): the base and how the inverse frequencies are rescaled for a
 * longer context. Three types are computed: {@code default}, {@code linear} (every frequency divided by {@code
 * factor}) and {@code llama3} (low frequencies divided by {@code factor}, high ones kept, a smooth blend between).
 *
 * @param ropeType "default", "linear" or "llama3"
 * @param ropeTheta the base of the frequencies theta^(-2i/hs)
 * @param factor linear / llama3 scaling factor (1 for default)
 * @param lowFreqFactor llama3: wavelengths above original / lowFreqFactor are scaled fully
 * @param highFreqFactor llama3: wavelengths below original / highFreqFactor are kept
 * @param originalMaxPositionEmbeddings llama3: the context the model was pre-trained with
 */
public record RopeParameters(String ropeType, double ropeTheta, double factor, double lowFreqFactor, double highFreqFactor,
                             int originalMaxPositionEmbeddings) implements Serializable {
    /** The RoPE types rlhf4j computes. */
    public static final List<String> SUPPORTED = List.of("default", "linear", "llama3");

    private static final Set<String> KEYS = Set.of("rope_type", "type", "rope_theta", "factor", "low_freq_factor",
            "high_freq_factor", "original_max_position_embeddings", "partial_rotary_factor");

    public RopeParameters {
        if (!SUPPORTED.contains(ropeType)) {
            throw new IllegalArgumentException(unsupported(ropeType));
        }
        if (!(ropeTheta > 0) || !(factor > 0)) {
            throw new IllegalArgumentException("rope_theta and factor must be positive, got " + ropeTheta + " and " + factor);
        }
        if (ropeType.equals("llama3") && (!(highFreqFactor > lowFreqFactor) || originalMaxPositionEmbeddings <= 0)) {
            throw new IllegalArgumentException("llama3 RoPE needs high_freq_factor > low_freq_factor and a positive"
                    + " original_max_position_embeddings, got " + lowFreqFactor + ", " + highFreqFactor + ", " + originalMaxPositionEmbeddings);
        }
    }

    /** Plain RoPE with base {@code theta}. */
    public static RopeParameters standard(double theta) {
        return new RopeParameters("default", theta, 1.0, 0, 0, 0);
    }

    private static String unsupported(String type) {
        return "rope_type '" + type + "' is not supported (supported: " + String.join(", ", SUPPORTED) + ")";
    }

    /**
     * The inverse frequencies (hs / 2) of head size {@code hs}, HF's {@code ROPE_INIT_FUNCTIONS[rope_type]}: {@code
     * 1 / theta^(2i / hs)}, then rescaled by the type.
     */
    public double[] inverseFrequencies(int hs) {
        double[] inv = new double[hs / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = 1.0 / Math.pow(ropeTheta, (double) (2 * i) / hs);
        }
        switch (ropeType) {
            case "linear" -> {
                for (int i = 0; i < inv.length; i++) {
                    inv[i] /= factor;
                }
            }
            case "llama3" -> {
                double lowFreqWavelen = originalMaxPositionEmbeddings / lowFreqFactor;
                double highFreqWavelen = originalMaxPositionEmbeddings / highFreqFactor;
                for (int i = 0; i < inv.length; i++) {
                    double wavelen = 2 * Math.PI / inv[i];
                    if (wavelen > lowFreqWavelen) {
                        inv[i] /= factor;                                           // low frequency: scaled
                    } else if (wavelen >= highFreqWavelen) {                         // medium: blended
                        double smooth = (originalMaxPositionEmbeddings / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                        inv[i] = (1 - smooth) * inv[i] / factor + smooth * inv[i];
                    }                                                               // high frequency: kept
                }
            }
            default -> {
            }
        }
        return inv;
    }

    /**
     * Reads the RoPE settings of {@code root}: transformers 5's {@code rope_parameters}, or transformers 4's {@code
     * rope_theta} and {@code rope_scaling} (null for plain RoPE). A type other than {@link #SUPPORTED}, or a key that
     * changes the computation ({@code partial_rotary_factor} below 1), is refused in one line.
     */
    static RopeParameters read(JsonNode root, String src) {
        JsonNode params = root.get("rope_parameters");
        JsonNode scaling = root.get("rope_scaling");
        boolean v5 = params != null && !params.isNull();
        boolean hasScaling = scaling != null && !scaling.isNull();
        if (v5 && hasScaling) {
            throw new IllegalArgumentException(src + ": both 'rope_parameters' and 'rope_scaling' are set; expected one");
        }
        JsonNode node = v5 ? params : hasScaling ? scaling : null;
        if (node != null && !node.isObject()) {
            throw new IllegalArgumentException(src + ": '" + (v5 ? "rope_parameters" : "rope_scaling") + "' must be an object, got "
                    + StrictJson.describe(node));
        }
        double topTheta = StrictJson.optionalDouble(root, "rope_theta", Double.NaN, src);
        double theta = node == null ? topTheta : StrictJson.optionalDouble(node, "rope_theta", topTheta, src);
        if (!Double.isNaN(topTheta) && topTheta != theta) {
            throw new IllegalArgumentException(src + ": rope_theta " + topTheta + " and rope_parameters.rope_theta " + theta + " differ");
        }
        if (Double.isNaN(theta)) {
            theta = 10000.0;                                                        // transformers' default
        }
        if (node == null) {
            return standard(theta);
        }
        node.fieldNames().forEachRemaining(k -> {
            if (!KEYS.contains(k)) {
                throw new IllegalArgumentException(src + ": RoPE setting '" + k + "' is not supported");
            }
        });
        if (StrictJson.optionalDouble(node, "partial_rotary_factor", 1.0, src) != 1.0) {
            throw new IllegalArgumentException(src + ": partial_rotary_factor " + node.get("partial_rotary_factor")
                    + " is not supported (only 1: every channel of a head rotates)");
        }
        String type = StrictJson.optionalString(node, "rope_type", StrictJson.optionalString(node, "type", "default", src), src);
        if (!SUPPORTED.contains(type)) {
            throw new IllegalArgumentException(src + ": " + unsupported(type));
        }
        try {
            return new RopeParameters(type, theta,
                    type.equals("default") ? 1.0 : requiredDouble(node, "factor", src),
                    type.equals("llama3") ? requiredDouble(node, "low_freq_factor", src) : 0,
                    type.equals("llama3") ? requiredDouble(node, "high_freq_factor", src) : 0,
                    type.equals("llama3") ? StrictJson.requiredInt(node, "original_max_position_embeddings", src) : 0);
        } catch (IllegalArgumentException e) {
            throw e.getMessage().startsWith(src) ? e : new IllegalArgumentException(src + ": " + e.getMessage(), e);
        }
    }

    private static double requiredDouble(JsonNode node, String key, String src) {
        double v = StrictJson.optionalDouble(node, key, Double.NaN, src);
        if (Double.isNaN(v)) {
            throw new IllegalArgumentException(src + ": RoPE type needs '" + key + "'");
        }
        return v;
    }

    /** Writes these settings as transformers 5's {@code rope_parameters}. */
    void write(ObjectNode config) {
        ObjectNode n = config.putObject("rope_parameters");
        if (!ropeType.equals("default")) {
            n.put("factor", factor);
        }
        if (ropeType.equals("llama3")) {
            n.put("high_freq_factor", highFreqFactor);
            n.put("low_freq_factor", lowFreqFactor);
            n.put("original_max_position_embeddings", originalMaxPositionEmbeddings);
        }
        n.put("rope_theta", ropeTheta);
        n.put("rope_type", ropeType);
    }
}
