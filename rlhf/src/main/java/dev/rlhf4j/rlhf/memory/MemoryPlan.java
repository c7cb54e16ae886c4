package dev.rlhf4j.rlhf.memory;

import dev.rlhf4j.rlhf.memory.Workload.Model;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The planner's answer: one {@link Row} per model of RLHF, in the order actor, critic, reward, reference, their
 * column-wise total, and the text table of them: a row per model, a column per kind of memory, every size with its
 * unit (MB = 10^6 bytes, GB = 10^9 bytes), columns aligned, then notes that say what each row counts.
 *
 * @param workload what was planned
 * @param byModel every model's row, absent models included
 */
public record MemoryPlan(Workload workload, Map<Model, Row> byModel) {
    /** Bytes per trained parameter in the classic rule of thumb for mixed-precision Adam (ZeRO: 2 + 2 + 4 + 4 + 4). */
    public static final int RULE_OF_THUMB_TRAINED = 16;
    /** Bytes per frozen parameter in the rule of thumb: 16-bit weights. */
    public static final int RULE_OF_THUMB_FROZEN = 2;

    private static final String[] HEADER = {"model", "parameters", "weights", "gradients", "AdamW moments", "activations",
        "KV cache", "total"};
    private static final String NONE = "-";
    private static final int MIN_NOTE_WIDTH = 100;

    /**
     * One model's memory in bytes, a column per kind; a model the algorithm does without is a row with
     * {@code present} false and zeros.
     *
     * @param name the row's name: the model's word (actor, critic, reward, reference), then how it is held
     * @param present whether the algorithm keeps this model
     * @param parameters the model's parameter count (0 when it has no weights of its own)
     * @param trainedParameters how many of them the optimizer updates
     * @param weights resident bytes of its weights (for a precomputed reference: its cached log-probs)
     * @param gradients bytes of the gradients of its trained parameters
     * @param moments bytes of AdamW's first and second moments of its trained parameters
     * @param activations bytes one step's pass keeps (an estimate, {@link MemoryPlanner})
     * @param kvCache bytes of the KV cache when it generates
     */
    public record Row(String name, boolean present, long parameters, long trainedParameters, long weights,
                      long gradients, long moments, long activations, long kvCache) {

        public Row {
            if (parameters < 0 || weights < 0 || gradients < 0 || moments < 0 || activations < 0 || kvCache < 0) {
                throw new IllegalArgumentException("memory row '" + name + "': negative size");
            }
            if (trainedParameters < 0 || trainedParameters > parameters) {
                throw new IllegalArgumentException("memory row '" + name + "': " + trainedParameters + " trained of "
                        + parameters + " parameters");
            }
        }

        /** The row of a model that the algorithm does without. */
        public static Row absent(String name) {
            return new Row(name, false, 0, 0, 0, 0, 0, 0, 0);
        }

        /** Weights, gradients and moments: what training a model costs before any data goes through it. */
        public long modelStates() {
            return weights + gradients + moments;
        }

        /** Every column together. */
        public long total() {
            return modelStates() + activations + kvCache;
        }
    }

    public MemoryPlan {
        if (!byModel.keySet().containsAll(List.of(Model.values()))) {
            throw new IllegalArgumentException("memory plan: needs a row for each of " + List.of(Model.values())
                    + ", got " + byModel.keySet());
        }
        byModel = Collections.unmodifiableMap(new EnumMap<>(byModel));
    }

    /** The row of {@code model}. */
    public Row row(Model model) {
        return byModel.get(model);
    }

    /** The rows in the table's order. */
    public List<Row> rows() {
        return List.copyOf(byModel.values());
    }

    /** Every row added up, column by column. */
    public Row total() {
        long[] sum = new long[7];
        for (Row r : byModel.values()) {
            long[] columns = {r.parameters(), r.trainedParameters(), r.weights(), r.gradients(), r.moments(),
                r.activations(), r.kvCache()};
            for (int i = 0; i < sum.length; i++) {
                sum[i] += columns[i];
            }
        }
        return new Row("total", true, sum[0], sum[1], sum[2], sum[3], sum[4], sum[5], sum[6]);
    }

    /** The rule of thumb's weights, gradients and moments of these models, to set beside {@code total().modelStates()}. */
    public long ruleOfThumbModelStates() {
        long bytes = 0;
        for (Row r : byModel.values()) {
            bytes += RULE_OF_THUMB_TRAINED * r.trainedParameters() + RULE_OF_THUMB_FROZEN * (r.parameters() - r.trainedParameters());
        }
        return bytes;
    }

