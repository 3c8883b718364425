package dev.safeupdater.app;

import java.util.List;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import org.slf4j.event.KeyValuePair;

/**
 * The text log format's key/value pairs ({@code %kv} in logback.xml): {@code key="value"} separated by spaces, like
 * logback's own {@code %kvp}, but a key whose value is null is left out (logback prints {@code error="null"}, which
 * reads as an error on a line that reports success), and a double quote or backslash inside a value is escaped so
 * that the pairs can be split again. The JSON format keeps nulls as JSON nulls.
 */
public final class TextKeyValues extends ClassicConverter {
    @Override
    public String convert(ILoggingEvent event) {
        List<KeyValuePair> pairs = event.getKeyValuePairs();
        if (pairs == null || pairs.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        for (KeyValuePair kv : pairs) {
            if (kv.value == null) {
                continue;
            }
            if (!sb.isEmpty()) {
                sb.append(' ');
            }
            sb.append(kv.key).append("=\"");
            String v = String.valueOf(kv.value);
            for (int i = 0; i < v.length(); i++) {
                char c = v.charAt(i);
                if (c == '"' || c == '\\') {
                    sb.append('\\');
                }
                sb.append(c);
            }
            sb.append('"');
        }
        return sb.toString();
    }
}
