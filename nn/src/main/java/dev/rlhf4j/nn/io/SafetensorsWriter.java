package dev.rlhf4j.nn.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.core.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes tensors to a {@code .safetensors} file (the layout {@link SafetensorsReader} reads, and that
 * {@code safetensors.torch.load_file} reads). Tensors are laid out as the safetensors library lays them out
 * (wider element types first, then by name; header padded with spaces to 8 bytes), so saving the weights of a
 * file that {@code save_pretrained} wrote reproduces it byte for byte. The file is written under a temporary
 * name in the same directory, forced to disk and renamed over the target, so an interrupted save leaves the
 * previous file intact.
 */
public final class SafetensorsWriter {
    private SafetensorsWriter() {
    }

    /** Writes {@code tensors} with the given {@code __metadata__}. */
    public static void write(Path file, Map<String, Tensor> unordered, Map<String, String> metadata) {
        unordered.keySet().forEach(k -> requireText(file, "tensor name", k));
        metadata.forEach((k, v) -> {
            requireText(file, "metadata key", k);
            requireText(file, "metadata value of '" + k + "'", v);
        });
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        unordered.entrySet().stream()
                .sorted(Comparator.comparingInt((Map.Entry<String, Tensor> e) -> -e.getValue().dtype().bytes())
                        .thenComparing(Map.Entry::getKey))
                .forEach(e -> tensors.put(e.getKey(), e.getValue()));
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode header = mapper.createObjectNode();
        ObjectNode meta = header.putObject("__metadata__");
        metadata.forEach(meta::put);
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            ObjectNode n = header.putObject(e.getKey());
            n.put("dtype", t.dtype().safetensorsName());
            var shape = n.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            long bytes = t.numel() * t.dtype().bytes();
            n.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json;
        try {
            json = mapper.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot serialise header", e);
        }
        int padded = (json.length + 7) / 8 * 8;                       // data starts 8-byte aligned
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(ch, head);
            for (Tensor t : tensors.values()) {
                writeFully(ch, t.toBytes());
            }
            ch.force(true);
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new CheckpointException(file + ": cannot write: " + e, e);
        }
        replace(tmp, file);
    }

    /** The header is UTF-8: a string with an unpaired surrogate would be written as '?' and read back changed. */
    private static void requireText(Path file, String what, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean pair = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
            if (pair) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new CheckpointException(String.format("%s: %s '%s' has an unpaired surrogate U+%04X at index %d; "
                        + "it cannot be written as UTF-8", file, what, s, (int) c, i));
            }
        }
    }

    /** Writes text the same way: temporary file, then rename. */
    public static void writeText(Path file, String text) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new CheckpointException(file + ": cannot write: " + e, e);
        }
        replace(tmp, file);
    }

    private static void replace(Path tmp, Path file) {
        try {
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new CheckpointException(file + ": cannot replace with " + tmp + ": " + e, e);
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // the temporary file is garbage either way
        }
    }
}
