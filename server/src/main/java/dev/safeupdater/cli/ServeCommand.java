package dev.safeupdater.cli;

import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "serve", description = "Run the HTTP server (applies migrations and loads rules first).")
final class ServeCommand implements Callable<Integer> {
    private final Launcher launcher;

    @Mixin
    CommonOptions common;

    @Option(names = "--port", paramLabel = "PORT", description = "Port to listen on; 0 picks a free one (default 8080).")
    String port;

    @Option(names = "--host", paramLabel = "ADDRESS", description = "Address to bind (default 127.0.0.1).")
    String host;

    @Option(names = "--exit-when-ready",
            description = "Start, ask the readiness check once, stop: exit 0 when ready, 1 when not (a smoke test of"
                    + " configuration, rules, policies and database).")
    boolean exitWhenReady;

    ServeCommand(Launcher launcher) {
        this.launcher = launcher;
    }

    @Override
    public Integer call() throws Launcher.LaunchException {
        Map<String, String> flags = common.flags();
        CommonOptions.put(flags, "port", port);
        CommonOptions.put(flags, "host", host);
        return launcher.serve(flags, exitWhenReady);
    }
}
