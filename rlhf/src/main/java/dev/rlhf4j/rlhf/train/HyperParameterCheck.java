package dev.rlhf4j.rlhf.train;

/** The one way a config record refuses a value: an {@link IllegalArgumentException} naming the record and TRL's field. */
final class HyperParameterCheck {
    private HyperParameterCheck() {
    }

    /** Throws {@code "<owner>: <message>"} unless {@code ok}. */
    static void require(boolean ok, String owner, String message) {
        if (!ok) {
            throw new IllegalArgumentException(owner + ": " + message);
        }
    }
}
