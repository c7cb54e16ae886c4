package dev.rlhf4j.tokenizer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * tiktoken's rank file ({@code r50k_base.tiktoken}: one {@code base64(token bytes) rank} per line) turned
 * into the vocabulary and merges this module works with.
 *
 * <p>A rank file stores no merges: tiktoken merges the adjacent pair whose concatenated bytes have the lowest
 * rank. The merge that builds a token is recovered the way tiktoken's and Hugging Face's converters do: run
 * that rank-based BPE on the token's own bytes using only lower ranks; it must stop at exactly two parts,
 * which are the merge. For GPT-2 this gives back merges.txt line for line. Special tokens are not part of
 * the format (tiktoken declares them in code); {@code <|endoftext|>} is appended after the last rank, where
 * r50k_base puts it (50256), unless the file already has it.
 */
final class TiktokenRanks {

    private TiktokenRanks() {
    }

    static Gpt2Tokenizer read(InputStream in, String name) throws IOException {
        Map<String, Integer> lineOfToken = new HashMap<>();
        List<String> symbols = new ArrayList<>();
        List<int[]> rankAndLine = new ArrayList<>();
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
        int lineNumber = 0;
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
            lineNumber++;
            if (line.isEmpty()) {
                continue;
            }
            int space = line.indexOf(' ');
            if (space <= 0 || line.indexOf(' ', space + 1) >= 0) {
                throw new TokenizerException(name + " line " + lineNumber
                        + ": expected \"<base64 token bytes> <rank>\", got \"" + line + "\"");
            }
            byte[] bytes;
            int rank;
            try {
                bytes = Base64.getDecoder().decode(line.substring(0, space));
            } catch (IllegalArgumentException e) {
                throw new TokenizerException(name + " line " + lineNumber + ": invalid base64 \""
                        + line.substring(0, space) + "\"", e);
            }
            try {
                rank = Integer.parseInt(line.substring(space + 1));
            } catch (NumberFormatException e) {
                throw new TokenizerException(name + " line " + lineNumber + ": rank \"" + line.substring(space + 1)
                        + "\" is not an integer", e);
            }
            if (bytes.length == 0 || rank < 0) {
                throw new TokenizerException(name + " line " + lineNumber + ": empty token or negative rank");
            }
            String symbol = ByteToUnicode.symbols(bytes);
            Integer before = lineOfToken.put(symbol, lineNumber);
            if (before != null) {
                throw new TokenizerException(name + " line " + lineNumber + ": token repeats line " + before);
            }
            symbols.add(symbol);
            rankAndLine.add(new int[] {rank, lineNumber});
        }
        int n = symbols.size();
        String[] byRank = new String[n];
        int[] lineOfRank = new int[n];
        for (int k = 0; k < n; k++) {
            int rank = rankAndLine.get(k)[0];
            int line = rankAndLine.get(k)[1];
            if (rank >= n || byRank[rank] != null) {
                throw new TokenizerException(name + " line " + line + ": rank " + rank
                        + (rank >= n ? " is outside 0.." + (n - 1) + " (ranks must number the " + n + " tokens)"
                                : " is already taken by line " + lineOfRank[rank]));
            }
            byRank[rank] = symbols.get(k);
            lineOfRank[rank] = line;
        }
        Map<String, Integer> ranks = new HashMap<>(2 * n);
        for (int rank = 0; rank < n; rank++) {
            ranks.put(byRank[rank], rank);
        }
        List<int[]> merges = new ArrayList<>();
        for (int rank = 0; rank < n; rank++) {
            if (byRank[rank].length() < 2) {
                continue;
            }
            List<String> parts = bpeBelow(byRank[rank], ranks, rank);
            if (parts.size() != 2 || !ranks.containsKey(parts.get(0)) || !ranks.containsKey(parts.get(1))) {
                throw new TokenizerException(name + " line " + lineOfRank[rank] + ": token \"" + byRank[rank]
                        + "\" (rank " + rank + ") is not the merge of two lower-ranked tokens; BPE stops at " + parts);
            }
            merges.add(new int[] {ranks.get(parts.get(0)), ranks.get(parts.get(1)), rank});
        }
        List<String> tokens = new ArrayList<>(List.of(byRank));
        BitSet special = new BitSet();
        if (!ranks.containsKey(Gpt2Tokenizer.END_OF_TEXT)) {
            special.set(tokens.size());
            tokens.add(Gpt2Tokenizer.END_OF_TEXT);
        }
        return TokenizerFiles.build(tokens, special, merges);
    }

    /** tiktoken's rank-based BPE of {@code token}'s symbols, using only ranks below {@code maxRank}. */
    private static List<String> bpeBelow(String token, Map<String, Integer> ranks, int maxRank) {
        List<String> parts = new ArrayList<>(token.length());
        for (int i = 0; i < token.length(); i++) {
            parts.add(token.substring(i, i + 1));
        }
        while (parts.size() > 1) {
            int best = maxRank;
            int at = -1;
            for (int i = 0; i + 1 < parts.size(); i++) {
                Integer rank = ranks.get(parts.get(i) + parts.get(i + 1));
                if (rank != null && rank < best) {
                    best = rank;
                    at = i;
                }
            }
            if (at < 0) {
                break;
            }
            parts.set(at, parts.get(at) + parts.remove(at + 1));
        }
        return parts;
    }
}