    /** The aligned text table with its notes. */
    public String table() {
        return render(this);
    }

    private static String render(MemoryPlan plan) {
        List<String[]> body = new ArrayList<>();
        for (Row r : plan.rows()) {
            body.add(cells(r));
        }
        String[] total = cells(plan.total());
        List<String[]> all = new ArrayList<>(body);
        all.add(HEADER);
        all.add(total);
        int[] width = new int[HEADER.length];
        for (String[] line : all) {
            for (int i = 0; i < line.length; i++) {
                width[i] = Math.max(width[i], line[i].length());
            }
        }
        StringBuilder out = new StringBuilder(header(plan)).append("\n\n");
        out.append(line(HEADER, width)).append('\n').append(rule(width)).append('\n');
        for (String[] line : body) {
            out.append(line(line, width)).append('\n');
        }
        out.append(rule(width)).append('\n').append(line(total, width)).append("\n\n");
        int noteWidth = Math.max(MIN_NOTE_WIDTH, rule(width).length());
        for (String note : notes(plan)) {
            out.append(wrap(note, noteWidth)).append('\n');
        }
        return out.toString();
    }

    private static String header(MemoryPlan plan) {
        Workload w = plan.workload();
        ModelShape s = w.model();
        return String.format(Locale.ROOT, "memory of one %s step: %s (%s parameters: L=%d, C=%d, nh=%d, V=%d), %s, %s",
                w.algorithm().label(), s.name(), parameters(s.numParameters()), s.layers(), s.hidden(), s.heads(),
                s.vocab(), w.precision().label(), batch(w));
    }

    private static String batch(Workload w) {
        String b = w.sequences() == w.batch() ? "B=" + w.batch() : "B=" + w.batch() + " pairs (" + w.sequences() + " sequences)";
        return b + ", T=" + w.seq();
    }

    private static String[] cells(Row r) {
        if (!r.present()) {
            String[] cells = new String[HEADER.length];
            Arrays.fill(cells, NONE);
            cells[0] = r.name();
            return cells;
        }
        return new String[] {r.name(), r.parameters() == 0 ? NONE : parameters(r.parameters()), bytes(r.weights()),
            bytes(r.gradients()), bytes(r.moments()), bytes(r.activations()), bytes(r.kvCache()), bytes(r.total())};
    }

    private static String line(String[] cells, int[] width) {
        StringBuilder b = new StringBuilder(String.format("%-" + width[0] + "s", cells[0]));
        for (int i = 1; i < cells.length; i++) {
            b.append("  ").append(String.format("%" + width[i] + "s", cells[i]));
        }
        return b.toString();
    }

    private static String rule(int[] width) {
        int n = 2 * (width.length - 1);
        for (int w : width) {
            n += w;
        }
        return "-".repeat(n);
    }

    /** A size with its unit: MB below 10^9 bytes, GB from there; a dash for nothing. */
    public static String bytes(long bytes) {
        if (bytes == 0) {
            return NONE;
        }
        double mb = bytes / 1e6;
        if (mb < 0.01) {
            return "<0.01 MB";
        }
        if (mb < 1000) {
            return String.format(Locale.ROOT, mb < 1 ? "%.2f MB" : "%.1f MB", mb);
        }
        double gb = bytes / 1e9;
        return String.format(Locale.ROOT, gb < 100 ? "%.2f GB" : "%.1f GB", gb);
    }

    /** A parameter count with K, M or B (10^3, 10^6, 10^9). */
    static String parameters(long n) {
        if (n >= 1_000_000_000L) {
            return String.format(Locale.ROOT, "%.2fB", n / 1e9);
        }
        if (n >= 1_000_000L) {
            return String.format(Locale.ROOT, "%.1fM", n / 1e6);
        }
        return n >= 1_000L ? String.format(Locale.ROOT, "%.1fK", n / 1e3) : Long.toString(n);
    }

