package dev.safeupdater.execution;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.safeupdater.model.Glob;
import dev.safeupdater.model.NotificationDelivery;
import dev.safeupdater.model.NotificationEvent;
import dev.safeupdater.model.NotificationEventType;
import dev.safeupdater.model.NotificationReceiver;
import dev.safeupdater.model.NotificationRoutes;
import dev.safeupdater.model.Page;
import dev.safeupdater.notify.Bodies;
import dev.safeupdater.notify.WebhookClient;
import dev.safeupdater.policy.PolicyEngine;
import dev.safeupdater.policy.ScopePolicy;
import dev.safeupdater.store.NotificationStore;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import io.helidon.service.registry.Services;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Webhook notifications: {@link #publish} queues an event durably (one delivery per receiver the routes name) and
 * wakes the background worker; the worker claims due deliveries, posts them a few at a time, appends every attempt
 * and retries with exponential backoff until a receiver answers 2xx, refuses for good (another 4xx, a redirect) or
 * the attempts are used up. Several replicas share the queue (claims carry a lease). The worker runs in the server
 * ({@link #start}); events queued by a one-shot command are delivered by a running server.
 */
public final class NotificationService implements Notifier, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("safeupdater.notifications");
    /** How long an idle worker sleeps before looking for deliveries queued by another process. */
    static final Duration IDLE_POLL = Duration.ofSeconds(30);
    /** How long the worker waits after the database failed it. */
    static final Duration ERROR_PAUSE = Duration.ofSeconds(5);

    /**
     * Delivery knobs: attempts per delivery (the first included), the delay before the first retry (doubling each
     * time up to {@code maxBackoff}), the time one attempt may take, and how many deliveries are sent at once.
     */
    public record Options(int maxAttempts, Duration backoff, Duration maxBackoff, Duration timeout, int parallel) {
        public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofHours(1);
    }

    private final NotificationRoutes routes;
    private final NotificationStore store;
    private final WebhookClient client;
    private final Options options;
    private final PolicyEngine policy;
    private final Clock clock;
    private final String owner = "notifier-" + ProcessHandle.current().pid() + "-"
            + UUID.randomUUID().toString().substring(0, 8);
    private final Object wake = new Object();
    private boolean signalled;
    private volatile boolean running;
    private Thread worker;
    private ExecutorService senders;

    /** {@code policy} (may be null) names the active scopes for {@link #overview()}. */
    public NotificationService(NotificationRoutes routes, NotificationStore store, Options options,
                               PolicyEngine policy, Clock clock) {
        this.routes = routes;
        this.store = store;
        this.options = options;
        this.policy = policy;
        this.clock = clock;
        this.client = new WebhookClient(options.timeout());
    }

    @Override
    public void publish(NotificationEvent event) {
        try {
            List<NotificationReceiver> to = routes.receiversFor(event.type(), event.scope());
            if (to.isEmpty()) {
                return;
            }
            Optional<Long> id = store.enqueue(event, to, clock.instant());
            if (id.isEmpty()) {
                LOG.atDebug().addKeyValue("event", "notification_repeat_dropped")
                        .addKeyValue("type", event.type().id())
                        .log("{} not queued again within its quiet period", event.type().id());
                return;
            }
            counter("safe_updater_notifications_queued", "Notification events queued for delivery", "event",
                    event.type().id()).increment();
            LOG.atInfo().addKeyValue("event", "notification_queued").addKeyValue("type", event.type().id())
                    .addKeyValue("notification_id", id.get()).addKeyValue("scope", event.scope())
                    .addKeyValue("receivers", to.stream().map(NotificationReceiver::name).toList().toString())
                    .log("{} queued for {} receiver(s): {}", event.type().id(), to.size(), event.summary());
            signal();
        } catch (RuntimeException e) {
            counter("safe_updater_notification_publish_errors", "Notification events that could not be queued",
                    "event", event.type().id()).increment();
            LOG.atWarn().setCause(e).addKeyValue("event", "notification_publish_failed")
                    .addKeyValue("type", event.type().id()).log("could not queue a {} notification", event.type().id());
        }
    }

    /** Starts the background worker (the server does; one-shot commands only queue). */
    public synchronized void start() {
        if (running || routes.isEmpty()) {
            return;
        }
        running = true;
        senders = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("notification-send-", 0).factory());
        worker = Thread.ofPlatform().daemon().name("notifications").start(this::work);
        LOG.atInfo().addKeyValue("event", "notifications_started").addKeyValue("file", routes.file())
                .addKeyValue("receivers", routes.receivers().size())
                .log("notifications: {} receiver(s) from {}", routes.receivers().size(), routes.file());
    }

    private void work() {
        while (running) {
            try {
                List<NotificationStore.Claimed> batch = store.claimDue(owner, clock.instant(),
                        options.timeout().plusSeconds(30), options.parallel());
                if (!batch.isEmpty()) {
                    sendAll(batch);
                    continue;
                }
                Instant now = clock.instant();
                Duration wait = store.nextDue().map(next -> Duration.between(now, next)).orElse(IDLE_POLL);
                pause(wait.isNegative() ? Duration.ZERO : wait.compareTo(IDLE_POLL) > 0 ? IDLE_POLL : wait);
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                LOG.atWarn().setCause(e).addKeyValue("event", "notifications_worker_error")
                        .log("notification worker: database error; trying again in {} s", ERROR_PAUSE.toSeconds());
                pause(ERROR_PAUSE);
            }
        }
    }

    private void sendAll(List<NotificationStore.Claimed> batch) {
        List<Future<?>> sent = new ArrayList<>();
        for (NotificationStore.Claimed c : batch) {
            sent.add(senders.submit(() -> send(c)));
        }
        for (Future<?> f : sent) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (java.util.concurrent.ExecutionException e) {
                LOG.atWarn().setCause(e.getCause()).addKeyValue("event", "notification_send_error")
                        .log("a notification attempt could not be recorded");
            }
        }
    }

    /** One attempt of one claimed delivery, recorded with where the delivery then stands. */
    private void send(NotificationStore.Claimed c) {
        Instant started = clock.instant();
        NotificationReceiver r = routes.receivers().get(c.receiver());
        WebhookClient.Result result;
        String target;
        if (r == null) {
            result = new WebhookClient.Result(null, false, false, null, "receiver \"" + c.receiver()
                    + "\" is no longer in the notifications file", 0);
            target = "?";
        } else {
            byte[] body = Bodies.render(r.format(), c.eventId(), c.id(), c.payload());
            result = client.post(r, c.eventType(), c.id(), body, started);
            target = r.target();
        }
        NotificationDelivery.AttemptOutcome outcome = result.delivered() ? NotificationDelivery.AttemptOutcome.DELIVERED
                : result.retry() && c.attempt() < options.maxAttempts() ? NotificationDelivery.AttemptOutcome.RETRY
                : NotificationDelivery.AttemptOutcome.FAILED;
        NotificationDelivery.Status status = switch (outcome) {
            case DELIVERED -> NotificationDelivery.Status.DELIVERED;
            case RETRY -> NotificationDelivery.Status.PENDING;
            case FAILED -> NotificationDelivery.Status.FAILED;
        };
        Instant now = clock.instant();
        Duration delay = backoff(c.attempt(), result.retryAfter());
        store.recordAttempt(c.id(), new NotificationDelivery.Attempt(c.attempt(), started, result.durationMs(),
                result.statusCode(), result.error(), outcome), status, now.plus(delay), now);
        counter("safe_updater_notification_attempts", "Webhook delivery attempts by outcome (delivered, retry,"
                + " failed)", "outcome", outcome.name().toLowerCase(java.util.Locale.ROOT)).increment();
        var line = (outcome == NotificationDelivery.AttemptOutcome.DELIVERED ? LOG.atInfo() : LOG.atWarn())
                .addKeyValue("event", "notification_attempt").addKeyValue("delivery_id", c.id())
                .addKeyValue("type", c.eventType()).addKeyValue("receiver", c.receiver())
                .addKeyValue("target", target).addKeyValue("attempt", c.attempt())
                .addKeyValue("outcome", outcome.name()).addKeyValue("status_code", result.statusCode())
                .addKeyValue("duration_ms", result.durationMs()).addKeyValue("error", result.error());
        if (outcome == NotificationDelivery.AttemptOutcome.RETRY) {
            line = line.addKeyValue("next_attempt_in_ms", delay.toMillis());
        }
        line.log("notification {} to {} attempt {}: {}{}", c.id(), c.receiver(), c.attempt(), outcome,
                result.error() == null ? "" : " (" + result.error() + ")");
    }

    /** The delay after failed attempt {@code attempt} (1 first): backoff doubled each time, at least Retry-After. */
    Duration backoff(int attempt, Duration retryAfter) {
        Duration d = options.backoff().multipliedBy(1L << Math.min(attempt - 1, 30));
        if (d.compareTo(options.maxBackoff()) > 0 || d.isNegative()) {
            d = options.maxBackoff();
        }
        return retryAfter != null && retryAfter.compareTo(d) > 0 ? retryAfter : d;
    }

    private void signal() {
        synchronized (wake) {
            signalled = true;
            wake.notifyAll();
        }
    }

    private void pause(Duration d) {
        synchronized (wake) {
            if (!signalled && running && !d.isZero()) {
                try {
                    wake.wait(Math.max(1, d.toMillis()));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    running = false;
                }
            }
            signalled = false;
        }
    }

    /** Deliveries newest first, filtered and paged. */
    public Page<NotificationDelivery> deliveries(NotificationDelivery.Filter filter, String cursor, int limit) {
        return store.list(filter, cursor, limit);
    }

    /** One delivery with the event it carries and every attempt. */
    public NotificationDelivery.Detail delivery(long id) {
        return store.find(id).orElseThrow(() -> new NotFoundException("notification delivery", id));
    }

    /** What is configured (receivers without URL paths or secrets), how deliveries are made, and where they stand. */
    public Overview overview() {
        Set<String> active = policy == null ? Set.of() : policy.snapshot()
                .map(s -> s.policies().scopes().stream().map(ScopePolicy::name)
                        .collect(java.util.stream.Collectors.toSet()))
                .orElse(Set.of());
        List<String> unmatched = routes.scopes().keySet().stream()
                .filter(p -> active.stream().noneMatch(Glob.of(p)::matches)).toList();
        Map<String, List<RouteView>> scopes = new LinkedHashMap<>();
        routes.scopes().forEach((k, v) -> scopes.put(k, v.stream().map(RouteView::of).toList()));
        return new Overview(routes.file(), running,
                routes.receivers().values().stream().map(r -> new ReceiverView(r.name(), r.target(), r.format().id(),
                        r.signed())).toList(),
                routes.global().stream().map(RouteView::of).toList(), scopes, unmatched,
                new DeliveryView(options.maxAttempts(), options.backoff().toMillis(), options.maxBackoff().toMillis(),
                        options.timeout().toMillis(), options.parallel()),
                store.counts());
    }

    /**
     * The configuration as the API shows it: the file, whether the worker runs here, the receivers (target without
     * path or query; {@code signed} says whether a secret is set, never what it is), the routes, scope sections that
     * match no scope of the active policy set, the delivery knobs, and deliveries by status.
     */
    public record Overview(String file, boolean workerRunning, List<ReceiverView> receivers, List<RouteView> global,
                           Map<String, List<RouteView>> scopes, List<String> unmatchedScopes, DeliveryView delivery,
                           Map<String, Long> deliveries) {
    }

    public record ReceiverView(String name, String target, String format, boolean signed) {
    }

    public record RouteView(String receiver, List<String> events) {
        static RouteView of(NotificationRoutes.Route r) {
            return new RouteView(r.receiver(), r.events().stream().sorted().map(NotificationEventType::id).toList());
        }
    }

    public record DeliveryView(int maxAttempts, long backoffMs, long maxBackoffMs, long timeoutMs, int parallel) {
    }

    /** The notification counters at 0 for every event and outcome, so rates work before the first event. */
    public static void declareMetrics() {
        for (NotificationEventType t : NotificationEventType.values()) {
            counter("safe_updater_notifications_queued", "Notification events queued for delivery", "event", t.id());
            counter("safe_updater_notification_publish_errors", "Notification events that could not be queued",
                    "event", t.id());
        }
        for (NotificationDelivery.AttemptOutcome o : NotificationDelivery.AttemptOutcome.values()) {
            counter("safe_updater_notification_attempts", "Webhook delivery attempts by outcome (delivered, retry,"
                    + " failed)", "outcome", o.name().toLowerCase(java.util.Locale.ROOT));
        }
    }

    private static Counter counter(String name, String description, String tag, String value) {
        return Services.get(MeterRegistry.class).getOrCreate(Counter.builder(name).description(description)
                .tags(List.of(Tag.create(tag, value))));
    }

    @Override
    public void close() {
        Thread w;
        synchronized (this) {
            running = false;
            w = worker;
            worker = null;
        }
        signal();
        if (w != null) {
            try {
                w.join(options.timeout().toMillis() + 2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (senders != null) {
            senders.shutdownNow();
        }
        client.close();
    }
}
