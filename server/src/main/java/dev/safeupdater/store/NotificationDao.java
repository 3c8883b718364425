package dev.safeupdater.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.safeupdater.model.NotificationDelivery;
import dev.safeupdater.model.NotificationEvent;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * SQL for the notification queue: {@code notification_event} and {@code notification_attempt} (append-only) and
 * {@code notification_delivery} (where each delivery stands).
 */
final class NotificationDao {
    private static final String INSERT_EVENT = "INSERT INTO notification_event (event_type, occurred_at, published_at,"
            + " scope_name, asset_id, decision_id, run_id, summary, dedupe_key, payload) VALUES (:type, :occurredAt,"
            + " :publishedAt, :scope, :asset, :decision, :run, :summary, :dedupe, CAST(:payload AS <json>))";

    private static final String INSERT_DELIVERY = "INSERT INTO notification_delivery (event_id, receiver, target,"
            + " format, status, attempts, next_attempt_at, created_at, updated_at) VALUES (:event, :receiver, :target,"
            + " :format, 'PENDING', 0, :now, :now, :now)";

    private static final String RECENT_DUPLICATE = "SELECT id FROM notification_event WHERE dedupe_key = :key"
            + " AND published_at > :since ORDER BY id DESC LIMIT 1";

    private static final String DUE = "SELECT id FROM notification_delivery WHERE status = 'PENDING'"
            + " AND next_attempt_at <= :now AND (lease_expires_at IS NULL OR lease_expires_at < :now)"
            + " ORDER BY next_attempt_at, id LIMIT :limit";

    private static final String CLAIM = "UPDATE notification_delivery SET lease_owner = :owner,"
            + " lease_expires_at = :until WHERE id = :id AND status = 'PENDING'"
            + " AND (lease_expires_at IS NULL OR lease_expires_at < :now)";

    private static final String INSERT_ATTEMPT = "INSERT INTO notification_attempt (delivery_id, attempt, started_at,"
            + " duration_ms, status_code, error, outcome) VALUES (:delivery, :attempt, :startedAt, :duration, :code,"
            + " :error, :outcome)";

    private static final String FINISH_ATTEMPT = "UPDATE notification_delivery SET attempts = :attempt,"
            + " status = :status, next_attempt_at = :next, lease_owner = NULL, lease_expires_at = NULL,"
            + " last_status_code = :code, last_error = :error, updated_at = :now,"
            + " delivered_at = CASE WHEN :status = 'DELIVERED' THEN :now ELSE delivered_at END WHERE id = :id";

    private static final String DELIVERY_COLUMNS = "d.id, d.event_id, e.event_type, e.summary, e.scope_name,"
            + " e.asset_id, e.decision_id, e.run_id, d.receiver, d.target, d.format, d.status, d.attempts,"
            + " d.next_attempt_at, d.last_status_code, d.last_error, d.created_at, d.updated_at, d.delivered_at";

    private static final String FROM = " FROM notification_delivery d JOIN notification_event e ON e.id = d.event_id";

    private final Handle handle;

    NotificationDao(Handle handle) {
        this.handle = handle;
    }

    /** The newest event with {@code key} published after {@code since}, if any. */
    Optional<Long> recentDuplicate(String key, Instant since) {
        return handle.createQuery(RECENT_DUPLICATE).bind("key", key).bind("since", Times.bind(since))
                .mapTo(Long.class).findOne();
    }

    long insertEvent(NotificationEvent e, Map<String, Object> payload, Instant now) {
        return handle.createUpdate(INSERT_EVENT)
                .bind("type", e.type().id())
                .bind("occurredAt", Times.bind(e.occurredAt()))
                .bind("publishedAt", Times.bind(now))
                .bind("scope", e.scope())
                .bind("asset", e.asset() == null ? null : e.asset().id())
                .bind("decision", e.decisionId())
                .bind("run", e.runId())
                .bind("summary", cut(e.summary(), 2000))
                .bind("dedupe", e.dedupeKey() == null ? null : cut(e.dedupeKey(), 512))
                .bind("payload", JsonColumns.write(payload))
                .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
    }

    long insertDelivery(long eventId, String receiver, String target, String format, Instant now) {
        return handle.createUpdate(INSERT_DELIVERY)
                .bind("event", eventId).bind("receiver", receiver).bind("target", cut(target, 300))
                .bind("format", format).bind("now", Times.bind(now))
                .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
    }

    List<Long> due(Instant now, int limit) {
        return handle.createQuery(DUE).bind("now", Times.bind(now)).bind("limit", limit).mapTo(Long.class).list();
    }

    boolean claim(long id, String owner, Instant now, Instant until) {
        return handle.createUpdate(CLAIM).bind("id", id).bind("owner", owner).bind("now", Times.bind(now))
                .bind("until", Times.bind(until)).execute() == 1;
    }

    void insertAttempt(long deliveryId, NotificationDelivery.Attempt a) {
        handle.createUpdate(INSERT_ATTEMPT)
                .bind("delivery", deliveryId).bind("attempt", a.attempt())
                .bind("startedAt", Times.bind(a.startedAt())).bind("duration", a.durationMs())
                .bind("code", a.statusCode()).bind("error", a.error() == null ? null : cut(a.error(), 2000))
                .bind("outcome", a.outcome().name())
                .execute();
    }

