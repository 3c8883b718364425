package dev.safeupdater.cli;

import java.io.PrintWriter;

import dev.safeupdater.execution.InvalidInputException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code safe-updater <command>}: the command-line shell over the same services as the HTTP API. */
@Command(name = "safe-updater", mixinStandardHelpOptions = true, version = "safe-updater 0.1.0",
        description = "Keeps container workloads up to date without breaking them.")
public final class SafeUpdaterCommand implements Runnable {
    /** Exit code for input the command refused. */
    public static final int EXIT_INVALID_INPUT = 2;
    /** Exit code when the application could not start (configuration, rules, database). */
    public static final int EXIT_LAUNCH_FAILED = 1;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private SafeUpdaterCommand() {
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    /** Every command and subcommand answers --help (and --version). */
    private static void withHelp(CommandLine cl) {
        cl.getCommandSpec().mixinStandardHelpOptions(true);
        cl.getSubcommands().values().forEach(SafeUpdaterCommand::withHelp);
    }

    /** The command line with every subcommand, wired to {@code launcher}. */
    public static CommandLine create(Launcher launcher) {
        CommandLine cl = new CommandLine(new SafeUpdaterCommand());
        cl.addSubcommand(new ServeCommand(launcher));
        cl.addSubcommand(new MigrateCommand(launcher));
        cl.addSubcommand(new EvaluateCommand(launcher));
        cl.addSubcommand(new ConfigCommand(launcher));
        cl.addSubcommand(new VersionsCommand(launcher));
        cl.addSubcommand(new TagsCommand(launcher));
        cl.addSubcommand(new ScanCommand(launcher));
        cl.addSubcommand(new PolicyCommand(launcher));
        withHelp(cl);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            if (ex instanceof InvalidInputException invalid) {
                err.println("invalid input:");
                invalid.errors().forEach(e -> err.println("  " + e.field() + ": " + e.message()));
                err.flush();
                return EXIT_INVALID_INPUT;
            }
            if (ex instanceof Launcher.LaunchException) {
                err.println("safe-updater: " + ex.getMessage());
                err.flush();
                return EXIT_LAUNCH_FAILED;
            }
            throw ex;
        });
        return cl;
    }
}
