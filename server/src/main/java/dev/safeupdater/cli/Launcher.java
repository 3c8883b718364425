package dev.safeupdater.cli;

import java.util.Map;

import dev.safeupdater.execution.Services;

/**
 * What the commands need from the composition root. Flags are settings keys (as documented in the README) given on
 * the command line; they win over every other configuration source.
 */
public interface Launcher {
    /**
     * Starts the HTTP server and blocks until the process is asked to stop; with {@code exitWhenReady}, asks the
     * server's own readiness check once, stops and returns 0 when it was ready, 1 when not.
     */
    int serve(Map<String, String> flags, boolean exitWhenReady) throws LaunchException;

    /** Builds the services in this process; with {@code database} false, nothing touches a database. */
    default Services open(Map<String, String> flags, boolean database) throws LaunchException {
        return open(flags, database, true);
    }

    /**
     * Like {@link #open(Map, boolean)}; with {@code activatePolicy} false the rule and policy set is not activated
     * (for commands that check or test a set and report its problems themselves).
     */
    Services open(Map<String, String> flags, boolean database, boolean activatePolicy) throws LaunchException;

    /** Applies pending migrations; returns how many ran. */
    int migrate(Map<String, String> flags) throws LaunchException;

    /** The effective settings, secrets masked. */
    java.util.List<SettingView> settings(Map<String, String> flags) throws LaunchException;

    /** One setting as the user sees it. */
    record SettingView(String key, String env, String value, String description) {
    }

    /** Starting failed for a reason the user can act on; the message says which. */
    final class LaunchException extends Exception {
        public LaunchException(String message) {
            super(message);
        }

        public LaunchException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
