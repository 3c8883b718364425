package dev.safeupdater.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "migrate", description = "Apply pending database migrations and exit.")
final class MigrateCommand implements Callable<Integer> {
    private final Launcher launcher;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    MigrateCommand(Launcher launcher) {
        this.launcher = launcher;
    }

    @Override
    public Integer call() throws Launcher.LaunchException {
        int applied = launcher.migrate(common.flags());
        spec.commandLine().getOut().println(applied == 0 ? "database is up to date"
                : "applied " + applied + " migration" + (applied == 1 ? "" : "s"));
        return 0;
    }
}
