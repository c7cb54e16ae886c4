package dev.rlhf4j.nn.io;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.core.DType;
import dev.rlhf4j.core.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a {@code .safetensors} file: an 8-byte little-endian header length, a JSON header mapping each name
 * to {@code {dtype, shape, data_offsets}}, then the raw little-endian data. Each tensor is memory-mapped and
 * copied once, buffer to buffer, into off-heap tensor memory: a 500 MB checkpoint never passes through the
 * Java heap. The whole header is validated when the file is opened, so a corrupt file fails before any tensor
 * is used, with a message naming the file and key.
 */
public final class SafetensorsReader implements AutoCloseable {
    /** One entry of the header. */
    public record Entry(String name, DType dtype, long[] shape, long begin, long end) {
    }

    /** Header sizes beyond this are rejected as corrupt (the format's own limit is 100 MB). */
    private static final long MAX_HEADER = 100L * 1024 * 1024;

    private final Path file;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;
    private final Map<String, SafetensorsReader> shards;        // by tensor name for a sharded checkpoint, else null

    private SafetensorsReader(Path file, FileChannel channel, long dataStart, Map<String, Entry> entries, Map<String, String> metadata) {
        this.file = file;
        this.channel = channel;
        this.dataStart = dataStart;
        this.entries = entries;
        this.metadata = metadata;
        this.shards = null;
    }

    private SafetensorsReader(Path index, Map<String, Entry> entries, Map<String, SafetensorsReader> shards) {
        this.file = index;
        this.channel = null;
        this.dataStart = 0;
        this.entries = entries;
        this.metadata = Map.of();
        this.shards = shards;
    }

    /** {@code file}: one {@code .safetensors} file, or the {@code model.safetensors.index.json} of a sharded checkpoint. */
    public static SafetensorsReader openCheckpoint(Path file) {
        return file.getFileName().toString().endsWith(".index.json") ? openSharded(file) : open(file);
    }

