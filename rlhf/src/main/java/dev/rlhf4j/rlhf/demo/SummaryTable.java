package dev.rlhf4j.rlhf.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The table the demo prints at the end and report.md repeats: one row per stage with the mean gold reward, its 95%
 * confidence interval, the mean reward-model score, the KL to the reference, Welch's p-value against SFT, the
 * gain over SFT in SFT standard deviations, the gold reward gained per nat of KL and whether the stage beats SFT.
 * {@link #text} aligns plain columns for a terminal; {@link #markdown} writes a GitHub table.
 */
public final class SummaryTable {
    private static final List<String> HEADER = List.of("stage", "gold reward", "95% CI", "RM score", "KL to ref",
            "p vs SFT", "gain (SFT sd)", "gold gain / KL", "beats SFT");

    private SummaryTable() {
    }

    /** The cells of each row, header first. */
    static List<List<String>> rows(DemoSummary summary) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(HEADER);
        for (DemoSummary.StageSummary s : summary.stages()) {
            rows.add(List.of(s.stage().toUpperCase(Locale.ROOT), fixed(s.goldRewardMean()),
                    "[" + fixed(s.goldRewardCiLow()) + ", " + fixed(s.goldRewardCiHigh()) + "]", fixed(s.rmScoreMean()),
                    fixed(s.klToReference()), s.isSft() ? "-" : pValue(s.pValueVsSft()),
                    s.isSft() ? "-" : String.format(Locale.ROOT, "%+.2f", s.gainInSftSd()),
                    s.isSft() ? "-" : signed(summary.goldGainPerKl(s)), s.isSft() ? "-" : s.beatsSft(summary.klBound()) ? "yes" : "no"));
        }
        return rows;
    }

    /** Space-aligned columns, numbers right-aligned, then the reward model's line. */
    public static String text(DemoSummary summary) {
        List<List<String>> rows = rows(summary);
        int[] widths = new int[HEADER.size()];
        for (List<String> row : rows) {
            for (int c = 0; c < row.size(); c++) {
                widths[c] = Math.max(widths[c], row.get(c).length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (int r = 0; r < rows.size(); r++) {
            List<String> row = rows.get(r);
            for (int c = 0; c < row.size(); c++) {
                String cell = row.get(c);
                String pad = " ".repeat(widths[c] - cell.length());
                out.append(c == 0 ? cell + pad : "  " + pad + cell);
            }
            out.append('\n');
            if (r == 0) {
                int total = 0;
                for (int w : widths) {
                    total += w + 2;
                }
                out.append("-".repeat(total - 2)).append('\n');
            }
        }
        out.append(bestLine(summary)).append('\n');
        out.append(String.format(Locale.ROOT, "reward model: held-out accuracy %.3f, Pearson %s, Spearman %s (gold vs RM score)%n",
                summary.rmHeldoutAccuracy(), fixed(summary.rmGoldPearson()), fixed(summary.rmGoldSpearman())));
        return out.toString();
    }

    /** A GitHub-flavoured markdown table. */
    public static String markdown(DemoSummary summary) {
        List<List<String>> rows = rows(summary);
        StringBuilder out = new StringBuilder();
        for (int r = 0; r < rows.size(); r++) {
            out.append("| ").append(String.join(" | ", rows.get(r))).append(" |\n");
            if (r == 0) {
                out.append("|---").append("|---:".repeat(HEADER.size() - 1)).append("|\n");
            }
        }
        return out.toString();
    }

    /** Which stage gained the most gold reward over SFT per nat of KL to the reference, with the figure of each. */
    public static String bestLine(DemoSummary summary) {
        StringBuilder all = new StringBuilder();
        for (DemoSummary.StageSummary s : summary.stages()) {
            if (!s.isSft()) {
                all.append(all.length() == 0 ? "" : ", ").append(s.stage().toUpperCase(Locale.ROOT)).append(' ')
                        .append(signed(summary.goldGainPerKl(s)));
            }
        }
        return summary.bestGoldGainPerKl()
                .map(b -> "gold reward per nat of KL: " + b.stage().toUpperCase(Locale.ROOT) + " won (" + all + ")")
                .orElse("gold reward per nat of KL: no stage moved from the reference (" + all + ")");
    }

    private static String signed(double value) {
        return Double.isFinite(value) ? String.format(Locale.ROOT, "%+.3f", value) : "n/a";
    }

    static String fixed(double value) {
        return Double.isFinite(value) ? String.format(Locale.ROOT, "%.3f", value) : "n/a";
    }

    static String pValue(double p) {
        if (!Double.isFinite(p)) {
            return "n/a";
        }
        return p < 1e-4 ? "< 1e-4" : String.format(Locale.ROOT, "%.4f", p);
    }
}
