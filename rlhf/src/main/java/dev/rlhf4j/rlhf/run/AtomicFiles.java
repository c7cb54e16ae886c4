package dev.rlhf4j.rlhf.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Writes that a reader never sees half done: the content goes to a temporary sibling, which is then renamed onto
 * the target (a rename within one folder is atomic on POSIX file systems). A crash leaves the old file or the new
 * one, and at worst a stray {@code .tmp-} sibling.
 */
final class AtomicFiles {
    private AtomicFiles() {
    }

    /** Writes {@code file} as UTF-8 text through a temporary file and a rename. */
    static void writeString(Path file, String text) {
        writeBytes(file, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes {@code file} through a temporary file and a rename. */
    static void writeBytes(Path file, byte[] bytes) {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir, "." + file.getFileName() + ".tmp-", "");
            Files.write(tmp, bytes);
            move(tmp, file);
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Fills a temporary sibling folder of {@code target} with {@code writer}, then renames it onto {@code target}. */
    static Path writeFolder(Path target, FolderWriter writer) {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = null;
        Path old = null;
        try {
            tmp = Files.createTempDirectory(dir, "." + target.getFileName() + ".tmp-");
            writer.writeTo(tmp);
            if (Files.exists(target)) {                      // a rename cannot replace a non-empty folder
                old = Files.createTempDirectory(dir, "." + target.getFileName() + ".old-");
                Files.delete(old);
                move(target, old);
            }
            move(tmp, target);
            deleteQuietly(old);
            return target;
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new UncheckedIOException("cannot write " + target, e);
        } catch (RuntimeException e) {
            deleteQuietly(tmp);
            throw e;
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static void deleteQuietly(Path path) {
        if (path == null || !Files.exists(path)) {
            return;
        }
        try (Stream<Path> all = Files.walk(path)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a stray temporary sibling is harmless; the caller's own error, if any, is the one to report
        }
    }
}
