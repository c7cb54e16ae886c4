package dev.rlhf4j.rlhf.run;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.nn.io.StrictJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A run's checkpoints, {@code <run>/checkpoints/step-<n>/}: what the trainer writes (weights, optimizer, counters)
 * plus {@code run_state.json}, {@code {"step": n, "metrics_lines": k}}, the number of {@code metrics.jsonl} lines
 * written by then. A checkpoint is filled in a temporary folder and renamed into place once complete, so a
 * {@code step-<n>} folder is always whole; only then are the older ones beyond the last {@link #KEEP} deleted. A failed
 * write (full disk, unwritable folder) throws a one-line error naming the path and leaves the earlier ones as they were.
 */
public final class Checkpoints {
    public static final String DIR = "checkpoints";
    public static final String RUN_STATE = "run_state.json";
    /** Complete checkpoints kept: the newest and the one before it. */
    public static final int KEEP = 2;
    private static final Pattern NAME = Pattern.compile("step-(\\d{1,18})");

    /** A complete checkpoint: its folder, the step it was taken after, and the metrics lines written by then. */
    public record Checkpoint(Path dir, long step, int metricsLines) {
    }

    private Checkpoints() {
    }

    /**
     * Writes {@code <runDir>/checkpoints/step-<step>/} with {@code writer} and {@code run_state.json}, then deletes
     * all but the newest {@link #KEEP}.
     */
    static Checkpoint write(Path runDir, long step, int metricsLines, FolderWriter writer) {
        Path root = runDir.resolve(DIR);
        Path target = root.resolve("step-" + step);
        try {
            Files.createDirectories(root);
            AtomicFiles.writeFolder(target, tmp -> {
                writer.writeTo(tmp);
                Files.writeString(tmp.resolve(RUN_STATE), "{\"step\": " + step + ", \"metrics_lines\": " + metricsLines + "}\n",
                        StandardCharsets.UTF_8);
            });
        } catch (IOException | UncheckedIOException e) {
            IOException cause = e instanceof UncheckedIOException u ? u.getCause() : (IOException) e;
            throw new UncheckedIOException("cannot write checkpoint " + target + ": " + reason(cause)
                    + latest(runDir).map(c -> "; the last good checkpoint " + c.dir() + " is intact").orElse(""), cause);
        }
        List<Checkpoint> all = list(runDir);
        for (int i = 0; i < all.size() - KEEP; i++) {
            AtomicFiles.deleteQuietly(all.get(i).dir());
        }
        return new Checkpoint(target, step, metricsLines);
    }

    /** Deletes what an interrupted write left in {@code <runDir>/checkpoints/} (its temporary folders). */
    static void removeTemporary(Path runDir) {
        Path root = runDir.resolve(DIR);
        if (!Files.isDirectory(root)) {
            return;
        }
        try (Stream<Path> children = Files.list(root)) {
            for (Path p : children.toList()) {
                if (p.getFileName().toString().startsWith(".")) {
                    AtomicFiles.deleteQuietly(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root + ": " + reason(e), e);
        }
    }

    /** The newest complete checkpoint of the run in {@code runDir}, if any. */
    public static Optional<Checkpoint> latest(Path runDir) {
        List<Checkpoint> all = list(runDir);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    /** The complete checkpoints, oldest first; temporary folders of an interrupted write are ignored. */
    public static List<Checkpoint> list(Path runDir) {
        Path root = runDir.resolve(DIR);
        List<Checkpoint> out = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        try (Stream<Path> children = Files.list(root)) {
            for (Path p : children.toList()) {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (m.matches() && Files.isRegularFile(p.resolve(RUN_STATE))) {
                    out.add(read(p, Long.parseLong(m.group(1))));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root + ": " + reason(e), e);
        }
        out.sort(Comparator.comparingLong(Checkpoint::step));
        return out;
    }

    private static Checkpoint read(Path dir, long step) {
        Path file = dir.resolve(RUN_STATE);
        JsonNode node = StrictJson.readObject(file);
        long saved = StrictJson.exactLong(node.path("step"), file + ": \"step\"");
        long lines = StrictJson.exactLong(node.path("metrics_lines"), file + ": \"metrics_lines\"");
        if (saved != step || lines < 0 || lines > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(file + ": step " + saved + " and metrics_lines " + lines + " do not fit the folder "
                    + dir.getFileName());
        }
        return new Checkpoint(dir, step, (int) lines);
    }

    private static String reason(IOException e) {
        String kind = e instanceof java.nio.file.AccessDeniedException ? "permission denied"
                : e instanceof java.nio.file.NoSuchFileException ? "no such file"
                : e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason() : null;
        String what = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return kind == null ? what : kind + " (" + what + ")";
    }
}
