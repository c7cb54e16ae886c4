package dev.rlhf4j.rlhf.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhf4j.nn.gpt2.Gpt2Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code rlhf4j memory}: a row per model, a column per kind of memory, units on every size, aligned; clear errors. */
class MemoryCommandTest {
    private static final List<String> MODELS = List.of("actor", "critic", "reward", "reference");
    private static final List<String> COLUMNS = List.of("parameters", "weights", "gradients", "AdamW moments",
            "activations", "KV cache", "total");
    /** A size cell: a number and its unit, a bound below the smallest printed size, or a dash for nothing. */
    private static final Pattern SIZE = Pattern.compile("(\\d+\\.\\d+) (MB|GB)|<0\\.01 MB|-");
    /** Printed sizes keep three or four significant digits. */
    private static final double ROUNDING = 0.005;

    @TempDir
    Path dir;

    /** The table's lines: from the header (it names the columns) to the total row. */
    private static List<String> table(String out) {
        List<String> lines = Arrays.asList(out.split("\n"));
        int header = 0;
        while (!lines.get(header).startsWith("model ")) {
            header++;
        }
        int total = header;
        while (!lines.get(total).startsWith("total ")) {
            total++;
        }
        return lines.subList(header, total + 1);
    }

    /** The size cells of a table row (after its name and parameter count), split at runs of two or more spaces. */
    private static List<String> sizes(String row) {
        List<String> cells = Arrays.asList(row.split(" {2,}"));
        return cells.subList(2, cells.size());
    }

    private static String row(List<String> table, String model) {
        return table.stream().filter(l -> l.startsWith(model)).findFirst()
                .orElseThrow(() -> new AssertionError("no row for " + model + " in\n" + String.join("\n", table)));
    }

    private static double bytes(String cell) {
        Matcher m = SIZE.matcher(cell);
        assertTrue(m.matches(), "'" + cell + "' is not a size with its unit");
        return m.group(1) == null ? 0 : Double.parseDouble(m.group(1)) * (m.group(2).equals("GB") ? 1e9 : 1e6);
    }

    @Test
    void ppoTableHasEveryModelAndKindAlignedWithUnits() {
        CommandRun r = CommandRun.of("memory", "--preset", "gpt2", "--algo", "ppo", "--dtype", "fp32", "--batch", "4", "--seq", "128");
        assertEquals(0, r.exit(), r.err());
        List<String> table = table(r.out());
        for (String column : COLUMNS) {
            assertTrue(table.get(0).contains(column), "header lacks " + column + ": " + table.get(0));
        }
        for (String line : table) {
            assertEquals(table.get(0).length(), line.length(), "columns are not aligned:\n" + String.join("\n", table));
        }
        List<List<String>> rows = new ArrayList<>();
        for (String model : MODELS) {
            List<String> cells = sizes(row(table, model));
            assertEquals(COLUMNS.size() - 1, cells.size(), model + ": " + cells);
            rows.add(cells);
        }
        List<String> total = sizes(row(table, "total"));
        for (int column = 0; column < total.size(); column++) {
            double sum = 0;
            for (List<String> cells : rows) {
                sum += bytes(cells.get(column));
            }
            assertEquals(sum, bytes(total.get(column)), 2 * ROUNDING * sum, COLUMNS.get(column + 1) + " total");
        }
        for (String cell : rows.get(0)) {
            assertTrue(cell.endsWith(" MB") || cell.endsWith(" GB"), "the trained actor uses every kind of memory: " + cell);
        }
        assertTrue(r.out().contains("MB = 10^6 bytes, GB = 10^9 bytes"), r.out());
    }

    @Test
    void grpoShowsThatItHasNoCritic() {
        CommandRun r = CommandRun.of("memory", "--preset", "gpt2", "--algo", "grpo", "--dtype", "bf16", "--batch", "8", "--seq", "256");
        assertEquals(0, r.exit(), r.err());
        List<String> critic = sizes(row(table(r.out()), "critic"));
        assertTrue(critic.stream().allMatch("-"::equals), "critic: " + critic);
        assertTrue(r.out().contains("critic: none in grpo"), r.out());
    }

