package dev.dynamicmcp.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.McpMethods;
import dev.dynamicmcp.protocol.PendingRequest;
import dev.dynamicmcp.runtime.Backoff;
import dev.dynamicmcp.runtime.Failures;
import dev.dynamicmcp.runtime.Scheduler;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one {@code subscriptions/listen} stream of a connection to a 2026-07-28 server, which replaces both the
 * GET stream and {@code resources/subscribe}: it asks for every list_changed kind the server offers and for
 * updates of the resource URIs the proxy's clients subscribed to. A change of that URI set ends the stream
 * and opens a new one; a stream the server ends or that breaks is opened again after a backoff.
 *
 * <p>States: IDLE (nothing to listen for) → OPEN (a listen request runs) → WAITING (reopen timer) → CLOSED.
 */
final class UpstreamListen {
    private static final Logger log = LoggerFactory.getLogger(UpstreamListen.class);

    enum State { IDLE, OPEN, WAITING, CLOSED }

    private final String serverName;
    private final ObjectNode serverCapabilities;
    private final Function<ObjectNode, PendingRequest> send;
    private final Scheduler scheduler;
    private final ReentrantLock lock = new ReentrantLock();
    private final Set<String> uris = new LinkedHashSet<>(); // guarded by lock
    private final Backoff backoff;
    private State state = State.IDLE; // guarded by lock
    private PendingRequest current; // guarded by lock
    /** Counts restarts: a listen sent for an older filter is not kept (guarded by lock). */
    private long generation;
    private Scheduler.Cancellable timer = Scheduler.Cancellable.NONE; // guarded by lock

    /** @param send sends {@code subscriptions/listen} with these params (the session adds the envelope) */
    UpstreamListen(String serverName, ObjectNode serverCapabilities, Function<ObjectNode, PendingRequest> send,
                   Scheduler scheduler) {
        this.serverName = serverName;
        this.serverCapabilities = serverCapabilities;
        this.send = send;
        this.scheduler = scheduler;
        this.backoff = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30), 0.2, scheduler::random);
    }

    /** Opens the stream if the server offers anything to listen for. */
    void start() {
        restart("connected");
    }

    boolean canSubscribe() {
        return serverCapabilities.path("resources").path("subscribe").asBoolean(false);
    }

    void subscribe(String uri) {
        boolean changed;
        lock.lock();
        try {
            changed = uris.add(uri);
        } finally {
            lock.unlock();
        }
        if (changed) {
            restart("subscribed to " + uri);
        }
    }

    void unsubscribe(String uri) {
        boolean changed;
        lock.lock();
        try {
            changed = uris.remove(uri);
        } finally {
            lock.unlock();
        }
        if (changed) {
            restart("unsubscribed from " + uri);
        }
    }

    /** True when {@code subscriptionId} names the stream open now (older ones may still be ending). */
    boolean isCurrent(JsonNode subscriptionId) {
        lock.lock();
        try {
            return current != null && subscriptionId != null && Objects.equals(textOf(current.id()), textOf(subscriptionId));
        } finally {
            lock.unlock();
        }
    }

    /** The server acknowledged the stream: it works, so the next failure starts the backoff from the start. */
    void acknowledged(JsonNode subscriptionId, JsonNode honoured) {
        if (isCurrent(subscriptionId)) {
            lock.lock();
            try {
                backoff.reset();
            } finally {
                lock.unlock();
            }
            log.debug("server \"{}\": listening for {}", serverName, honoured);
        }
    }

    State state() {
        lock.lock();
        try {
            return state;
        } finally {
            lock.unlock();
        }
    }

    void close() {
        PendingRequest old;
        lock.lock();
        try {
            state = State.CLOSED;
            old = current;
            current = null;
            timer.cancel();
        } finally {
            lock.unlock();
        }
        if (old != null) {
            old.cancel("connection closed");
        }
    }

    /** Ends the stream open now (if any) and opens one for what is wanted now. */
    private void restart(String why) {
        PendingRequest old;
        ObjectNode filter;
        long gen;
        lock.lock();
        try {
            if (state == State.CLOSED) {
                return;
            }
            old = current;
            current = null;
            timer.cancel();
            filter = filterLocked();
            state = filter == null ? State.IDLE : State.OPEN;
            gen = ++generation;
        } finally {
            lock.unlock();
        }
        if (old != null) {
            old.cancel("subscription changed");
        }
        if (filter != null) {
            open(filter, why, gen);
        }
    }

    private void open(ObjectNode filter, String why, long gen) {
        ObjectNode params = Json.object();
        params.set("notifications", filter);
        PendingRequest request = send.apply(params);
        boolean keep;
        lock.lock();
        try {
            keep = state == State.OPEN && generation == gen;
            if (keep) {
                current = request;
            }
        } finally {
            lock.unlock();
        }
        if (!keep) { // closed or restarted while sending: this one is not wanted
            request.cancel("subscription changed");
            return;
        }
        log.debug("server \"{}\": subscriptions/listen opened ({})", serverName, why);
        request.result().whenComplete((result, failure) -> ended(request, failure));
    }

    /** The stream ended (server's graceful end, a break, a refusal): open it again later, unless replaced. */
    private void ended(PendingRequest request, Throwable failure) {
        long delay;
        lock.lock();
        try {
            if (current != request || state != State.OPEN) {
                return;
            }
            current = null;
            state = State.WAITING;
            delay = backoff.nextDelayNanos();
            timer = scheduler.schedule("mcp-listen-" + serverName, Duration.ofNanos(delay),
                    () -> restart("reopening"));
        } finally {
            lock.unlock();
        }
        log.info("server \"{}\": subscriptions/listen ended ({}); opening it again in {} ms", serverName,
                failure == null ? "by the server" : Failures.describe(failure), delay / 1_000_000);
    }

    /** The filter to ask for, or null when the server offers nothing to listen for. */
    private ObjectNode filterLocked() {
        ObjectNode filter = Json.object();
        if (serverCapabilities.path("tools").path("listChanged").asBoolean(false)) {
            filter.put("toolsListChanged", true);
        }
        if (serverCapabilities.path("prompts").path("listChanged").asBoolean(false)) {
            filter.put("promptsListChanged", true);
        }
        if (serverCapabilities.path("resources").path("listChanged").asBoolean(false)) {
            filter.put("resourcesListChanged", true);
        }
        if (canSubscribe() && !uris.isEmpty()) {
            ArrayNode list = filter.putArray("resourceSubscriptions");
            uris.forEach(list::add);
        }
        return filter.isEmpty() ? null : filter;
    }

    private static String textOf(JsonNode id) {
        return id == null ? null : id.asText();
    }

    static boolean isAck(ObjectNode notification) {
        return McpMethods.SUBSCRIPTIONS_ACKNOWLEDGED.equals(notification.path("method").asText());
    }
}
