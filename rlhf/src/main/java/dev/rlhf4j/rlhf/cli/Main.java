package dev.rlhf4j.rlhf.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code rlhf4j} command line: {@code ./rlhf4j <command> [options]}; {@code ./rlhf4j help} lists the commands.
 * The training commands ({@code sft}, {@code reward}, {@code ppo}, {@code dpo}, {@code grpo}, {@code rloo}) are added in {@link #run}.
 */
@Command(name = "rlhf4j", mixinStandardHelpOptions = true, version = "rlhf4j 0.1.0",
        description = "RLHF from scratch on the JVM.",
        subcommands = {
            DemoCommand.class,
            BenchCommand.class,
            TokenizeCommand.class,
            GenerateCommand.class,
            ForwardCommand.class,
            MemoryCommand.class,
            ExplainCommand.class,
        })
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (for tests). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        // the trainers' options are built from their config records, so these commands are specs, not classes
        cli.addSubcommand(SftCommand.command());
        cli.addSubcommand(RewardCommand.command());
        cli.addSubcommand(PpoCommand.command());
        cli.addSubcommand(DpoCommand.command());
        cli.addSubcommand(GrpoCommand.command());
        cli.addSubcommand(RlooCommand.command());
        cli.addSubcommand(new CommandLine.HelpCommand());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println(commandLine.getCommandSpec().qualifiedName() + ": " + describe(e));
            return 1;
        });
        try {
            return cli.execute(args);
        } catch (OutOfMemoryError e) {
            System.err.println("rlhf4j: out of memory (" + e.getMessage() + "): use a smaller model, batch or sequence length,"
                    + " or see `./rlhf4j memory` for what a run needs");
            return 1;
        } catch (Error e) {
            System.err.println("rlhf4j: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
            return 1;
        }
    }

    /** A one-line reason for the user; the exception type only when its message alone would not say what went wrong. */
    static String describe(Exception e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file: " + e.getMessage();
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied: " + e.getMessage();
        }
        if (e.getMessage() == null || e instanceof java.io.IOException) {
            return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        }
        return e.getMessage();
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
