package dev.rlhf4j.core;

/** An operation received tensors whose shapes it cannot combine; the message names the op and the shapes. */
public final class ShapeException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public ShapeException(String message) {
        super(message);
    }
}
