package dev.dynamicmcp.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.McpMethods;
import dev.dynamicmcp.protocol.PendingRequest;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What lives in an upstream session and must survive a new one: the resource subscriptions and the log
 * level. The client remembers them however they were sent (typed helpers or a raw request) and replays them
 * onto a new session: after it initializes again (HTTP 404), and onto a new client after a reconnect
 * ({@link McpClient#restore}). The one mechanism for session replay; the proxy does not keep a second copy.
 *
 * <p>Thread-safe. A {@link #snapshot()} is a copy that no longer changes.
 */
public final class SessionState {
    private final ReentrantLock lock = new ReentrantLock();
    private final Set<String> subscriptions = new LinkedHashSet<>(); // guarded by lock
    private String logLevel; // guarded by lock

    SessionState() {
    }

    /** Resource URIs subscribed to, in the order they were subscribed. */
    public List<String> subscriptions() {
        lock.lock();
        try {
            return List.copyOf(subscriptions);
        } finally {
            lock.unlock();
        }
    }

    /** The level last set with {@code logging/setLevel}; null when it was never set. */
    public String logLevel() {
        lock.lock();
        try {
            return logLevel;
        } finally {
            lock.unlock();
        }
    }

    public boolean isEmpty() {
        lock.lock();
        try {
            return subscriptions.isEmpty() && logLevel == null;
        } finally {
            lock.unlock();
        }
    }

    /** A copy of the state now. */
    public SessionState snapshot() {
        SessionState copy = new SessionState();
        lock.lock();
        try {
            copy.subscriptions.addAll(subscriptions);
            copy.logLevel = logLevel;
        } finally {
            lock.unlock();
        }
        return copy;
    }

    /**
     * Remembers a request that changes the session, once the server accepted it (an unsubscribe at once: a
     * failed one must not come back after a new session either).
     */
    void remember(String method, JsonNode params, PendingRequest pending) {
        String value = switch (method) {
            case McpMethods.RESOURCES_SUBSCRIBE, McpMethods.RESOURCES_UNSUBSCRIBE ->
                    params == null ? null : params.path("uri").asText(null);
            case McpMethods.LOGGING_SET_LEVEL -> params == null ? null : params.path("level").asText(null);
            default -> null;
        };
        if (value == null) {
            return;
        }
        if (McpMethods.RESOURCES_UNSUBSCRIBE.equals(method)) {
            change(() -> subscriptions.remove(value));
            return;
        }
        pending.result().thenRun(() -> change(() -> {
            if (McpMethods.RESOURCES_SUBSCRIBE.equals(method)) {
                subscriptions.add(value);
            } else {
                logLevel = value;
            }
        }));
    }

    private void change(Runnable edit) {
        lock.lock();
        try {
            edit.run();
        } finally {
            lock.unlock();
        }
    }

    /** Sends one replayed request and waits for its answer. */
    @FunctionalInterface
    interface Replay {
        void send(String method, JsonNode params) throws Exception;
    }

    /**
     * Replays this state onto a session: the log level first, then each subscription. Every step is tried;
     * the first failure is thrown at the end (the others are added to it as suppressed).
     */
    void replay(Replay target) throws Exception {
        String level = logLevel();
        List<Exception> failures = new ArrayList<>();
        if (level != null) {
            attempt(target, McpMethods.LOGGING_SET_LEVEL, Json.object().put("level", level), failures);
        }
        for (String uri : subscriptions()) {
            attempt(target, McpMethods.RESOURCES_SUBSCRIBE, Json.object().put("uri", uri), failures);
        }
        if (!failures.isEmpty()) {
            Exception first = failures.get(0);
            failures.subList(1, failures.size()).forEach(first::addSuppressed);
            throw first;
        }
    }

    private static void attempt(Replay target, String method, JsonNode params, List<Exception> failures) {
        try {
            target.send(method, params);
        } catch (Exception e) {
            failures.add(e);
        }
    }

    @Override
    public String toString() {
        return "SessionState{subscriptions=" + subscriptions() + ", logLevel=" + logLevel() + "}";
    }
}
