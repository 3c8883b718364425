package dev.safeupdater.model;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Something on-call or approvers should hear about, as published to the notifier: its type, when, a one-line
 * summary, the policy scope it belongs to (routes per scope; null: only global receivers), the asset and the change
 * concerned, the decision and update-run ids, the reasons, and type-specific details. Never carries secrets: only
 * coordinates, versions, ids, revisions and the reasons/errors that are already stored in the history.
 *
 * <p>{@code dedupeKey} and {@code quietPeriod}: an event whose key was already published less than the quiet
 * period ago is dropped (a candidate held every cycle is announced once; a failing cycle once an hour). Build events
 * with the static methods, one per type.
 */
public record NotificationEvent(NotificationEventType type,
                                Instant occurredAt,
                                String summary,
                                String scope,
                                AssetRef asset,
                                Change change,
                                Long decisionId,
                                Long runId,
                                List<String> reasons,
                                Map<String, Object> details,
                                String dedupeKey,
                                Duration quietPeriod) {
    /** Longest reason or error text carried (longer ones are cut). */
    static final int MAX_TEXT = 1000;
    static final int MAX_REASONS = 20;
    /** How long one run's or one vote's event is kept from repeating (in effect: once). */
    static final Duration ONCE = Duration.ofDays(365);
    /** How often the same refused rule set or a still failing cycle is announced again. */
    public static final Duration DEFAULT_REPEAT = Duration.ofHours(1);

    public NotificationEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(occurredAt, "occurredAt");
        Objects.requireNonNull(summary, "summary");
        reasons = reasons == null ? List.of()
                : reasons.stream().limit(MAX_REASONS).map(NotificationEvent::cut).toList();
        details = details == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(details));
        quietPeriod = quietPeriod == null ? Duration.ZERO : quietPeriod;
    }

    /** Which asset: its id in the store, its coordinates and image repository. */
    public record AssetRef(long id, AssetKey key, String image) {
        public static AssetRef of(Asset a) {
            return new AssetRef(a.id(), a.key(), a.image());
        }
    }

    /** The version change concerned: from/to tag and digest, and its kind (PATCH, MINOR, ...; null: unknown). */
    public record Change(String fromTag, String toTag, String fromDigest, String toDigest, ChangeType changeType) {
        String display() {
            return fromTag + " -> " + toTag + (changeType == null ? "" : " (" + changeType + ")");
        }
    }

    /**
     * A stored decision is HOLD and its scope still waits for approvals ({@code votes} of {@code needed} counted;
     * a vote counts for {@code deadline}). Announced once per asset, tag and digest while the deadline lasts.
     */
    public static NotificationEvent updateHeld(AssetRef asset, Decision d, int votes, int needed, Duration deadline) {
        Change change = new Change(d.fromTag(), d.toTag(), d.fromDigest(), d.toDigest(), d.changeType());
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("votes", votes);
        details.put("votesNeeded", needed);
        details.put("voteValidFor", deadline.toString());
        details.put("decidedBy", d.decidedBy());
        details.put("rulesetRevision", d.rulesetRevision());
        details.put("policyRevision", d.policyRevision());
        return new NotificationEvent(NotificationEventType.UPDATE_HELD, d.decidedAt(),
                asset.key().display() + ": " + change.display() + " held, waiting for approvals: " + votes + " of "
                        + needed + scopeText(d.scope()) + ", decision " + d.id(),
                d.scope(), asset, change, d.id(), null, d.reasons(), details,
                "update-held:" + asset.id() + ":" + d.toTag() + ":" + Objects.requireNonNullElse(d.toDigest(), ""),
                deadline);
    }

    /**
     * {@code approver}'s vote ({@code approvalId}) for moving the asset to {@code change.toTag()} expired at
     * {@code expiredAt} with {@code votes} of {@code needed} votes still counting. Announced once per vote.
     */
    public static NotificationEvent approvalExpired(AssetRef asset, long approvalId, Long decisionId, Change change,
                                                    String scope, String approver, int votes, int needed,
                                                    Instant expiredAt) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("approvalId", approvalId);
        details.put("approver", approver);
        details.put("votes", votes);
        details.put("votesNeeded", needed);
        return new NotificationEvent(NotificationEventType.APPROVAL_EXPIRED, expiredAt,
                asset.key().display() + ": vote of " + approver + " for " + change.toTag() + " expired; " + votes
                        + " of " + needed + " votes count" + scopeText(scope),
                scope, asset, change, decisionId, null, List.of(), details, "approval-expired:" + approvalId, ONCE);
    }

    /** Update run {@code runId} ended FAILED with {@code error}. Announced once per run. */
    public static NotificationEvent updateFailed(AssetRef asset, long runId, Long decisionId, Change change,
                                                 String scope, String error, Instant at) {
        return runEvent(NotificationEventType.UPDATE_FAILED, asset, runId, decisionId, change, scope, error, at,
                asset.key().display() + ": update " + change.display() + " failed (run " + runId + "): "
                        + cut(error));
    }

    /** Update run {@code runId} was rolled back because of {@code reason} (the version is pinned). Once per run. */
    public static NotificationEvent rollbackDone(AssetRef asset, long runId, Long decisionId, Change change,
                                                 String scope, String reason, Instant at) {
        return runEvent(NotificationEventType.ROLLBACK_DONE, asset, runId, decisionId, change, scope, reason, at,
                asset.key().display() + ": update " + change.display() + " rolled back (run " + runId + "): "
                        + cut(reason));
    }

    /** Rolling back update run {@code runId} failed with {@code error}: a person is needed. Once per run. */
    public static NotificationEvent rollbackFailed(AssetRef asset, long runId, Long decisionId, Change change,
                                                   String scope, String error, Instant at) {
        return runEvent(NotificationEventType.ROLLBACK_FAILED, asset, runId, decisionId, change, scope, error, at,
                asset.key().display() + ": rollback of " + change.display() + " FAILED (run " + runId + "): "
                        + cut(error) + "; the asset needs a person");
    }

    /**
     * A rule and policy set was refused ({@code trigger}: startup, api, watcher) with {@code errors}
     * ({@code file:line:column: message}); {@code activeRevision} (null: none) keeps deciding. The same errors are
     * announced again only after {@link #DEFAULT_REPEAT}.
     */
    public static NotificationEvent ruleSetRefused(String trigger, List<String> errors, String activeRevision,
                                                   Instant at) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("trigger", trigger);
        details.put("errors", errors.size());
        details.put("activeRulesetRevision", activeRevision);
        String first = errors.isEmpty() ? "" : "; first: " + errors.getFirst();
        return new NotificationEvent(NotificationEventType.RULESET_REFUSED, at,
                "rule and policy set refused (" + trigger + "): " + errors.size() + " problem"
                        + (errors.size() == 1 ? "" : "s") + first + "; "
                        + (activeRevision == null ? "no set is active" : "active set " + abbrev(activeRevision)
                        + " keeps deciding"),
                null, null, null, null, null, errors, details, "ruleset-refused:" + sha256(String.join("\n", errors)),
                DEFAULT_REPEAT);
    }

    /**
     * Cycle {@code cycleId} failed with {@code error}, the {@code consecutiveFailures}-th in a row. Announced at
     * most once per {@link #DEFAULT_REPEAT} while cycles keep failing.
     */
    public static NotificationEvent cycleFailing(long cycleId, int consecutiveFailures, String error, Instant at) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("cycleId", cycleId);
        details.put("consecutiveFailures", consecutiveFailures);
        return new NotificationEvent(NotificationEventType.CYCLE_FAILING, at,
                "cycle " + cycleId + " failed (" + consecutiveFailures + " in a row): " + cut(error),
                null, null, null, null, null, error == null ? List.of() : List.of(error), details, "cycle-failing",
                DEFAULT_REPEAT);
    }

    /** This event with another repeat rule ({@code key} null: never dropped). */
    public NotificationEvent withDedupe(String key, Duration quiet) {
        return new NotificationEvent(type, occurredAt, summary, scope, asset, change, decisionId, runId, reasons,
                details, key, quiet);
    }

    /**
     * The event as JSON-ready values (nulls left out): {@code type}, {@code title}, {@code summary},
     * {@code occurredAt}, {@code scope}, {@code asset}, {@code fromTag} .. {@code changeType}, {@code decisionId},
     * {@code runId}, {@code reasons}, {@code details}. This is what a webhook body carries and what is stored.
     */
    public Map<String, Object> payload() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("type", type.id());
        p.put("title", type.title());
        p.put("summary", summary);
        p.put("occurredAt", occurredAt.toString());
        putIf(p, "scope", scope);
        if (asset != null) {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("id", asset.id());
            a.put("display", asset.key().display());
            a.put("source", asset.key().source());
            a.put("cluster", asset.key().cluster());
            a.put("namespace", asset.key().namespace());
            a.put("kind", asset.key().kind());
            a.put("name", asset.key().name());
            a.put("container", asset.key().container());
            putIf(a, "image", asset.image());
            p.put("asset", a);
        }
        if (change != null) {
            putIf(p, "fromTag", change.fromTag());
            putIf(p, "toTag", change.toTag());
            putIf(p, "fromDigest", change.fromDigest());
            putIf(p, "toDigest", change.toDigest());
            putIf(p, "changeType", change.changeType() == null ? null : change.changeType().name());
        }
        putIf(p, "decisionId", decisionId);
        putIf(p, "runId", runId);
        if (!reasons.isEmpty()) {
            p.put("reasons", reasons);
        }
        Map<String, Object> d = new LinkedHashMap<>();
        details.forEach((k, v) -> putIf(d, k, v));
        if (!d.isEmpty()) {
            p.put("details", d);
        }
        return p;
    }

    private static NotificationEvent runEvent(NotificationEventType type, AssetRef asset, long runId, Long decisionId,
                                              Change change, String scope, String text, Instant at, String summary) {
        return new NotificationEvent(type, at, summary, scope, asset, change, decisionId, runId,
                text == null ? List.of() : List.of(text), Map.of(), type.id() + ":run:" + runId, ONCE);
    }

    private static void putIf(Map<String, Object> m, String key, Object value) {
        if (value != null) {
            m.put(key, value);
        }
    }

    private static String scopeText(String scope) {
        return scope == null ? "" : " (scope " + scope + ")";
    }

    static String cut(String s) {
        if (s == null) {
            return "";
        }
        return s.length() <= MAX_TEXT ? s : s.substring(0, MAX_TEXT) + "…";
    }

    private static String abbrev(String revision) {
        return revision.length() > 12 ? revision.substring(0, 12) : revision;
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
