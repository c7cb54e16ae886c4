package dev.rlhf4j.nn.io;

import java.nio.file.Files;
import java.nio.file.Path;

/** A checkpoint file that cannot be read or does not fit the model; the message names the file and the key. */
public final class CheckpointException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Throws, naming the first missing one, unless every file of a {@code kind} folder is in {@code dir}. */
    public static void requireFiles(Path dir, String kind, String... files) {
        for (String name : files) {
            Path file = dir.resolve(name);
            if (!Files.isRegularFile(file)) {
                throw new CheckpointException(file + ": missing (" + kind + " needs " + String.join(" and ", files) + ")");
            }
        }
    }
}
