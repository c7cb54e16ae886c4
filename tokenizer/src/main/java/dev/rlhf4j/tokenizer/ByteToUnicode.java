package dev.rlhf4j.tokenizer;

/**
 * GPT-2's reversible map from the 256 byte values to 256 printable Unicode characters.
 *
 * <p>Byte-level BPE works on bytes, but OpenAI stored its vocabulary and merges as text, and a vocabulary
 * entry must not contain whitespace or control characters (merges.txt separates the two symbols of a merge
 * with one space). So each byte that is already a printable, non-space Latin-1 character ({@code !..~},
 * {@code ¡..¬}, {@code ®..ÿ}; 188 bytes) stands for itself, and the other 68 bytes (controls, space, DEL,
 * NBSP, soft hyphen) are shifted to U+0100..U+0143 in increasing byte order. That is why a leading space shows
 * up as {@code Ġ} (U+0120 = 256 + 32) in vocab.json and a newline as {@code Ċ} (U+010A).
 *
 * <p>The order of {@link #byteOrder()} is also the order of GPT-2's first 256 vocabulary ids: id {@code i}
 * is the single byte {@code byteOrder()[i]}.
 */
public final class ByteToUnicode {

    /** One past the largest character the map produces (U+0143). */
    private static final int SYMBOL_LIMIT = 0x144;

    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[SYMBOL_LIMIT];
    private static final int[] BYTE_ORDER = new int[256];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int next = 0;
        for (int b = 0; b < 256; b++) {
            if (isPrintable(b)) {
                BYTE_TO_CHAR[b] = (char) b;
                BYTE_ORDER[next++] = b;
            }
        }
        int shifted = 0;
        for (int b = 0; b < 256; b++) {
            if (!isPrintable(b)) {
                BYTE_TO_CHAR[b] = (char) (256 + shifted++);
                BYTE_ORDER[next++] = b;
            }
        }
        for (int b = 0; b < 256; b++) {
            CHAR_TO_BYTE[BYTE_TO_CHAR[b]] = b;
        }
    }

    private ByteToUnicode() {
    }

    private static boolean isPrintable(int b) {
        return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    }

    /** The printable character that stands for byte {@code b} (0..255). */
    public static char symbol(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The byte that character {@code c} stands for, or -1 if {@code c} is not one of the 256 symbols. */
    public static int byteOf(char c) {
        return c < SYMBOL_LIMIT ? CHAR_TO_BYTE[c] : -1;
    }

    /** The bytes written as symbols, e.g. {@code " hi"} (bytes 20 68 69) becomes {@code "Ġhi"}. */
    public static String symbols(byte[] bytes) {
        return symbols(bytes, 0, bytes.length);
    }

    /** The symbols of {@code bytes[from..to)}. */
    public static String symbols(byte[] bytes, int from, int to) {
        char[] chars = new char[to - from];
        for (int i = from; i < to; i++) {
            chars[i - from] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        }
        return new String(chars);
    }

    /**
     * The bytes a symbol string stands for, or {@code null} if some character is not one of the 256 symbols
     * (vocabulary entries such as {@code <|endoftext|>} are plain text, not symbols, but happen to be
     * representable; callers decide what an unrepresentable entry means).
     */
    public static byte[] bytes(String symbols) {
        byte[] out = new byte[symbols.length()];
        for (int i = 0; i < out.length; i++) {
            int b = byteOf(symbols.charAt(i));
            if (b < 0) {
                return null;
            }
            out[i] = (byte) b;
        }
        return out;
    }

    /** Byte values in GPT-2's vocabulary order: printable bytes ascending, then the shifted ones ascending. */
    public static int[] byteOrder() {
        return BYTE_ORDER.clone();
    }
}