    private static List<String> notes(MemoryPlan plan) {
        Workload w = plan.workload();
        ModelShape s = w.model();
        MemoryPlanner.Precision p = w.precision();
        List<String> notes = new ArrayList<>();
        notes.add("units: MB = 10^6 bytes, GB = 10^9 bytes. The total adds every column; a training step's activations"
                + " and generation's KV cache are not live at once, so the peak is lower.");
        notes.add(String.format(Locale.ROOT, "a trained parameter costs %d bytes here (weights %d + gradients %d + AdamW m"
                        + " and v %d), a frozen one %d. Weights, gradients and moments: %s; the rule of thumb (16 bytes"
                        + " per trained parameter, 2 per frozen one) gives %s.",
                p.trainedBytesPerParameter(), p.weightBytes(), p.gradientBytes(), 2 * p.momentBytes(), p.weightBytes(),
                bytes(plan.total().modelStates()), bytes(plan.ruleOfThumbModelStates())));
        long a = MemoryPlanner.perToken(s, p, s.dropout());
        String inC = a % s.hidden() == 0 ? " = " + a / s.hidden() + "*C" : "";
        notes.add(String.format(Locale.ROOT, "activations, an estimate (Korthikanti et al. 2022, %d-byte values%s): per"
                        + " layer B*T*(a+b*nh*T) bytes with a = %d%s, b = %d, plus float32 logits B*T*V*4; frozen models:"
                        + " one no-grad pass without dropout.", p.activationBytes(),
                s.dropout() ? ", " + p.maskBytes() + "-byte dropout masks" : ", no dropout", a, inC,
                MemoryPlanner.perScore(p, s.dropout())));
        if (w.algorithm().generates()) {
            notes.add("KV cache: generating B sequences of T positions, 2*L*B*T*kv values in " + p.label() + ".");
        }
        for (Model m : Model.values()) {
            if (!w.algorithm().has(m)) {
                notes.add(m.label() + ": none in " + w.algorithm().label() + " (" + w.algorithm().whyNo(m) + ").");
            }
        }
        if (!w.algorithm().has(Model.CRITIC) && w.algorithm().generates()) {
            notes.add(savedAgainstPpo(plan));
        }
        if (w.algorithm().has(Model.REFERENCE)) {
            notes.add("reference: " + referenceNote(w));
        }
        return notes;
    }

    /**
     * What an online method without a critic (GRPO, RLOO) saves against PPO on the same workload: the critic's row,
     * and the share of PPO's total it is.
     */
    static String savedAgainstPpo(MemoryPlan plan) {
        Workload w = plan.workload();
        Workload ppo = new Workload(w.model(), Workload.Algorithm.PPO, w.type(), w.reference(), w.loraRank(), w.batch(), w.seq());
        long ppoTotal = MemoryPlanner.plan(ppo).total().total();
        Row critic = MemoryPlanner.critic(w);
        long saved = ppoTotal - plan.total().total();
        return String.format(Locale.ROOT, "saved against ppo: %s, %.1f%% of the %s PPO holds for the same step (its critic:"
                        + " weights %s, gradients %s, AdamW moments %s, activations %s).", bytes(saved), 100.0 * saved / ppoTotal,
                bytes(ppoTotal), bytes(critic.weights()), bytes(critic.gradients()), bytes(critic.moments()),
                bytes(critic.activations()));
    }

    /** {@code text} broken at spaces into lines of at most {@code width} characters. */
    static String wrap(String text, int width) {
        StringBuilder out = new StringBuilder();
        int lineStart = 0;
        for (String word : text.split(" ")) {
            if (out.length() > lineStart && out.length() - lineStart + 1 + word.length() > width) {
                out.append('\n');
                lineStart = out.length();
            } else if (out.length() > lineStart) {
                out.append(' ');
            }
            out.append(word);
        }
        return out.toString();
    }

    private static String referenceNote(Workload w) {
        ModelShape s = w.model();
        long full = s.numParameters() * w.precision().weightBytes();
        return switch (w.reference()) {
            case COPY -> "a frozen copy of the policy in " + w.precision().label() + ".";
            case HALF -> "the frozen copy stored in 16 bits (2 bytes a weight), log-probs in float32.";
            case OFFLOADED -> "the weights (" + bytes(full) + ") stay in a memory-mapped file or host memory; resident is"
                    + " the largest piece a pass brings in (a block, the embeddings or the LM head).";
            case LORA -> "the actor with its adapters off: no weights of its own; the actor trains "
                    + parameters(s.loraParameters(w.loraRank())) + " adapter parameters (rank " + w.loraRank() + " on "
                    + (s.architecture() == ModelShape.Architecture.GPT2 ? "c_attn, attn.c_proj, c_fc, mlp.c_proj"
                            : "q, k, v, o, gate, up and down projections") + ") over a frozen base.";
            case PRECOMPUTED -> "no model; the batch's cached log-probs, B*T float32, shown as its weights.";
        };
    }
}
