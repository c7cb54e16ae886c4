package dev.rlhf4j.tokenizer;

/**
 * Every failure of this module that the caller can fix: a missing or malformed vocabulary file, a merge that
 * names unknown symbols, an id outside the vocabulary. The message always names the file and line, or the id
 * and its position, so that the fix is obvious without a debugger.
 */
public final class TokenizerException extends RuntimeException {

    /** @param message what went wrong and where (file and line, or id and position) */
    public TokenizerException(String message) {
        super(message);
    }

    /**
     * @param message what went wrong and where
     * @param cause the underlying I/O or parse error
     */
    public TokenizerException(String message, Throwable cause) {
        super(message, cause);
    }
}
