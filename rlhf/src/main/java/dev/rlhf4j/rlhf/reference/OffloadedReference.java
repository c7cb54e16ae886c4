package dev.rlhf4j.rlhf.reference;

import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import dev.rlhf4j.nn.Module;
import dev.rlhf4j.nn.batch.PaddedBatch;
import dev.rlhf4j.nn.io.CheckpointException;
import dev.rlhf4j.nn.io.SafetensorsReader;
import dev.rlhf4j.nn.io.SafetensorsWriter;
import dev.rlhf4j.nn.lora.LoraModel;
import dev.rlhf4j.nn.model.AutoModel;
import dev.rlhf4j.nn.model.CausalLM;
import dev.rlhf4j.nn.model.ModelConfig;
import dev.rlhf4j.nn.model.ModelFamily;
import dev.rlhf4j.rlhf.logprob.TokenLogProbs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The reference whose weights stay in a safetensors file (the seeds' "reference on CPU", DeepSpeed's parameter
 * offload): only the embeddings, the final norm and one layer's worth of parameters are resident, and each
 * reference pass streams the blocks through that one slot, layer by layer:
 * <pre>
 *   x = embed(ids, positions)                                   (B, T, C)
 *   for l in 0 .. n_layer-1:  slot <- file["h.l.*"];  x = slot(x)
 *   logits = head(final_norm(x))                                (B, T, V)
 * </pre>
 * The same operations in the same order as {@link CausalLM#forward(PaddedBatch)} on the same weights, so the
 * log-probs equal a {@link FrozenCopyReference}'s bit for bit. Resident memory is embeddings + ln_f + one block + a
 * read buffer of the largest block tensor, instead of a whole model; the price is reading every block's bytes again
 * on every pass. Blocks are read with positional reads rather than kept mapped, so the file's pages stay in the
 * kernel's page cache (evictable) and never count towards the process's resident memory.
 *
 * <p>Legend: B batch, T time, C channels, V vocabulary.
 */
public final class OffloadedReference implements ReferenceModel {
    private final Path file;
    private final boolean ownsFile;                    // a temporary copy, deleted by close
    private final SafetensorsReader reader;
    private final ModelConfig config;
    private final DType type;
    private final String prefix;                       // the trunk's, "transformer."
    private final CausalLM skeleton;                   // the model with one layer: the slot, refilled for each layer
    private final Map<String, Tensor> resident;        // model name -> tensor (embeddings, final norm)
    private final Map<String, Tensor> slotWeights;     // suffix ("attn.c_attn.weight") -> tensor
    private final Map<String, String> keys;            // model name -> key in the file
    private final ByteBuffer scratch;                  // the largest layer tensor's bytes
    private final FrozenCheck check;
    private long liveBytes;
    private long peakBytes;

    private OffloadedReference(Path file, ModelConfig config, DType type, boolean ownsFile) {
        this.file = file;
        this.ownsFile = ownsFile;
        this.config = config;
        this.type = type;
        ModelFamily family = AutoModel.family(config);
        this.prefix = family.basePrefix();
        String layerZero = prefix + family.layerPrefix(0);
        this.reader = SafetensorsReader.open(file);
        this.skeleton = AutoModel.create(config.withNumLayers(1), type);
        try {
            this.resident = new LinkedHashMap<>();
            this.slotWeights = new LinkedHashMap<>();
            skeleton.namedParameters().forEach((name, t) -> {
                if (name.startsWith(layerZero)) {
                    slotWeights.put(name.substring(layerZero.length()), t);
                } else {
                    resident.put(name, t);
                }
            });
            this.keys = resolveKeys();
            this.scratch = ByteBuffer.allocateDirect(Math.toIntExact(largestBlockTensor()));
            for (Tensor t : slotWeights.values()) {
                t.requiresGrad(false);
            }
            loadResident();
            this.liveBytes = FrozenCheck.bytes(resident) + FrozenCheck.bytes(slotWeights) + scratch.capacity();
            this.peakBytes = liveBytes;
            this.check = FrozenCheck.seal("OffloadedReference(" + file + ")", this::forEachWeight);
        } catch (RuntimeException e) {
            reader.close();
            skeleton.release();
            throw e;
        }
    }

    /** Writes {@code policy}'s weights to {@code file} (safetensors, HF names) once, and streams them from there. */
    public static OffloadedReference of(CausalLM policy, Path file) {
        SafetensorsWriter.write(file, policy.namedParameters(), Map.of("format", "pt"));
        return new OffloadedReference(file, policy.config(), policy.dtype(), false);
    }

    /**
     * Streams from an existing checkpoint, e.g. the policy's own {@code model.safetensors}: keys with or without
     * HF's {@code transformer.} prefix; every tensor is checked against {@code config}'s shapes now, so a wrong file
     * fails here, naming the file and the key. Computes in {@code type} (the stored type is converted).
     */
    public static OffloadedReference open(Path weights, ModelConfig config, DType type) {
        return new OffloadedReference(weights, config, type, false);
    }

    /** The file's bytes: an executor writes them to a temporary file of its own and streams from there. */
    @Override
    public ReferenceRecipe recipe() {
        try {
            return new Recipe(config, type, Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException("--master: cannot read the offloaded reference " + file + ": " + e.getMessage(), e);
        }
    }

    /** An offloaded reference of {@code config} computing in {@code type}, streaming a copy of {@code file}'s bytes. */
    record Recipe(ModelConfig config, DType type, byte[] file) implements ReferenceRecipe {
        private static final long serialVersionUID = 1L;

        @Override
        public ReferenceModel build(CausalLM policy, LoraModel lora) {
            try {
                Path copy = Files.createTempFile("rlhf4j-reference-", ".safetensors");
                copy.toFile().deleteOnExit();
                Files.write(copy, file);
                return new OffloadedReference(copy, config, type, true);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the offloaded reference to a temporary file: " + e.getMessage(), e);
            }
        }

        @Override
        public long bytes() {
            return file.length;
        }
    }

    @Override
    public TokenLogProbs logProbs(PaddedBatch batch, Tensor completionMask) {
        return logProbs(batch, completionMask, 1.0);
    }

    @Override
    public TokenLogProbs logProbs(PaddedBatch batch, Tensor completionMask, double temperature) {
        return ((LogitsModel) this::logits).referenceLogProbs(batch, completionMask, temperature);
    }

    /** The forward pass, layer by layer through the slot. (B, T) to (B, T, V) */
    private Tensor logits(PaddedBatch batch) {
        int t = batch.length();
        if (t > config.maxPositions()) {
            throw new IllegalArgumentException("OffloadedReference: " + t + " positions exceed n_positions " + config.maxPositions());
        }
        Tensor h = skeleton.model().forwardStreamed(batch, config.numLayers(), layer -> {
            for (Map.Entry<String, Tensor> w : slotWeights.entrySet()) {
                Tensor stored = read(layerName(layer, w.getKey()));
                w.getValue().assign(stored);
                free(stored);
            }
        });                                                                        // (B, T, C)
        return skeleton.head(h);                                                   // (B, T, V)
    }

    /**
     * The divergence between {@code policy} and the stored reference, reading one block tensor at a time.
     * See {@link WeightDivergence}.
     */
    public WeightDivergence divergenceFrom(Module policy) {
        Map<String, Tensor> p = policy.namedParameters();
        WeightDivergence.Accumulator acc = new WeightDivergence.Accumulator();
        forEachWeight((name, r) -> {
            Tensor pt = p.get(name);
            if (pt == null) {
                throw new IllegalArgumentException("OffloadedReference: the policy has no parameter '" + name + "'");
            }
            acc.add(name, pt, r);
        });
        return acc.result();
    }

    /** Every weight under its model name: the resident ones as they are, each block tensor read from the file and freed. */
    private void forEachWeight(BiConsumer<String, Tensor> visit) {
        resident.forEach(visit);
        for (int layer = 0; layer < config.numLayers(); layer++) {
            for (String suffix : slotWeights.keySet()) {
                Tensor stored = read(layerName(layer, suffix));
                try {
                    visit.accept(layerName(layer, suffix), stored);
                } finally {
                    free(stored);
                }
            }
        }
    }

    private Tensor read(String name) {
        Tensor t = reader.read(keys.get(name), scratch);
        liveBytes += bytes(t);
        peakBytes = Math.max(peakBytes, liveBytes);
        return t;
    }

    private void free(Tensor t) {
        liveBytes -= bytes(t);
        t.release();
    }

    private static long bytes(Tensor t) {
        return t.numel() * t.dtype().bytes();
    }

    private String layerName(int layer, String suffix) {
        return prefix + AutoModel.family(config).layerPrefix(layer) + suffix;
    }

    /** The file's key of every weight (with or without the prefix), each checked for its shape. */
    private Map<String, String> resolveKeys() {
        Map<String, long[]> wanted = new LinkedHashMap<>();
        resident.forEach((name, t) -> wanted.put(name, t.shape()));
        for (int layer = 0; layer < config.numLayers(); layer++) {
            for (Map.Entry<String, Tensor> w : slotWeights.entrySet()) {
                wanted.put(layerName(layer, w.getKey()), w.getValue().shape());
            }
        }
        Map<String, String> out = new LinkedHashMap<>();
        wanted.forEach((name, shape) -> {
            String bare = name.substring(prefix.length());
            String key = reader.contains(name) ? name : bare;
            SafetensorsReader.Entry e = reader.entries().get(key);
            if (e == null) {
                throw new CheckpointException(file + ": missing tensor '" + name + "' (also looked for '" + bare + "')");
            }
            if (!Arrays.equals(e.shape(), shape)) {
                throw new CheckpointException(file + ": tensor '" + key + "' has shape " + Arrays.toString(e.shape())
                        + " but the config needs " + Arrays.toString(shape));
            }
            out.put(name, key);
        });
        return out;
    }

    private long largestBlockTensor() {
        long max = 0;
        for (Map.Entry<String, String> k : keys.entrySet()) {
            if (!resident.containsKey(k.getKey())) {
                SafetensorsReader.Entry e = reader.entries().get(k.getValue());
                max = Math.max(max, e.end() - e.begin());
            }
        }
        return max;
    }

    /** Reads the resident tensors a slab of rows at a time through the scratch buffer into their own rows. */
    private void loadResident() {
        try (NoGrad ng = NoGrad.enter()) {
            for (Map.Entry<String, Tensor> r : resident.entrySet()) {
                Tensor target = r.getValue();
                long rows = target.size(0);
                long perSlab = Math.max(1, scratch.capacity() / Math.max(1, target.numel() / rows * storedBytes(r.getKey())));
                for (long first = 0; first < rows; first += perSlab) {
                    long n = Math.min(perSlab, rows - first);
                    Tensor stored = reader.read(keys.get(r.getKey()), first, n, scratch);
                    target.narrow(0, first, n).assign(stored);
                    stored.release();
                }
                target.requiresGrad(false);
            }
        }
    }

    private int storedBytes(String name) {
        return reader.entries().get(keys.get(name)).dtype().bytes();
    }

    @Override
    public void verifyFrozen() {
        check.verify(this::forEachWeight);
    }

    /** Embeddings + ln_f + one block + the read buffer, and the one block tensor read at a time: the peak so far. */
    @Override
    public long heldBytes() {
        return peakBytes;
    }

    /** The file the weights stream from. */
    public Path file() {
        return file;
    }

    /** Closes the file and frees the resident weights; the file itself stays, unless it is a temporary copy. */
    @Override
    public void close() {
        reader.close();
        skeleton.release();
        if (ownsFile) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // the JVM deletes it on exit
            }
        }
    }
}
