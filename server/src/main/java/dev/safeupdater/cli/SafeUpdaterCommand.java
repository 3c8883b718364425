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

    /** An instant as options take it: ISO-8601 with a zone or offset; a date alone is refused with the fix. */
    static java.time.Instant instant(String value) {
        try {
            return java.time.Instant.parse(value);
        } catch (java.time.format.DateTimeParseException e) {
            try {
                return java.time.OffsetDateTime.parse(value).toInstant();
            } catch (java.time.format.DateTimeParseException e2) {
                String hint;
                try {
                    java.time.LocalDate date = java.time.LocalDate.parse(value);
                    hint = "it is a date; give a time with its zone, e.g. " + date + "T00:00:00Z";
                } catch (java.time.format.DateTimeParseException e3) {
                    hint = "write an ISO-8601 time with its zone, e.g. 2026-03-13T09:30:00Z or"
                            + " 2026-03-13T10:30:00+01:00";
                }
                throw new CommandLine.TypeConversionException("\"" + value + "\" is not an instant: " + hint);
            }
        }
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
        cl.addSubcommand(new PinsCommand(launcher));
        cl.addSubcommand(new RunCommand(launcher));
        cl.addSubcommand(new PlanCommand(launcher));
        cl.addSubcommand(HistoryCommand.create(launcher));
        cl.addSubcommand(UpdatesCommand.create(launcher));
        cl.addSubcommand(new VoteCommand.Approve(launcher));
        cl.addSubcommand(new VoteCommand.Reject(launcher));
        withHelp(cl);
        cl.registerConverter(java.time.Instant.class, SafeUpdaterCommand::instant);
        // a bad option value: say what was wrong (and where help is), not the whole usage
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine failed = ex.getCommandLine();
            PrintWriter err = failed.getErr();
            err.println(failed.getCommandSpec().qualifiedName() + ": " + ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
            err.println("See '" + failed.getCommandSpec().qualifiedName() + " --help' for the options.");
            err.flush();
            return EXIT_INVALID_INPUT;
        });
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
