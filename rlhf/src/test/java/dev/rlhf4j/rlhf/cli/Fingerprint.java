package dev.rlhf4j.rlhf.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Behaviour fingerprint of the training commands, for proving that a refactoring changed nothing: runs sft, reward,
 * dpo, ppo, grpo, rloo (a few steps each on {@link TinyRunFiles}' tiny model, under many options) and
 * {@code demo --quick} in this JVM through {@link CommandRun}, in a fresh temporary folder, and prints one line
 * {@code <run> <file> <sha256>} per artefact: each run's {@code metrics.jsonl} and every {@code .json} and
 * {@code .safetensors} file it saved (the demo: {@code summary.json} only).
 *
 * <p>Wall-clock fields ({@link #isWallClock}) are cut out of JSON text before hashing, and the temporary folder's path
 * is replaced by {@code $TMP}; the key order of two JSON texts that Java shuffles per JVM is ignored ({@link #comparable});
 * everything else is hashed byte for byte. Run it before and after a change on the same
 * machine with the same thread count and {@code diff} the two outputs (other CPUs or thread counts round differently).
 * Not a JUnit test: {@code .ci/fingerprint} runs its {@code main}. Progress goes to standard error.
 */
final class Fingerprint {
    private static final JsonFactory JSON = new JsonFactory();
    private static final PrintStream OUT = System.out;
    private static final PrintStream LOG = System.err;

    private final Path root;
    private final List<String> lines = new ArrayList<>();

    private Fingerprint(Path root) {
        this.root = root;
    }

    /**
     * Runs every case; the fingerprint goes to standard output. Exit 1 if a command fails. With
     * {@code -Dfingerprint.keep=true} the temporary folder is kept (its path is logged) to compare two runs' files.
     */
    public static void main(String[] args) throws IOException {
        Path root = Files.createTempDirectory("rlhf4j-fingerprint-").toRealPath();
        long start = System.nanoTime();
        int exit = 0;
        try {
            Fingerprint f = new Fingerprint(root);
            f.runAll();
            f.lines.forEach(OUT::println);
            OUT.flush();
        } catch (RuntimeException e) {
            LOG.println("fingerprint: " + e.getMessage());
            exit = 1;
        } finally {
            if (Boolean.getBoolean("fingerprint.keep")) {
                LOG.println("fingerprint: kept " + root);
            } else {
                deleteTree(root);
            }
        }
        LOG.printf("fingerprint: %s in %.0f s%n", exit == 0 ? "done" : "FAILED", (System.nanoTime() - start) / 1e9);
        System.exit(exit);   // ND4J and Spark may leave non-daemon threads behind
    }

    private void runAll() {
        String model = TinyRunFiles.model(root.resolve("tiny")).toString();
        String sft = TinyRunFiles.sft(root.resolve("sft.jsonl")).toString();
        String pairs = TinyRunFiles.preferences(root.resolve("pairs.jsonl")).toString();
        String prompts = TinyRunFiles.prompts(root.resolve("prompts.jsonl")).toString();

        // SFT: whole model; with accumulation, weight decay, warm-up, constant schedule and every-token loss; resumed.
        String[] sftBase = {"sft", "--model", model, "--data", sft, "--learning-rate", "1e-3"};
        train("sft", sftBase, "--max-steps", "3", "--per-device-train-batch-size", "4");
        train("sft-accum-wd", sftBase, "--max-steps", "3", "--per-device-train-batch-size", "2", "--gradient-accumulation-steps",
                "2", "--weight-decay", "0.1", "--warmup-steps", "1", "--lr-scheduler-type", "constant",
                "--completion-only-loss", "false", "--max-grad-norm", "0.5");
        resumed("sft-resumed", concat(sftBase, "--max-steps", "4", "--per-device-train-batch-size", "3", "--save-steps", "2"));

        // Reward model with held-out pairs; its model scores PPO, GRPO and RLOO below.
        train("reward", new String[] {"reward", "--model", model, "--data", pairs}, "--num-train-epochs", "2",
                "--per-device-train-batch-size", "2", "--eval-fraction", "0.25", "--center-rewards-coefficient", "0.01",
                "--learning-rate", "1e-3", "--weight-decay", "0.05");
        String rm = root.resolve("reward/model").toString();

        // DPO: the loss types and reference strategies.
        String[] dpo = {"dpo", "--model", model, "--data", pairs, "--max-steps", "2", "--per-device-train-batch-size", "4",
            "--learning-rate", "1e-3"};
        train("dpo-sigmoid-frozen", dpo);
        train("dpo-sigmoid-precomputed-wd", dpo, "--reference", "precomputed", "--weight-decay", "0.1", "--max-prompt-length", "2");
        train("dpo-ipo-lora-disabled", dpo, "--loss-type", "ipo", "--beta", "0.2", "--lora-r", "2", "--reference", "lora-disabled");
        train("dpo-hinge-offloaded", dpo, "--loss-type", "hinge", "--reference", "offloaded");
        train("dpo-robust-bf16", dpo, "--loss-type", "robust", "--label-smoothing", "0.1", "--reference", "bf16");
        train("dpo-sigmoid-fp16-accum", dpo, "--reference", "fp16", "--gradient-accumulation-steps", "2", "--label-smoothing", "0.1");
        train("dpo-simpo", dpo, "--loss-type", "simpo");
        train("dpo-reference-free", dpo, "--reference-free", "true");
        String[] dpoLoraAccum = concat(dpo, "--lora-r", "2", "--reference", "lora-disabled", "--gradient-accumulation-steps", "2");
        train("dpo-lora-accum", dpoLoraAccum);

        // PPO: separate and shared critics, reference strategies, LoRA, adaptive KL.
        String[] ppo = {"ppo", "--model", model, "--reward-model", rm, "--data", prompts, "--max-steps", "2",
            "--per-device-train-batch-size", "2", "--response-length", "4", "--learning-rate", "1e-3"};
        train("ppo-separate-critic", ppo, "--critic", "separate", "--num-ppo-epochs", "2", "--kl-coef", "0.1",
                "--missing-eos-penalty", "1.0");
        train("ppo-shared-critic-bf16", ppo, "--critic", "shared", "--reference", "bf16", "--whiten-rewards", "true");
        train("ppo-lora-shared-offloaded", ppo, "--critic", "shared", "--lora-r", "2", "--lora-target-modules", "all-linear",
                "--reference", "offloaded", "--weight-decay", "0.1");
        train("ppo-lora-disabled-adaptive-kl", ppo, "--lora-r", "2", "--reference", "lora-disabled", "--adaptive-kl-target", "0.05",
                "--kl-estimator", "k3");

        // GRPO and RLOO: rule rewards, a reward model, a synchronised reference, LoRA.
        String[] grpo = {"grpo", "--model", model, "--data", prompts, "--max-steps", "2", "--per-device-train-batch-size", "4",
            "--num-generations", "2", "--max-completion-length", "4", "--learning-rate", "1e-3"};
        train("grpo-rules", grpo, "--reward-funcs", "length,eos", "--reward-weights", "1,2");
        train("grpo-rm-sync-ref", grpo, "--reward-model", rm, "--reward-funcs", "eos", "--beta", "0.04", "--loss-type", "dr_grpo",
                "--scale-rewards", "none", "--sync-ref-model", "true", "--ref-model-sync-steps", "1", "--ref-model-mixup-alpha", "0.5",
                "--num-iterations", "2");
        train("grpo-lora-disabled", grpo, "--reward-funcs", "length", "--beta", "0.04", "--reference", "lora-disabled",
                "--lora-r", "2", "--weight-decay", "0.1");
        String[] rloo = {"rloo", "--model", model, "--data", prompts, "--max-steps", "2", "--per-device-train-batch-size", "4",
            "--num-generations", "2", "--max-completion-length", "4", "--learning-rate", "1e-3"};
        train("rloo-rm-bf16", rloo, "--reward-model", rm, "--normalize-advantages", "true", "--reference", "bf16");
        train("rloo-rules-lora", rloo, "--reward-funcs", "length,eos", "--lora-r", "2", "--reference", "lora-disabled");

        // The demo's whole pipeline at toy sizes: its summary only.
        Path demo = root.resolve("demo");
        run("demo", "demo", "--quick", "--seed", "1", "--quiet", "--out", demo.toString());
        add("demo", demo, demo.resolve("summary.json"));

        // Spark, last (it starts threads of its own): the micro-batches on two executor threads; the metrics and the
        // adapter must be dpo-lora-accum's.
        train("dpo-lora-accum-spark", dpoLoraAccum, "--master", "local[2]");
    }

    /** Runs {@code base + more} with seed 7 into {@code <root>/<name>} and fingerprints the run folder. */
    private void train(String name, String[] base, String... more) {
        Path out = root.resolve(name);
        run(name, concat(concat(base, more), "--seed", "7", "--quiet", "--out", out.toString()));
        addFolder(name, out);
    }

    /** Runs {@code args} to its end, deletes its last checkpoint and resumes from the one before. */
    private void resumed(String name, String[] args) {
        Path out = root.resolve(name);
        String[] seeded = concat(args, "--seed", "7", "--quiet");
        run(name, concat(seeded, "--out", out.toString()));
        List<Path> checkpoints = listSorted(out.resolve("checkpoints"));
        if (checkpoints.size() < 2) {
            throw new IllegalStateException(name + ": expected two checkpoints, found " + checkpoints);
        }
        deleteTree(checkpoints.get(checkpoints.size() - 1));
        run(name + " (resumed)", concat(seeded, "--resume", out.toString()));
        addFolder(name, out);
    }

    private static void run(String name, String... args) {
        LOG.println("fingerprint: " + name);
        CommandRun r = CommandRun.of(args);
        if (r.exit() != 0) {
            throw new IllegalStateException(name + " exited " + r.exit() + ": rlhf4j " + String.join(" ", args) + "\n" + r.out() + r.err());
        }
    }

    /** Every metrics.jsonl, .json and .safetensors file under {@code dir}, in path order. */
    private void addFolder(String name, Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).sorted(Comparator.comparing(p -> dir.relativize(p).toString())).toList()) {
                String n = f.getFileName().toString();
                if (n.endsWith(".jsonl") || n.endsWith(".json") || n.endsWith(".safetensors")) {
                    add(name, dir, f);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void add(String name, Path dir, Path file) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(comparable(dir.relativize(file), Files.readAllBytes(file)));
            lines.add(name + " " + dir.relativize(file) + " " + HexFormat.of().formatHex(digest));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * What is hashed of a file: JSON without its wall-clock fields and with {@code $TMP} for the temporary folder;
     * other files as they are. Two kinds of file have their JSON objects' keys sorted, because the commands build them
     * from {@code Map.of}, whose iteration order Java draws afresh in each JVM: the run's own {@code config.json}
     * (reward's {@code eval_split}, ppo's {@code models}) and a safetensors header (grpo's synchronised reference's
     * {@code __metadata__}). Their content is still compared in full.
     */
    private byte[] comparable(Path relative, byte[] bytes) throws IOException {
        String n = relative.getFileName().toString();
        if (n.endsWith(".safetensors")) {
            int length = Math.toIntExact(ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong());
            byte[] header = sortedKeys(new String(bytes, 8, length, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
            byte[] all = Arrays.copyOf(header, header.length + bytes.length - 8 - length);
            System.arraycopy(bytes, 8 + length, all, header.length, bytes.length - 8 - length);
            return all;
        }
        if (n.endsWith(".json") || n.endsWith(".jsonl")) {
            String text = withoutWallClock(new String(bytes, StandardCharsets.UTF_8)).replace(root.toString(), "$TMP");
            return (relative.toString().equals("config.json") ? sortedKeys(text) : text).getBytes(StandardCharsets.UTF_8);
        }
        return bytes;
    }

    /** One JSON document compacted, each object's keys sorted; numbers as written. */
    static String sortedKeys(String json) throws IOException {
        try (JsonParser p = JSON.createParser(json)) {
            p.nextToken();
            StringBuilder out = new StringBuilder();
            sortedKeys(p, out);
            return out.toString();
        }
    }

    private static void sortedKeys(JsonParser p, StringBuilder out) throws IOException {
        switch (p.currentToken()) {
            case START_OBJECT -> {
                TreeMap<String, String> fields = new TreeMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    p.nextToken();
                    StringBuilder value = new StringBuilder();
                    sortedKeys(p, value);
                    fields.put(key, value.toString());
                }
                out.append('{');
                fields.forEach((k, v) -> out.append(quote(k)).append(':').append(v).append(','));
                out.append('}');
            }
            case START_ARRAY -> {
                out.append('[');
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    sortedKeys(p, out);
                    out.append(',');
                }
                out.append(']');
            }
            case VALUE_STRING -> out.append(quote(p.getText()));
            default -> out.append(p.getText());   // a number as written, true, false, null
        }
    }

    private static String quote(String s) {
        return '"' + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + '"';
    }

    /**
     * Whether a JSON key holds a wall-clock measurement: {@code time/*} (PPO's and the samplers' time split),
     * {@code seconds*} (the demo's {@code seconds} and {@code seconds_per_stage}), {@code *_per_second},
     * {@code elapsed*} and {@code *throughput*}.
     */
    static boolean isWallClock(String key) {
        return key.startsWith("time/") || key.startsWith("seconds") || key.endsWith("_per_second") || key.startsWith("elapsed")
                || key.contains("throughput");
    }

    /**
     * {@code json} (one document or several, as in JSON lines) with each wall-clock field cut out: the text from its
     * key to the next token, so the comma after it goes too (after the last field of an object the comma before it
     * stays). The rest is kept byte for byte, number formatting and white space included.
     */
    static String withoutWallClock(String json) throws IOException {
        StringBuilder kept = new StringBuilder();
        int from = 0;
        try (JsonParser p = JSON.createParser(json)) {
            JsonToken t = p.nextToken();
            while (t != null) {
                if (t == JsonToken.FIELD_NAME && isWallClock(p.currentName())) {
                    int cut = (int) p.currentTokenLocation().getCharOffset();
                    p.nextToken();
                    p.skipChildren();
                    t = p.nextToken();
                    kept.append(json, from, cut);
                    from = t == null ? json.length() : (int) p.currentTokenLocation().getCharOffset();
                } else {
                    t = p.nextToken();
                }
            }
        }
        return kept.append(json, from, json.length()).toString();
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static List<Path> listSorted(Path dir) {
        try (Stream<Path> all = Files.list(dir)) {
            return all.sorted(Comparator.comparingLong(p -> Long.parseLong(p.getFileName().toString().replaceAll("\\D", "")))).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path p) {
        try (Stream<Path> all = Files.walk(p)) {
            for (Path f : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
