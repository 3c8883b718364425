package dev.safeupdater.execution;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

import dev.safeupdater.model.AuditEvent;
import dev.safeupdater.model.AuditEventFilter;
import dev.safeupdater.model.Decision;
import dev.safeupdater.model.DecisionFilter;
import dev.safeupdater.model.Page;
import dev.safeupdater.model.RunDetail;
import dev.safeupdater.model.RunFilter;
import dev.safeupdater.model.RunSummary;
import dev.safeupdater.store.AuditEventStore;
import dev.safeupdater.store.DecisionStore;
import dev.safeupdater.store.RunHistoryStore;

/**
 * What auditors read: update runs (filtered pages, one run with its events), decisions and audit events, each also
 * as a CSV export of the same filter that streams in constant memory. Read-only.
 */
public final class AuditService {
    /** Every state an update run can be in. */
    public static final List<String> RUN_STATES = List.of("QUEUED", "CLAIMED", "APPLYING", "VERIFYING", "SUCCEEDED",
            "FAILED", "ROLLING_BACK", "ROLLED_BACK", "ROLLBACK_FAILED");

    private final RunHistoryStore runs;
    private final DecisionStore decisions;
    private final AuditEventStore events;

    public AuditService(RunHistoryStore runs, DecisionStore decisions, AuditEventStore events) {
        this.runs = runs;
        this.decisions = decisions;
        this.events = events;
    }

    /** A run state as given (any case, {@code -} for {@code _}), or the field error {@code field}. */
    public static String runState(String field, String value) {
        if (value == null) {
            return null;
        }
        String s = value.strip().toUpperCase(Locale.ROOT).replace('-', '_');
        new InputCheck().oneOf(field, s, RUN_STATES).throwIfAny();
        return s;
    }

    public Page<RunSummary> updates(RunFilter filter, String cursor, int limit) {
        check(filter.from(), filter.to());
        return runs.list(filter, cursor, limit);
    }

    public RunDetail update(long id) {
        return runs.detail(id).orElseThrow(() -> new NotFoundException("update run", id));
    }

    /** Decisions passing {@code filter}, newest first, paged (as {@code DecisionService#list}). */
    public Page<Decision> decisions(DecisionFilter filter, String cursor, int limit) {
        check(filter.from(), filter.to());
        return decisions.list(filter, cursor, limit);
    }

    public Page<AuditEvent> auditEvents(AuditEventFilter filter, String cursor, int limit) {
        check(filter.from(), filter.to());
        return events.list(filter, cursor, limit);
    }

    /** Writes every run passing {@code filter} as CSV to {@code out}, newest first. */
    public void exportUpdates(RunFilter filter, Writer out) {
        check(filter.from(), filter.to());
        export(Csv.RUNS, out, sink -> runs.forEach(filter, sink));
    }

    /** Writes every decision passing {@code filter} as CSV to {@code out}, newest first. */
    public void exportDecisions(DecisionFilter filter, Writer out) {
        check(filter.from(), filter.to());
        export(Csv.DECISIONS, out, sink -> decisions.forEach(filter, sink));
    }

    /** Writes every audit event passing {@code filter} as CSV to {@code out}, newest first. */
    public void exportAuditEvents(AuditEventFilter filter, Writer out) {
        check(filter.from(), filter.to());
        export(Csv.AUDIT_EVENTS, out, sink -> events.forEach(filter, sink));
    }

    /** Every decision passing {@code filter}, newest first, one at a time (the CLI's table and JSON lines). */
    public void forEachDecision(DecisionFilter filter, Consumer<Decision> sink) {
        check(filter.from(), filter.to());
        decisions.forEach(filter, sink);
    }

    public void forEachUpdate(RunFilter filter, Consumer<RunSummary> sink) {
        check(filter.from(), filter.to());
        runs.forEach(filter, sink);
    }

    public void forEachAuditEvent(AuditEventFilter filter, Consumer<AuditEvent> sink) {
        check(filter.from(), filter.to());
        events.forEach(filter, sink);
    }

    private static <T> void export(Csv<T> csv, Writer out, Consumer<Consumer<T>> rows) {
        csv.writeHeader(out);
        rows.accept(row -> csv.write(out, row));
        try {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code from} must come before {@code to}. */
    static void check(java.time.Instant from, java.time.Instant to) {
        if (from != null && to != null && !from.isBefore(to)) {
            throw new InvalidInputException(List.of(new FieldError("to", "must be after from")));
        }
    }
}
