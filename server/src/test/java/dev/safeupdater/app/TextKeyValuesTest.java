package dev.safeupdater.app;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import org.junit.jupiter.api.Test;

/** The text log format as shipped (logback.xml): key/value pairs without the null ones, quotes escaped. */
class TextKeyValuesTest {

    @Test
    void theTextFormatLeavesOutNullValuesAndEscapesQuotes() throws Exception {
        String format = System.getProperty("safeupdater.log.format");
        String target = System.getProperty("safeupdater.log.target");
        String level = System.getProperty("safeupdater.log.level"); // set by commands run in this JVM before
        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter());
        try {
            System.setProperty("safeupdater.log.format", "text");
            System.setProperty("safeupdater.log.target", "System.out");
            System.setProperty("safeupdater.log.level", "INFO");
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            JoranConfigurator configurator = new JoranConfigurator();
            configurator.setContext(context);
            configurator.doConfigure(TextKeyValuesTest.class.getResource("/logback.xml"));
            context.getLogger("safeupdater.inventory").atInfo()
                    .addKeyValue("status", "SUCCEEDED").addKeyValue("error", (Object) null)
                    .addKeyValue("reason", "tag \"1.0\" moved").addKeyValue("seen", 5)
                    .log("appliances: SUCCEEDED");
        } finally {
            context.stop();
            System.setOut(stdout);
            restore("safeupdater.log.format", format);
            restore("safeupdater.log.target", target);
            restore("safeupdater.log.level", level);
        }
        String line = captured.toString(StandardCharsets.UTF_8);
        assertTrue(line.contains(
                "appliances: SUCCEEDED status=\"SUCCEEDED\" reason=\"tag \\\"1.0\\\" moved\" seen=\"5\""), line);
        assertFalse(line.contains("error="), "a null value is left out, not printed as \"null\": " + line);
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }
}
