package dev.rlhf4j.rlhf.demo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Writes the demo's report into a run folder: {@code summary.json} (the figures of {@link DemoSummary}, keys in a
 * fixed order, so a seed reproduces the file byte for byte apart from {@code seconds}), {@code report.md} (the table,
 * the reward model's accuracy and correlations, the KL bound, the verdicts, sample completions of every stage for
 * the same prompts side by side, and the plots) and the PNG plots of {@link DemoPlots}.
 */
public final class DemoReport {
    public static final String SUMMARY_JSON = "summary.json";
    public static final String REPORT_MD = "report.md";

    /** The files written. */
    public record Written(Path summaryJson, Path reportMd, List<Path> plots) {
    }

    private DemoReport() {
    }

    /**
     * Writes every file of the report into {@code dir} (created if missing).
     *
     * @param stages the evaluation samples the summary was computed from, SFT first
     * @param sampleRows how many prompts report.md shows completions for
     */
    public static Written write(Path dir, DemoSummary summary, DemoCurves curves, List<StageSamples> stages, int sampleRows) {
        try {
            Files.createDirectories(dir);
            Path json = dir.resolve(SUMMARY_JSON);
            Files.writeString(json, json(summary), StandardCharsets.UTF_8);
            List<Path> plots = DemoPlots.write(curves, dir);
            Path md = dir.resolve(REPORT_MD);
            Files.writeString(md, markdown(summary, stages, sampleRows, curves), StandardCharsets.UTF_8);
            return new Written(json, md, plots);
        } catch (IOException e) {
            throw new UncheckedIOException("DemoReport: cannot write the report into " + dir, e);
        }
    }

    /** summary.json's text: two-space indentation, '\n' line ends on every platform, a final newline. */
    public static String json(DemoSummary summary) {
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter()
                .withObjectIndenter(new DefaultIndenter("  ", "\n"))
                .withArrayIndenter(DefaultPrettyPrinter.FixedSpaceIndenter.instance);
        try {
            return new ObjectMapper().writer(printer).writeValueAsString(summary.toJson()) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("DemoReport: cannot serialise the summary", e);
        }
    }

    /** report.md's text. */
    public static String markdown(DemoSummary summary, List<StageSamples> stages, int sampleRows) {
        return markdown(summary, stages, sampleRows, null);
    }

