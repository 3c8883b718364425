package dev.safeupdater.notify;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.safeupdater.model.NotificationReceiver;

/**
 * What a webhook receives: the event as JSON (its payload plus {@code eventId} and {@code deliveryId}), or a
 * Slack-compatible message {@code {"text": "..."}} (also understood by Mattermost and Rocket.Chat).
 */
public final class Bodies {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int MAX_SLACK_REASONS = 10;

    private Bodies() {
    }

    /** The body posted to a receiver of {@code format} for delivery {@code deliveryId} of event {@code eventId}. */
    public static byte[] render(NotificationReceiver.Format format, long eventId, long deliveryId,
                                Map<String, Object> payload) {
        Object body = switch (format) {
            case JSON -> json(eventId, deliveryId, payload);
            case SLACK -> Map.of("text", slackText(payload));
        };
        try {
            return MAPPER.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render a notification body", e);
        }
    }

    private static Map<String, Object> json(long eventId, long deliveryId, Map<String, Object> payload) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("eventId", eventId);
        body.put("deliveryId", deliveryId);
        body.putAll(payload);
        return body;
    }

    /** {@code *Title*: summary}, then one bullet per reason (at most ten), Slack-escaped. */
    static String slackText(Map<String, Object> payload) {
        StringBuilder sb = new StringBuilder();
        sb.append('*').append(escape(String.valueOf(payload.get("title")))).append("*: ")
                .append(escape(String.valueOf(payload.get("summary"))));
        if (payload.get("reasons") instanceof List<?> reasons) {
            int n = 0;
            for (Object r : reasons) {
                if (n++ == MAX_SLACK_REASONS) {
                    sb.append("\n• … ").append(reasons.size() - MAX_SLACK_REASONS).append(" more");
                    break;
                }
                sb.append("\n• ").append(escape(String.valueOf(r)));
            }
        }
        return sb.toString();
    }

    /** Slack's three control characters. */
    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
