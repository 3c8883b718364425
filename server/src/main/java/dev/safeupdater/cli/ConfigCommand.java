package dev.safeupdater.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "config", description = "Print the effective configuration (secrets masked) and where each key comes from.")
final class ConfigCommand implements Callable<Integer> {
    private final Launcher launcher;

    @Mixin
    CommonOptions common;

    @Option(names = "--port", paramLabel = "PORT")
    String port;

    @Option(names = "--host", paramLabel = "ADDRESS")
    String host;

    @Spec
    CommandSpec spec;

    ConfigCommand(Launcher launcher) {
        this.launcher = launcher;
    }

    @Override
    public Integer call() throws Launcher.LaunchException {
        Map<String, String> flags = common.flags();
        CommonOptions.put(flags, "port", port);
        CommonOptions.put(flags, "host", host);
        List<Launcher.SettingView> settings = launcher.settings(flags);
        PrintWriter out = spec.commandLine().getOut();
        int keyWidth = settings.stream().mapToInt(s -> s.key().length()).max().orElse(10);
        int envWidth = settings.stream().mapToInt(s -> s.env().length()).max().orElse(10);
        out.printf("%-" + keyWidth + "s  %-" + envWidth + "s  %s%n", "KEY", "ENVIRONMENT", "VALUE");
        for (Launcher.SettingView s : settings) {
            out.printf("%-" + keyWidth + "s  %-" + envWidth + "s  %s%n", s.key(), s.env(), s.value());
        }
        out.flush();
        return 0;
    }
}
