package dev.safeupdater.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.safeupdater.model.KindCounts;
import dev.safeupdater.model.ScanSourceResult;
import dev.safeupdater.model.ScanRun;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.StatementContext;

/** SQL for {@code scan_run} and {@code scan_source}. */
final class ScanDao {
    private static final ObjectMapper CONVERT = new ObjectMapper();

    private final Handle handle;

    ScanDao(Handle handle) {
        this.handle = handle;
    }

    long insertRun(List<String> requested, String actor, Instant at) {
        return handle.createUpdate("INSERT INTO scan_run (requested_sources, actor, status, started_at)"
                        + " VALUES (:requested, :actor, 'RUNNING', :at)")
                .bind("requested", requested == null ? null : String.join(",", requested))
                .bind("actor", actor)
                .bind("at", Times.bind(at))
                .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
    }

    void insertSource(long scanId, ScanSourceResult r) {
        handle.createUpdate("INSERT INTO scan_source (scan_id, source_name, source_type, status, error, warnings, seen,"
                        + " added, changed, unchanged, gone, versions_recorded, api_requests, by_kind, started_at,"
                        + " finished_at) VALUES (:scanId, :name, :type, :status, :error, CAST(:warnings AS <json>),"
                        + " :seen, :added, :changed, :unchanged, :gone, :versions, :requests, CAST(:byKind AS <json>),"
                        + " :startedAt, :finishedAt)")
                .bind("scanId", scanId)
                .bind("name", r.name())
                .bind("type", r.type())
                .bind("status", r.status())
                .bind("error", r.error() == null ? null : abbreviate(r.error(), 4000))
                .bind("warnings", JsonColumns.write(r.warnings()))
                .bind("seen", r.seen())
                .bind("added", r.added())
                .bind("changed", r.changed())
                .bind("unchanged", r.unchanged())
                .bind("gone", r.gone())
                .bind("versions", r.versionsRecorded())
                .bind("requests", r.apiRequests())
                .bind("byKind", JsonColumns.write(r.byKind()))
                .bind("startedAt", Times.bind(r.startedAt()))
                .bind("finishedAt", Times.bind(r.finishedAt()))
                .execute();
    }

    void finishRun(long scanId, String status, Instant at) {
        handle.createUpdate("UPDATE scan_run SET status = :status, finished_at = :at WHERE id = :id")
                .bind("status", status).bind("at", Times.bind(at)).bind("id", scanId).execute();
    }

    Optional<ScanRun> find(long id) {
        return handle.createQuery("SELECT id, requested_sources, actor, status, started_at, finished_at FROM scan_run"
                        + " WHERE id = :id")
                .bind("id", id).map(this::run).findOne();
    }

    List<ScanRun> listBefore(long beforeId, int limit) {
        return handle.createQuery("SELECT id, requested_sources, actor, status, started_at, finished_at FROM scan_run"
                        + " WHERE id < :before ORDER BY id DESC LIMIT :limit")
                .bind("before", beforeId).bind("limit", limit).map(this::run).list();
    }

    private ScanRun run(ResultSet rs, StatementContext ctx) throws SQLException {
        long id = rs.getLong("id");
        String requested = rs.getString("requested_sources");
        return new ScanRun(id, requested == null ? null : Arrays.asList(requested.split(",")), rs.getString("actor"),
                rs.getString("status"), Times.read(rs, "started_at"), Times.read(rs, "finished_at"), sources(id));
    }

    private List<ScanSourceResult> sources(long scanId) {
        return handle.createQuery("SELECT source_name, source_type, status, error, warnings, seen, added, changed,"
                        + " unchanged, gone, versions_recorded, api_requests, by_kind, started_at, finished_at"
                        + " FROM scan_source WHERE scan_id = :scanId ORDER BY id")
                .bind("scanId", scanId)
                .map((rs, ctx) -> new ScanSourceResult(rs.getString("source_name"), rs.getString("source_type"),
                        rs.getString("status"), rs.getString("error"),
                        JsonColumns.list(rs.getString("warnings"), String.class), rs.getInt("seen"),
                        rs.getInt("added"), rs.getInt("changed"), rs.getInt("unchanged"), rs.getInt("gone"),
                        rs.getInt("versions_recorded"), rs.getInt("api_requests"), kinds(rs.getString("by_kind")),
                        Times.read(rs, "started_at"), Times.read(rs, "finished_at")))
                .list();
    }

    private static Map<String, KindCounts> kinds(String json) {
        Map<String, KindCounts> out = new LinkedHashMap<>();
        JsonColumns.objectMap(json).forEach((k, v) -> out.put(k, CONVERT.convertValue(v, KindCounts.class)));
        return out;
    }

    private static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }
}