    /**
     * A sharded checkpoint as one reader: {@code index} is a {@code model.safetensors.index.json} whose {@code
     * weight_map} names the shard (a file beside it) of every tensor, as {@code save_pretrained} writes it. Every
     * shard's header is validated and must hold exactly the tensors the map gives it.
     */
    public static SafetensorsReader openSharded(Path index) {
        JsonNode map;
        try {
            map = StrictJson.readObject(index).get("weight_map");
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(e.getMessage(), e);
        }
        if (map == null || !map.isObject()) {
            throw new CheckpointException(index + ": needs a 'weight_map' object of tensor name to shard file");
        }
        Map<String, SafetensorsReader> files = new LinkedHashMap<>();
        Map<String, SafetensorsReader> owners = new LinkedHashMap<>();
        Map<String, Entry> entries = new LinkedHashMap<>();
        try {
            for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                String shard = f.getValue().asText();
                if (!f.getValue().isTextual() || shard.contains("/") || shard.contains("\\")) {
                    throw new CheckpointException(index + ": weight_map '" + f.getKey() + "' must name a file beside the index, got "
                            + StrictJson.describe(f.getValue()));
                }
                SafetensorsReader reader = files.computeIfAbsent(shard, s -> open(index.resolveSibling(s)));
                if (!reader.contains(f.getKey())) {
                    throw new CheckpointException(reader.file() + ": missing tensor '" + f.getKey() + "' that " + index + " places there");
                }
                owners.put(f.getKey(), reader);
                entries.put(f.getKey(), reader.entries().get(f.getKey()));
            }
            for (SafetensorsReader reader : files.values()) {
                for (String name : reader.entries().keySet()) {
                    if (owners.get(name) != reader) {
                        throw new CheckpointException(reader.file() + ": tensor '" + name + "' is not in " + index + "'s weight_map for this shard");
                    }
                }
            }
        } catch (RuntimeException e) {
            files.values().forEach(SafetensorsReader::close);
            throw e;
        }
        return new SafetensorsReader(index, Collections.unmodifiableMap(entries), owners);
    }

    /** Opens and validates {@code file}. */
    public static SafetensorsReader open(Path file) {
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot open safetensors file: " + e, e);
        }
        try {
            return parse(file, channel);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private static SafetensorsReader parse(Path file, FileChannel channel) {
        try {
            long size = channel.size();
            if (size < 8) {
                throw new CheckpointException(file + ": truncated safetensors file (" + size + " bytes, no 8-byte header length)");
            }
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, len, 0);
            long headerLen = len.flip().getLong();
            if (headerLen < 0 || headerLen > MAX_HEADER || 8 + headerLen > size) {
                throw new CheckpointException(file + ": header length " + Long.toUnsignedString(headerLen)
                        + " runs past the end of the file (" + size + " bytes)");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLen);
            readFully(channel, header, 8);
            String json = new String(header.array(), StandardCharsets.UTF_8);
            JsonNode root;
            try {
                root = StrictJson.parse(json, file + ": header");
            } catch (IllegalArgumentException e) {
                throw new CheckpointException(e.getMessage(), e);
            }
            if (root == null || !root.isObject()) {
                throw new CheckpointException(file + ": header is not a JSON object");
            }
            long dataStart = 8 + headerLen;
            long dataSize = size - dataStart;
            Map<String, Entry> entries = new LinkedHashMap<>();
            Map<String, String> metadata = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                String key = f.getKey();
                JsonNode v = f.getValue();
                if (key.equals("__metadata__")) {
                    if (!v.isObject()) {
                        throw new CheckpointException(file + ": __metadata__ must be an object of strings, got " + StrictJson.describe(v));
                    }
                    v.fields().forEachRemaining(m -> {
                        if (!m.getValue().isTextual()) {
                            throw new CheckpointException(file + ": __metadata__ '" + m.getKey() + "' must be a string, got "
                                    + StrictJson.describe(m.getValue()));
                        }
                        metadata.put(m.getKey(), m.getValue().textValue());
                    });
                    continue;
                }
                entries.put(key, entry(file, key, v, dataSize));
            }
            checkContiguous(file, entries, dataSize);
            return new SafetensorsReader(file, channel, dataStart, Collections.unmodifiableMap(entries), Collections.unmodifiableMap(metadata));
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read safetensors file: " + e, e);
        }
    }

    /** As the reference implementation: the tensors tile the data section exactly, without gaps or overlaps. */
    private static void checkContiguous(Path file, Map<String, Entry> entries, long dataSize) {
        List<Entry> byOffset = new ArrayList<>(entries.values());
        byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        for (Entry e : byOffset) {
            if (e.begin() != expected) {
                throw new CheckpointException(file + ": tensor '" + e.name() + "' starts at byte " + e.begin() + " of the data section, expected "
                        + expected + " (tensors overlap or leave a gap)");
            }
            expected = e.end();
        }
        if (expected != dataSize) {
            throw new CheckpointException(file + ": the tensors cover " + expected + " bytes but the data section has " + dataSize
                    + " (trailing bytes or a wrong header)");
        }
    }

    private static Entry entry(Path file, String key, JsonNode v, long dataSize) {
        String where = file + ": tensor '" + key + "'";
        if (!v.isObject() || !v.has("dtype") || !v.has("shape") || !v.has("data_offsets")) {
            throw new CheckpointException(where + ": header entry needs dtype, shape and data_offsets, got " + v);
        }
        DType dtype;
        try {
            dtype = DType.fromSafetensorsName(v.get("dtype").asText());
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(where + ": " + e.getMessage(), e);
        }
        JsonNode s = v.get("shape");
        JsonNode o = v.get("data_offsets");
        if (!s.isArray() || !o.isArray() || o.size() != 2) {
            throw new CheckpointException(where + ": shape must be an array and data_offsets a pair, got " + s + " and " + o);
        }
        if (!v.get("dtype").isTextual()) {
            throw new CheckpointException(where + ": dtype must be a string, got " + StrictJson.describe(v.get("dtype")));
        }
        long[] shape = new long[s.size()];
        long numel = 1;
        long begin;
        long end;
        try {
            for (int i = 0; i < shape.length; i++) {
                shape[i] = StrictJson.exactLong(s.get(i), where + ": shape[" + i + "]");
                if (shape[i] < 0) {
                    throw new CheckpointException(where + ": bad shape " + s + " (negative size)");
                }
                numel = Math.multiplyExact(numel, shape[i]);
            }
            Math.multiplyExact(numel, (long) dtype.bytes());
            begin = StrictJson.exactLong(o.get(0), where + ": data_offsets[0]");
            end = StrictJson.exactLong(o.get(1), where + ": data_offsets[1]");
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(e.getMessage(), e);
        } catch (ArithmeticException e) {
            throw new CheckpointException(where + ": shape " + s + " holds more elements than a 64-bit count (corrupt header)", e);
        }
        if (begin < 0 || end < begin || end > dataSize) {
            throw new CheckpointException(where + ": data_offsets [" + begin + ", " + end + ") lie outside the data section of "
                    + dataSize + " bytes (truncated file?)");
        }
        if (end - begin != numel * dtype.bytes()) {
            throw new CheckpointException(where + ": " + (end - begin) + " bytes cannot hold " + dtype.safetensorsName()
                    + java.util.Arrays.toString(shape) + " (" + numel * dtype.bytes() + " bytes)");
        }
        return new Entry(key, dtype, shape, begin, end);
    }

    public Path file() {
        return file;
    }

    /** Header entries by name, in file order. */
    public Map<String, Entry> entries() {
        return entries;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    public boolean contains(String name) {
        return entries.containsKey(name);
    }

    /** The tensor {@code name} in its stored type; the caller owns it (or its arena does). */
    public Tensor read(String name) {
        if (shards != null && shards.containsKey(name)) {
            return shards.get(name).read(name);
        }
        Entry e = entries.get(name);
        if (e == null) {
            throw new CheckpointException(file + ": no tensor '" + name + "'");
        }
        try {
            ByteBuffer bytes = e.end() == e.begin() ? ByteBuffer.allocate(0)
                    : channel.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin(), e.end() - e.begin());
            return Tensor.fromBytes(bytes.order(ByteOrder.LITTLE_ENDIAN), e.dtype(), e.shape());
        } catch (IOException ex) {
            throw new CheckpointException(file + ": tensor '" + name + "': cannot map data: " + ex, ex);
        }
    }

    /**
     * The tensor {@code name} read with positional reads through {@code scratch} (a buffer at least as large as
     * the tensor's bytes, reused by the caller) instead of a mapping: nothing of the file stays mapped, and so
     * counted in the process's resident memory, after the call. For weights streamed in again and again.
     */
    public Tensor read(String name, ByteBuffer scratch) {
        Entry e = entry(name);
        return read(name, 0, e.shape().length == 0 ? 1 : e.shape()[0], scratch);
    }

    /**
     * Rows [first, first + rows) of the tensor {@code name} (along its first dimension), read as {@link
     * #read(String, ByteBuffer)} reads: a tensor larger than the buffer comes in slabs of rows.
     */
    public Tensor read(String name, long first, long rows, ByteBuffer scratch) {
        if (shards != null && shards.containsKey(name)) {
            return shards.get(name).read(name, first, rows, scratch);
        }
        Entry e = entry(name);
        long[] shape = e.shape().length == 0 ? new long[] {1} : e.shape().clone();
        if (first < 0 || rows < 0 || first + rows > shape[0]) {
            throw new IllegalArgumentException(file + ": tensor '" + name + "': rows [" + first + ", " + (first + rows)
                    + ") outside its " + shape[0]);
        }
        long rowBytes = shape[0] == 0 ? 0 : (e.end() - e.begin()) / shape[0];
        long bytes = rows * rowBytes;
        if (bytes > scratch.capacity()) {
            throw new IllegalArgumentException(file + ": tensor '" + name + "': " + bytes + " bytes do not fit the scratch buffer of "
                    + scratch.capacity());
        }
        scratch.clear().limit((int) bytes);
        try {
            readFully(channel, scratch, dataStart + e.begin() + first * rowBytes);
        } catch (IOException ex) {
            throw new CheckpointException(file + ": tensor '" + name + "': cannot read data: " + ex, ex);
        }
        shape[0] = rows;
        return Tensor.fromBytes(scratch.flip().order(ByteOrder.LITTLE_ENDIAN), e.dtype(), e.shape().length == 0 ? e.shape() : shape);
    }

    private Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new CheckpointException(file + ": no tensor '" + name + "'");
        }
        return e;
    }

    /** Reads every tensor; convenient for small files such as recorded gradients. */
    public Map<String, Tensor> readAll() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String name : entries.keySet()) {
            out.put(name, read(name));
        }
        return out;
    }

    @Override
    public void close() {
        if (shards != null) {
            new java.util.LinkedHashSet<>(shards.values()).forEach(SafetensorsReader::close);
            return;
        }
        closeQuietly(channel);
    }

    private static void readFully(FileChannel channel, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = channel.read(buf, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file at byte " + pos);
            }
            pos += n;
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing to recover: the file was only read
        }
    }
}
