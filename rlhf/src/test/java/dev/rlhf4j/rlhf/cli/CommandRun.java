package dev.rlhf4j.rlhf.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * One run of the {@code rlhf4j} command line inside the test's JVM: its exit code and what it printed.
 *
 * @param exit the exit code ({@code 0} success, {@code 1} a reported error, {@code 2} a usage error)
 * @param out standard output
 * @param err standard error
 */
public record CommandRun(int exit, String out, String err) {

    /** Runs {@code rlhf4j args...} with standard output and error captured. */
    public static CommandRun of(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int exit = Main.run(args);
            return new CommandRun(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}