    /** report.md's text, with the plots of {@code curves}' online methods (none when null). */
    public static String markdown(DemoSummary summary, List<StageSamples> stages, int sampleRows, DemoCurves curves) {
        StringBuilder md = new StringBuilder();
        md.append("# rlhf4j demo: RLHF on synthetic reviews\n\n");
        md.append(String.format(Locale.ROOT, "Seed %d; %d evaluation prompts per stage; %.1f s.%n%n", summary.seed(),
                summary.stages().get(0).n(), summary.seconds()));
        md.append("## Results\n\n").append(SummaryTable.markdown(summary)).append('\n');
        md.append("Gold reward: the hidden judge (`GoldReward`: lexicon sentiment with negation, minus repetition,"
                + " length and unfinished-sentence penalties), which the learners never see. 95% CI: Student's t."
                + " p vs SFT: Welch's two-sided t-test on the gold rewards. Gain: mean gold-reward gain over SFT in units"
                + " of SFT's gold-reward standard deviation. KL: mean per-completion sum over tokens of"
                + " log pi(y_t) - log pi_ref(y_t) against the SFT model.\n\n");
        md.append(String.format(Locale.ROOT, "**KL bound:** every stage must stay below %s nats per completion of KL to"
                + " the reference (SFT) model.%n%n", SummaryTable.fixed(summary.klBound())));
        md.append("**").append(SummaryTable.bestLine(summary).replaceFirst("gold reward per nat of KL:", "Gold reward per nat of KL:**"))
                .append(". Gold gain / KL: (mean gold reward - SFT's) / KL to the reference, what each method bought with its"
                        + " drift from the SFT model.\n\n");
        if (!summary.stageSeconds().isEmpty()) {
            md.append("**Seconds per stage:** ");
            StringBuilder split = new StringBuilder();
            summary.stageSeconds().forEach((stage, t) -> split.append(split.length() == 0 ? "" : ", ")
                    .append(String.format(Locale.ROOT, "%s %.1f", stage, t)));
            md.append(split).append(".\n\n");
        }
        md.append("## Reward model\n\n");
        md.append(String.format(Locale.ROOT, "- Held-out pairwise accuracy: **%.3f**%n", summary.rmHeldoutAccuracy()));
        md.append(String.format(Locale.ROOT, "- Correlation of reward-model score with gold reward on %d held-out"
                        + " completions: Pearson r = %s, Spearman rho = %s%n%n", summary.heldoutSamples(),
                SummaryTable.fixed(summary.rmGoldPearson()), SummaryTable.fixed(summary.rmGoldSpearman())));
        md.append("## Verdicts\n\n");
        for (DemoSummary.StageSummary s : summary.stages()) {
            if (!s.isSft()) {
                md.append(String.format(Locale.ROOT, "- %s %s SFT: gain %+.2f sd (needs >= %.1f), p %s (needs < %s),"
                                + " KL %s (needs <= %s)%s%n", s.stage().toUpperCase(Locale.ROOT),
                        s.beatsSft(summary.klBound()) ? "beats" : "does not beat", s.gainInSftSd(),
                        DemoSummary.MIN_GAIN_IN_SFT_SD, SummaryTable.pValue(s.pValueVsSft()), DemoSummary.MAX_P_VALUE,
                        SummaryTable.fixed(s.klToReference()), SummaryTable.fixed(summary.klBound()),
                        DemoSummary.GATED.contains(s.stage()) ? "" : " (reported, not part of the demo's verdict)"));
            }
        }
        md.append('\n').append(samples(stages, sampleRows)).append('\n');
        md.append("## Plots\n\n");
        md.append("![Reward-model accuracy per epoch](").append(DemoPlots.RM_ACCURACY).append(")\n\n");
        md.append("![PPO rewards and KL per iteration](").append(DemoPlots.PPO_CURVES).append(")\n\n");
        md.append("![Gold and proxy reward against sqrt(KL)](").append(DemoPlots.REWARD_VS_KL).append(")\n\n");
        md.append("![DPO margins and accuracy per step](").append(DemoPlots.DPO_CURVES).append(")\n");
        for (DemoCurves.Online c : curves == null ? List.<DemoCurves.Online>of() : curves.criticFree()) {
            md.append("\n![").append(c.method().toUpperCase(Locale.ROOT)).append(" rewards and KL per step (no critic)](")
                    .append(DemoPlots.curvesFile(c.method())).append(")\n");
        }
        return md.toString();
    }

    /** The completions of every stage for the first {@code rows} prompts, with their gold rewards. */
    static String samples(List<StageSamples> stages, int rows) {
        StringBuilder md = new StringBuilder("## Sample completions (same prompts, gold reward in brackets)\n\n| prompt |");
        for (StageSamples s : stages) {
            md.append(' ').append(s.stage().toUpperCase(Locale.ROOT)).append(" |");
        }
        md.append("\n|---|").append("---|".repeat(stages.size())).append('\n');
        int n = Math.min(rows, stages.get(0).size());
        for (int i = 0; i < n; i++) {
            md.append("| ").append(escape(stages.get(0).prompts().get(i))).append(" |");
            for (StageSamples s : stages) {
                md.append(' ').append(cell(s.completions().get(i)))
                        .append(String.format(Locale.ROOT, " [%.1f] |", s.goldRewards()[i]));
            }
            md.append('\n');
        }
        return md.toString();
    }

    /** A table cell: the end marker dropped, an unfinished completion marked with an ellipsis, markdown escaped. */
    static String cell(String text) {
        String t = text.strip();
        boolean ended = t.endsWith(ReviewCorpus.END);
        if (ended) {
            t = t.substring(0, t.length() - ReviewCorpus.END.length()).strip();
        }
        t = escape(t);
        return t.isEmpty() ? "(empty)" : ended ? t : t + " …";
    }

    private static String escape(String text) {
        return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
                .replace("\r", " ").replace("\n", " ").replace("*", "\\*").replace("_", "\\_").replace("`", "\\`");
    }
}
