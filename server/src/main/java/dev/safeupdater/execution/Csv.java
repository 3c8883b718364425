package dev.safeupdater.execution;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.safeupdater.model.AuditEvent;
import dev.safeupdater.model.Decision;
import dev.safeupdater.model.FiredRule;
import dev.safeupdater.model.RunSummary;

/**
 * CSV for every history listing (RFC 4180: a header line, CRLF line ends, fields quoted when they hold a comma,
 * quote or line break), written row by row as the store hands rows over, so an export of any size takes constant
 * memory. The HTTP API ({@code Accept: text/csv}) and the CLI ({@code --format csv}) use these same columns.
 * A text cell that starts with {@code = + - @} is prefixed with {@code '} so a spreadsheet does not run it as a
 * formula.
 */
public final class Csv<T> {
    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule());

    /** Update runs: one line per run. */
    public static final Csv<RunSummary> RUNS = new Csv<RunSummary>()
            .column("run_id", RunSummary::id)
            .column("created_at", RunSummary::createdAt)
            .column("started_at", RunSummary::startedAt)
            .column("finished_at", RunSummary::finishedAt)
            .column("state", RunSummary::state)
            .column("rolled_back", RunSummary::rolledBack)
            .column("asset_id", RunSummary::assetId)
            .column("source", r -> r.asset().source())
            .column("cluster", r -> r.asset().cluster())
            .column("namespace", r -> r.asset().namespace())
            .column("kind", r -> r.asset().kind())
            .column("name", r -> r.asset().name())
            .column("container", r -> r.asset().container())
            .column("image", RunSummary::image)
            .column("from_tag", RunSummary::fromTag)
            .column("to_tag", RunSummary::toTag)
            .column("from_digest", RunSummary::fromDigest)
            .column("to_digest", RunSummary::toDigest)
            .column("change_type", RunSummary::changeType)
            .column("decision_id", RunSummary::decisionId)
            .column("outcome", RunSummary::outcome)
            .column("scope", RunSummary::scope)
            .column("error", RunSummary::error);

    /** Decisions: one line per decision (the inputs stay in the JSON API). */
    public static final Csv<Decision> DECISIONS = new Csv<Decision>()
            .column("decision_id", Decision::id)
            .column("decided_at", Decision::decidedAt)
            .column("asset_id", Decision::assetId)
            .column("from_tag", Decision::fromTag)
            .column("to_tag", Decision::toTag)
            .column("from_digest", Decision::fromDigest)
            .column("to_digest", Decision::toDigest)
            .column("change_type", Decision::changeType)
            .column("outcome", Decision::outcome)
            .column("decided_by", Decision::decidedBy)
            .column("fired_rules", d -> d.firedRules().stream().map(FiredRule::name).toList())
            .column("reasons", Decision::reasons)
            .column("scope", Decision::scope)
            .column("mode", Decision::mode)
            .column("ruleset_revision", Decision::rulesetRevision)
            .column("policy_revision", Decision::policyRevision)
            .column("actor", Decision::actor);

    /** Audit events: one line per event, the detail as JSON text. */
    public static final Csv<AuditEvent> AUDIT_EVENTS = new Csv<AuditEvent>()
            .column("audit_id", AuditEvent::id)
            .column("at", AuditEvent::at)
            .column("actor", AuditEvent::actor)
            .column("action", AuditEvent::action)
            .column("resource_type", AuditEvent::resourceType)
            .column("resource_id", AuditEvent::resourceId)
            .column("detail", AuditEvent::detail);

    private final List<String> names = new ArrayList<>();
    private final List<Function<T, Object>> cells = new ArrayList<>();

    private Csv() {
    }

    private Csv<T> column(String name, Function<T, Object> cell) {
        names.add(name);
        cells.add(cell);
        return this;
    }

    /** The column names, in order. */
    public List<String> header() {
        return List.copyOf(names);
    }

    /** The header line. */
    void writeHeader(Writer out) {
        line(out, names);
    }

    /** One row. */
    void write(Writer out, T row) {
        List<String> values = new ArrayList<>(cells.size());
        for (Function<T, Object> cell : cells) {
            values.add(text(cell.apply(row)));
        }
        line(out, values);
    }

    /** The cells of one row as text (null as empty), unquoted: for tables. */
    public List<String> cells(T row) {
        List<String> values = new ArrayList<>(cells.size());
        for (Function<T, Object> cell : cells) {
            values.add(text(cell.apply(row)));
        }
        return values;
    }

    private static void line(Writer out, List<String> values) {
        try {
            for (int i = 0; i < values.size(); i++) {
                if (i > 0) {
                    out.write(',');
                }
                out.write(quote(values.get(i)));
            }
            out.write("\r\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String text(Object v) {
        return switch (v) {
            case null -> "";
            case Instant i -> i.toString();
            case Collection<?> c -> c.stream().map(Csv::text).collect(Collectors.joining("; "));
            case Map<?, ?> m -> json(m);
            default -> v.toString();
        };
    }

    private static String json(Object v) {
        try {
            return JSON.writeValueAsString(v);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String quote(String s) {
        if (!s.isEmpty() && "=+-@".indexOf(s.charAt(0)) >= 0) {
            s = "'" + s;
        }
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }
}
