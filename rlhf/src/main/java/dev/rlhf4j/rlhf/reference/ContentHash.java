package dev.rlhf4j.rlhf.reference;

import dev.rlhf4j.core.NoGrad;
import dev.rlhf4j.core.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * SHA-256 fingerprints of what a reference depends on, as lowercase hex: model weights, tokenised data, tokenizer
 * files. Equal content gives an equal hash whatever the order a map lists it in or where a file lies; any changed
 * value, shape, type, name, length or byte changes it. Tensors are hashed a slab of rows at a time, so fingerprinting a
 * model never copies more than half a megabyte of it at once.
 */
public final class ContentHash {
    /**
     * Elements hashed per slab of a tensor: each slab passes through a heap buffer, and up to 512 KB (float64) it
     * stays an ordinary young object, below the size G1 allocates straight into the old generation.
     */
    private static final long SLAB = 1 << 16;

    private ContentHash() {
    }

    /** The weights by name: each name (sorted), type, shape and little-endian value bytes. */
    public static String ofWeights(Map<String, Tensor> weights) {
        MessageDigest d = sha256();
        for (Map.Entry<String, Tensor> e : new TreeMap<>(weights).entrySet()) {
            text(d, e.getKey());
            tensor(d, e.getValue());
        }
        return hex(d);
    }

    /** One tensor: type, shape and value bytes. */
    public static String ofTensor(Tensor t) {
        MessageDigest d = sha256();
        tensor(d, t);
        return hex(d);
    }

    /** Token sequences in order: their count, then each one's length and ids. */
    public static String ofSequences(List<int[]> sequences) {
        MessageDigest d = sha256();
        number(d, sequences.size());
        for (int[] s : sequences) {
            ByteBuffer b = ByteBuffer.allocate(8 + 4 * s.length).order(ByteOrder.LITTLE_ENDIAN);
            b.putLong(s.length);
            b.asIntBuffer().put(s);
            d.update(b.array());
        }
        return hex(d);
    }

    /** Files' contents in the given order (e.g. a tokenizer's vocab.json and merges.txt); not their names. */
    public static String ofFiles(List<Path> files) {
        MessageDigest d = sha256();
        byte[] buffer = new byte[1 << 16];
        for (Path f : files) {
            try (InputStream in = Files.newInputStream(f)) {
                number(d, Files.size(f));
                for (int n; (n = in.read(buffer)) > 0; ) {
                    d.update(buffer, 0, n);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(f + ": cannot read to fingerprint it: " + e.getMessage(), e);
            }
        }
        return hex(d);
    }

    private static void tensor(MessageDigest d, Tensor t) {
        text(d, t.dtype().safetensorsName());
        number(d, t.rank());
        for (long s : t.shape()) {
            number(d, s);
        }
        if (t.numel() == 0) {
            return;
        }
        if (t.rank() == 0) {
            d.update(t.toBytes());
            return;
        }
        long rows = t.size(0);
        long perSlab = Math.max(1, SLAB / Math.max(1, t.numel() / rows));
        try (NoGrad ng = NoGrad.enter()) {
            for (long r = 0; r < rows; r += perSlab) {
                Tensor slab = t.narrow(0, r, Math.min(perSlab, rows - r));                    // (rows', ...)
                d.update(slab.toBytes());
                slab.release();
            }
        }
    }

    private static void text(MessageDigest d, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        number(d, b.length);
        d.update(b);
    }

    private static void number(MessageDigest d, long v) {
        d.update(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
    }

    private static String hex(MessageDigest d) {
        return HexFormat.of().formatHex(d.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }
}
