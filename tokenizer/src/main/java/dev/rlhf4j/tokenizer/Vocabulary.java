package dev.rlhf4j.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The token table: id to token (as written in vocab.json, in {@link ByteToUnicode} symbols), token to id, and
 * id to the raw bytes the token stands for.
 *
 * <p>A token is either ordinary (its entry is a string of byte symbols; decoding maps each symbol back to its
 * byte) or special (an entry such as {@code <|endoftext|>} that no merge produces; it is matched as whole text
 * only when the caller allows it, and decodes to its own UTF-8). Immutable.
 */
public final class Vocabulary {

    private final String[] tokens;        // (V) entry as in vocab.json
    private final byte[][] tokenBytes;    // (V) bytes each id decodes to
    private final BitSet special;         // (V) set for special tokens
    private final Map<String, Integer> ids;
    private final int[] byteIds;          // (256) id of the one-byte token of each byte value, -1 if none

    /**
     * @param tokens entries in id order (id = list index), unique
     * @param specialIds ids of special tokens; every other entry must be written in byte symbols
     * @throws TokenizerException if an ordinary entry contains a character that is not a byte symbol, or an
     *     entry repeats
     */
    Vocabulary(List<String> tokens, BitSet specialIds) {
        this(tokens, specialIds, true);
    }

    /**
     * A SentencePiece-style vocabulary (Llama 2, Mistral): entries are text with {@code ▁} for a space, and
     * {@code <0x00>}..{@code <0xFF>} stand for single bytes (byte fallback). {@link #bytes} is the entry's UTF-8 with
     * {@code ▁} as a space, or the byte; {@link #byteId} finds the {@code <0xXX>} entries.
     */
    static Vocabulary sentencePiece(List<String> tokens, BitSet specialIds) {
        return new Vocabulary(tokens, specialIds, false);
    }

    private Vocabulary(List<String> tokens, BitSet specialIds, boolean byteLevel) {
        int size = tokens.size();
        this.tokens = tokens.toArray(new String[0]);
        this.tokenBytes = new byte[size][];
        this.special = (BitSet) specialIds.clone();
        this.ids = new HashMap<>(size * 2);
        this.byteIds = new int[256];
        Arrays.fill(byteIds, -1);
        for (int id = 0; id < size; id++) {
            String token = this.tokens[id];
            if (ids.putIfAbsent(token, id) != null) {
                throw new TokenizerException("vocabulary entry \"" + token + "\" appears twice (ids "
                        + ids.get(token) + " and " + id + ")");
            }
            if (special.get(id)) {
                if (token.isEmpty()) {
                    throw new TokenizerException("special token " + id + " is the empty string");
                }
                tokenBytes[id] = token.getBytes(StandardCharsets.UTF_8);
                continue;
            }
            if (!byteLevel) {
                int b = fallbackByte(token);
                tokenBytes[id] = b >= 0 ? new byte[] {(byte) b}
                        : token.replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8);
                if (b >= 0) {
                    byteIds[b] = id;
                }
                continue;
            }
            byte[] bytes = ByteToUnicode.bytes(token);
            if (bytes == null || bytes.length == 0) {
                throw new TokenizerException("vocabulary entry \"" + token + "\" (id " + id
                        + ") is not written in GPT-2 byte symbols");
            }
            tokenBytes[id] = bytes;
            if (bytes.length == 1) {
                byteIds[bytes[0] & 0xFF] = id;
            }
        }
    }

    /** The byte that a byte-fallback entry {@code <0xXX>} stands for, or -1 for any other entry. */
    static int fallbackByte(String token) {
        if (token.length() != 6 || !token.startsWith("<0x") || token.charAt(5) != '>') {
            return -1;
        }
        int hi = Character.digit(token.charAt(3), 16);
        int lo = Character.digit(token.charAt(4), 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    /** Number of ids, special tokens included (50,257 for GPT-2). */
    public int size() {
        return tokens.length;
    }

    /** The entry of {@code id} as written in vocab.json, e.g. {@code "Ġthe"}. */
    public String token(int id) {
        checkId(id, -1);
        return tokens[id];
    }

    /** The id of an entry as written in vocab.json ({@code "Ġthe"}, {@code "<|endoftext|>"}), if present. */
    public OptionalInt id(String token) {
        Integer id = ids.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** A copy of the bytes that {@code id} decodes to. */
    public byte[] bytes(int id) {
        checkId(id, -1);
        return tokenBytes[id].clone();
    }

    /** True for tokens such as {@code <|endoftext|>} that are matched as whole text, never built by merges. */
    public boolean isSpecial(int id) {
        checkId(id, -1);
        return special.get(id);
    }

    /** The special tokens' texts, in id order. */
    public List<String> specialTokens() {
        List<String> out = new ArrayList<>();
        for (int id = special.nextSetBit(0); id >= 0; id = special.nextSetBit(id + 1)) {
            out.add(tokens[id]);
        }
        return Collections.unmodifiableList(out);
    }

    /** Id of the one-byte token for byte value {@code b} (0..255), or -1 if the vocabulary lacks it. */
    int byteId(int b) {
        return byteIds[b];
    }

    /** The internal bytes of {@code id} (not copied; callers must not modify). */
    byte[] bytesView(int id) {
        return tokenBytes[id];
    }

    /** Throws a {@link TokenizerException} naming {@code id} (and its position, if >= 0) when out of range. */
    void checkId(int id, int position) {
        if (id < 0 || id >= tokens.length) {
            throw new TokenizerException("token id " + id + (position >= 0 ? " at position " + position : "")
                    + " is out of range [0, " + tokens.length + ")");
        }
    }
}
