package dev.safeupdater.cli;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;

import dev.safeupdater.execution.NotFoundException;
import dev.safeupdater.execution.PinRequest;
import dev.safeupdater.execution.PinService;
import dev.safeupdater.model.Pin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code safe-updater pins list|add|remove}: versions never proposed again for an asset. */
@Command(name = "pins", description = "List, add and remove pins: versions never proposed again for an asset.",
        subcommands = {PinsCommand.ListPins.class, PinsCommand.AddPin.class, PinsCommand.RemovePin.class})
final class PinsCommand implements Callable<Integer> {
    final Launcher launcher;

    @Spec
    CommandSpec spec;

    PinsCommand(Launcher launcher) {
        this.launcher = launcher;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }

    static String actor() {
        return "cli:" + System.getProperty("user.name", "unknown");
    }

    /** Runs {@code call} with the pins of the database the options name, which is closed afterwards. */
    static <T> T withPins(PinsCommand parent, CommonOptions common, Function<PinService, T> call)
            throws Launcher.LaunchException {
        try (var services = parent.launcher.open(common.flags(), true, false)) { // pins need no rules
            if (services.rollouts() == null) {
                throw new Launcher.LaunchException("pins need the database");
            }
            return call.apply(services.rollouts().pins());
        }
    }

    static int notFound(PinsCommand parent, NotFoundException e) {
        PrintWriter err = parent.spec.commandLine().getErr();
        err.println("safe-updater: " + e.getMessage());
        err.flush();
        return SafeUpdaterCommand.EXIT_INVALID_INPUT;
    }

    static void print(PrintWriter out, List<Pin> pins) {
        List<String[]> rows = new ArrayList<>();
        for (Pin p : pins) {
            rows.add(new String[] {Long.toString(p.id()), Long.toString(p.assetId()), p.tag(), p.digest(),
                    p.runId() == null ? null : p.runId().toString(), p.createdBy(), String.valueOf(p.createdAt()),
                    p.removedAt() == null ? null : "removed " + p.removedAt(), p.reason()});
        }
        Table.print(out, new String[] {"ID", "ASSET", "TAG", "DIGEST", "RUN", "BY", "CREATED", "STATE", "REASON"},
                rows);
        out.flush();
    }

    @Command(name = "list", description = "Pins in force, newest first.")
    static final class ListPins implements Callable<Integer> {
        @picocli.CommandLine.ParentCommand
        PinsCommand parent;

        @Mixin
        CommonOptions common;

        @Option(names = "--asset", paramLabel = "ID", description = "Only this asset's pins.")
        Long asset;

        @Override
        public Integer call() throws Exception {
            print(parent.spec.commandLine().getOut(), withPins(parent, common, pins -> pins.list(asset)));
            return 0;
        }
    }

    @Command(name = "add", description = "Pin a version of an asset (it is never proposed again until removed).")
    static final class AddPin implements Callable<Integer> {
        @picocli.CommandLine.ParentCommand
        PinsCommand parent;

        @Mixin
        CommonOptions common;

        @Parameters(index = "0", paramLabel = "ASSET_ID")
        long asset;

        @Parameters(index = "1", paramLabel = "TAG")
        String tag;

        @Option(names = "--digest", paramLabel = "DIGEST", description = "Pin only this digest of the tag.")
        String digest;

        @Option(names = "--reason", paramLabel = "TEXT", required = true, description = "Why (recorded and shown).")
        String reason;

        @Option(names = "--expires", paramLabel = "TIME", description = "Until this time (ISO-8601); default never.")
        Instant expires;

        @Override
        public Integer call() throws Exception {
            try {
                Pin p = withPins(parent, common, pins -> pins.add(new PinRequest(asset, tag, digest, reason, expires),
                        actor()));
                print(parent.spec.commandLine().getOut(), List.of(p));
                return 0;
            } catch (NotFoundException e) {
                return notFound(parent, e);
            }
        }
    }

    @Command(name = "remove", description = "Remove a pin (the version may be proposed again).")
    static final class RemovePin implements Callable<Integer> {
        @picocli.CommandLine.ParentCommand
        PinsCommand parent;

        @Mixin
        CommonOptions common;

        @Parameters(index = "0", paramLabel = "PIN_ID")
        long id;

        @Override
        public Integer call() throws Exception {
            try {
                Pin removed = withPins(parent, common, pins -> pins.remove(id, actor()));
                print(parent.spec.commandLine().getOut(), List.of(removed));
                return 0;
            } catch (NotFoundException e) {
                return notFound(parent, e);
            }
        }
    }
}
