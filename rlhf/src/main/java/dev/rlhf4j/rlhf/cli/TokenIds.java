package dev.rlhf4j.rlhf.cli;

import java.util.Arrays;

/** The {@code --ids} option of {@code forward} and {@code generate}: token ids written {@code 1,2,3}. */
final class TokenIds {
    private TokenIds() {
    }

    /** Parses {@code 1,2,3}; the error names the bad entry. */
    static int[] parse(String csv) {
        return Arrays.stream(csv.split(","))
                .map(String::trim)
                .mapToInt(s -> {
                    try {
                        return Integer.parseInt(s);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--ids: '" + s + "' is not a token id (expected e.g. 1,2,3)");
                    }
                })
                .toArray();
    }
}
