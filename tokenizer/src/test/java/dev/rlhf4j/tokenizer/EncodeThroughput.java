package dev.rlhf4j.tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * A throwaway measurement (not a test; the CLI owns {@code bench}): single-thread MB/s of a tokenizer on a mixed text
 * of English prose, source code, CJK and emoji. Usage:
 * {@code java -cp ... dev.rlhf4j.tokenizer.EncodeThroughput TOKENIZER_DIR SOURCE_ROOT [PROSE_FILES...]}.
 */
final class EncodeThroughput {

    private static final String[] CJK = {"我们", "今天", "天气", "很好", "机器", "学习", "模型", "训练", "数据", "语言",
        "東京", "日本語", "の", "は", "を", "に", "が", "です", "ます", "した", "強化学習", "人間", "フィードバック", "한국어",
        "안녕하세요", "토큰", "。", "、", "，", "！", "？"};
    private static final String[] EMOJI = {"🙂", "🚀", "👍🏽", "❤️", "🇯🇵", "👨‍👩‍👧", "🎉", "🤖"};

    private EncodeThroughput() {
    }

    public static void main(String[] args) throws IOException {
        Tokenizer tokenizer = Tokenizers.load(Path.of(args[0]));
        String text = mixedText(Path.of(args[1]), List.of(args).subList(2, args.length));
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        List<String> lines = text.lines().toList();
        System.out.printf("text: %.2f MB UTF-8, %d lines%n", utf8.length / 1e6, lines.size());
        for (int round = 0; round < 6; round++) {
            if (round == 3) {
                tokenizer = Tokenizers.load(Path.of(args[0]));    // a fresh (empty) word cache, JIT already warm
                System.out.println("fresh tokenizer:");
            }
            long t0 = System.nanoTime();
            long tokens = 0;
            for (String line : lines) {
                tokens += tokenizer.encodeWithSpecialTokens(line).length;
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf("round %d: %d tokens, %.2f s, %.2f MB/s%n", round, tokens, seconds, utf8.length / 1e6 / seconds);
        }
    }

    /** Every .java file under root (code), the prose files, and generated CJK and emoji lines, interleaved by line. */
    static String mixedText(Path root, List<String> proseFiles) throws IOException {
        List<String> lines = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".java") && !f.toString().contains("/target/")).toList()) {
                lines.addAll(Files.readAllLines(p));
            }
        }
        for (String prose : proseFiles) {
            lines.addAll(Files.readAllLines(Path.of(prose)));
        }
        Random random = new Random(1);
        int code = lines.size();
        for (int i = 0; i < code / 3; i++) {
            StringBuilder line = new StringBuilder();
            int words = 5 + random.nextInt(30);
            for (int w = 0; w < words; w++) {
                line.append(random.nextInt(12) == 0 ? EMOJI[random.nextInt(EMOJI.length)] : CJK[random.nextInt(CJK.length)]);
            }
            lines.add(line.toString());
        }
        java.util.Collections.shuffle(lines, random);
        return String.join("\n", lines);
    }
}
