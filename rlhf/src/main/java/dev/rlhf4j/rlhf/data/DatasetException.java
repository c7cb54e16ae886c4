package dev.rlhf4j.rlhf.data;

/** A dataset file that cannot be used as it is; the message names the file, the line (1-based) and the key. */
public final class DatasetException extends RuntimeException {
    public DatasetException(String message) {
        super(message);
    }

    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