    @Test
    void grpoAndRlooSayWhatDroppingTheCriticSavesAgainstPpo() {
        String[] step = {"--preset", "gpt2", "--dtype", "bf16", "--batch", "8", "--seq", "256"};
        CommandRun ppo = CommandRun.of(concat(new String[] {"memory", "--algo", "ppo"}, step));
        assertEquals(0, ppo.exit(), ppo.err());
        List<String> ppoTable = table(ppo.out());
        double ppoTotal = bytes(last(sizes(row(ppoTable, "total"))));
        double critic = bytes(last(sizes(row(ppoTable, "critic"))));
        assertFalse(ppo.out().contains("saved against ppo"), "PPO has its critic");
        Pattern saved = Pattern.compile("saved against ppo: (\\d+\\.\\d+ (?:MB|GB)), (\\d+\\.\\d)% of the (\\d+\\.\\d+ (?:MB|GB)) PPO");
        for (String algo : List.of("grpo", "rloo")) {
            CommandRun r = CommandRun.of(concat(new String[] {"memory", "--algo", algo}, step));
            assertEquals(0, r.exit(), r.err());
            double total = bytes(last(sizes(row(table(r.out()), "total"))));
            Matcher m = saved.matcher(r.out().replace("\n", " "));
            assertTrue(m.find(), algo + ":\n" + r.out());
            double savedBytes = bytes(m.group(1));
            assertEquals(ppoTotal - total, savedBytes, ROUNDING * 2 * ppoTotal, algo + ": PPO's total less this one's");
            assertEquals(critic, savedBytes, ROUNDING * critic, algo + ": the saving is PPO's critic row");
            assertEquals(bytes(m.group(3)), ppoTotal, ROUNDING * ppoTotal);
            assertEquals(100 * critic / ppoTotal, Double.parseDouble(m.group(2)), 0.6, algo + ": the share of PPO's total");
        }
    }

    private static String last(List<String> cells) {
        return cells.get(cells.size() - 1);
    }

    @Test
    void llamaPresetsArePlannedInGigabytes() {
        CommandRun r = CommandRun.of("memory", "--preset", "llama-7b", "--algo", "ppo", "--dtype", "bf16", "--batch", "1", "--seq", "512");
        assertEquals(0, r.exit(), r.err());
        assertTrue(sizes(row(table(r.out()), "actor")).stream().filter(c -> !c.endsWith(" MB")).allMatch(c -> c.endsWith(" GB")));
        assertTrue(r.out().contains("6.74B parameters"), r.out());
    }

    @Test
    void modelDirectoryIsPlannedLikeItsPreset() throws IOException {
        Path model = Files.createDirectories(dir.resolve("tiny-model"));
        Files.writeString(model.resolve("config.json"), Gpt2Config.tiny().toJson());
        String[] rest = {"--algo", "dpo", "--reference", "half", "--batch", "2", "--seq", "32"};
        CommandRun fromDir = CommandRun.of(concat(new String[] {"memory", "--model", model.toString()}, rest));
        CommandRun fromPreset = CommandRun.of(concat(new String[] {"memory", "--preset", "tiny"}, rest));
        assertEquals(0, fromDir.exit(), fromDir.err());
        assertEquals(table(fromPreset.out()), table(fromDir.out()));
        assertTrue(fromDir.out().contains("tiny-model"), fromDir.out());
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test
    void badRequestsSayWhatIsWrong() {
        CommandRun unknown = CommandRun.of("memory", "--preset", "gpt5", "--algo", "ppo", "--batch", "1", "--seq", "8");
        assertEquals(1, unknown.exit());
        assertTrue(unknown.err().contains("unknown preset 'gpt5'") && unknown.err().contains("llama-7b"), unknown.err());
        CommandRun sftReference = CommandRun.of("memory", "--preset", "tiny", "--algo", "sft", "--reference", "copy",
                "--batch", "1", "--seq", "8");
        assertEquals(1, sftReference.exit());
        assertTrue(sftReference.err().contains("sft has no reference model"), sftReference.err());
        CommandRun both = CommandRun.of("memory", "--preset", "tiny", "--model", dir.toString(), "--algo", "ppo",
                "--batch", "1", "--seq", "8");
        assertEquals(2, both.exit());
        assertTrue(both.err().contains("mutually exclusive"), both.err());
        CommandRun noConfig = CommandRun.of("memory", "--model", dir.toString(), "--algo", "ppo", "--batch", "1", "--seq", "8");
        assertEquals(1, noConfig.exit());
        assertTrue(noConfig.err().contains("config.json does not exist"), noConfig.err());
        CommandRun badAlgo = CommandRun.of("memory", "--preset", "tiny", "--algo", "a2c", "--batch", "1", "--seq", "8");
        assertEquals(1, badAlgo.exit());
        assertTrue(badAlgo.err().contains("'a2c'") && badAlgo.err().contains("grpo"), badAlgo.err());
    }
}
