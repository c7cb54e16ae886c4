package dev.rlhf4j.nn.io;

/** A checkpoint file that cannot be read or does not fit the model; the message names the file and the key. */
public final class CheckpointException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
