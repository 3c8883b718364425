package dev.safeupdater.app;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.joran.spi.JoranException;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/** Applies the log settings (format, level, stream) to logback and routes Helidon's JUL logging into it. */
final class Logging {
    private Logging() {
    }

    /**
     * @param toStderr true for commands whose standard output is their result (logs must not mix with it)
     */
    static void configure(Settings settings, boolean toStderr) {
        System.setProperty("safeupdater.log.format", settings.get("log.format"));
        System.setProperty("safeupdater.log.level", settings.get("log.level").toUpperCase(java.util.Locale.ROOT));
        System.setProperty("safeupdater.log.target", toStderr ? "System.err" : "System.out");
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            context.reset();
            try {
                new ContextInitializer(context).autoConfig();
            } catch (JoranException e) {
                throw new IllegalStateException("cannot configure logging", e);
            }
        }
        if (!SLF4JBridgeHandler.isInstalled()) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
        }
    }
}