    void finishAttempt(long deliveryId, NotificationDelivery.Attempt a, NotificationDelivery.Status status,
                       Instant next, Instant now) {
        handle.createUpdate(FINISH_ATTEMPT)
                .bind("id", deliveryId).bind("attempt", a.attempt()).bind("status", status.name())
                .bind("next", Times.bind(next)).bind("code", a.statusCode())
                .bind("error", a.error() == null ? null : cut(a.error(), 2000)).bind("now", Times.bind(now))
                .execute();
    }

    Optional<NotificationDelivery> find(long id) {
        return handle.createQuery("SELECT " + DELIVERY_COLUMNS + FROM + " WHERE d.id = :id").bind("id", id)
                .map(NotificationDao::map).findOne();
    }

    /** The payload of the event of delivery {@code id}. */
    Optional<Map<String, Object>> payload(long deliveryId) {
        return handle.createQuery("SELECT e.payload" + FROM + " WHERE d.id = :id").bind("id", deliveryId)
                .map((rs, ctx) -> JsonColumns.objectMap(rs.getString("payload"))).findOne();
    }

    List<NotificationDelivery.Attempt> attempts(long deliveryId) {
        return handle.createQuery("SELECT attempt, started_at, duration_ms, status_code, error, outcome"
                        + " FROM notification_attempt WHERE delivery_id = :id ORDER BY id")
                .bind("id", deliveryId)
                .map((rs, ctx) -> new NotificationDelivery.Attempt(rs.getInt("attempt"),
                        Times.read(rs, "started_at"), rs.getLong("duration_ms"), integer(rs, "status_code"),
                        rs.getString("error"), NotificationDelivery.AttemptOutcome.valueOf(rs.getString("outcome"))))
                .list();
    }

    /** Newest first: deliveries with id below {@code beforeId} that pass the filter. */
    List<NotificationDelivery> list(NotificationDelivery.Filter f, long beforeId, int limit) {
        Map<String, Object> binds = new LinkedHashMap<>();
        List<String> where = new ArrayList<>(List.of("d.id < :before"));
        binds.put("before", beforeId);
        condition(where, binds, "d.status = :status", "status", f.status() == null ? null : f.status().name());
        condition(where, binds, "e.event_type = :event", "event", f.event() == null ? null : f.event().id());
        condition(where, binds, "d.receiver = :receiver", "receiver", f.receiver());
        condition(where, binds, "e.scope_name = :scope", "scope", f.scope());
        condition(where, binds, "e.asset_id = :asset", "asset", f.assetId());
        condition(where, binds, "d.created_at >= :from", "from", Times.bind(f.from()));
        condition(where, binds, "d.created_at < :to", "to", Times.bind(f.to()));
        Query q = handle.createQuery("SELECT " + DELIVERY_COLUMNS + FROM + " WHERE " + String.join(" AND ", where)
                + " ORDER BY d.id DESC LIMIT :limit").bind("limit", limit);
        binds.forEach(q::bind);
        return q.map(NotificationDao::map).list();
    }

    /** Deliveries by status. */
    Map<String, Long> counts() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (NotificationDelivery.Status s : NotificationDelivery.Status.values()) {
            out.put(s.name(), 0L);
        }
        handle.createQuery("SELECT status, COUNT(*) AS n FROM notification_delivery GROUP BY status")
                .map((rs, ctx) -> Map.entry(rs.getString("status"), rs.getLong("n")))
                .forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    /** When the next pending delivery is due, if any is pending. */
    Optional<Instant> nextDue() {
        return handle.createQuery("SELECT MIN(next_attempt_at) AS due FROM notification_delivery"
                        + " WHERE status = 'PENDING'")
                .map((rs, ctx) -> Optional.ofNullable(Times.read(rs, "due"))).one();
    }

    private static void condition(List<String> where, Map<String, Object> binds, String sql, String name,
                                  Object value) {
        if (value != null) {
            where.add(sql);
            binds.put(name, value);
        }
    }

    static NotificationDelivery map(ResultSet rs, StatementContext ctx) throws SQLException {
        return new NotificationDelivery(rs.getLong("id"), rs.getLong("event_id"), rs.getString("event_type"),
                rs.getString("summary"), rs.getString("scope_name"), longOrNull(rs, "asset_id"),
                longOrNull(rs, "decision_id"), longOrNull(rs, "run_id"), rs.getString("receiver"),
                rs.getString("target"), rs.getString("format"),
                NotificationDelivery.Status.valueOf(rs.getString("status")), rs.getInt("attempts"),
                Times.read(rs, "next_attempt_at"), integer(rs, "last_status_code"), rs.getString("last_error"),
                Times.read(rs, "created_at"), Times.read(rs, "updated_at"), Times.read(rs, "delivered_at"));
    }

    private static Long longOrNull(ResultSet rs, String column) throws SQLException {
        Object v = rs.getObject(column);
        return v == null ? null : ((Number) v).longValue();
    }

    private static Integer integer(ResultSet rs, String column) throws SQLException {
        Object v = rs.getObject(column);
        return v == null ? null : ((Number) v).intValue();
    }

    private static String cut(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
