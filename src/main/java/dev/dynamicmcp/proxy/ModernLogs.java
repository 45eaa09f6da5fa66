package dev.dynamicmcp.proxy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The log level of each running 2026-07-28 call that asked for log messages ({@code _meta.logLevel}), and
 * where its messages go: that call's own stream, nowhere else. A call without a level hears none (the
 * revision: no level, no {@code notifications/message}). An upstream message reaches the modern calls the
 * server is running now whose level it meets: a shared upstream connection does not say which call a log line
 * belongs to, so every such call of that server hears it (the same limit as the newest-call rule for a
 * server's own requests; {@code "isolation": "session"} makes it exact).
 */
final class ModernLogs {
    private record Sink(int levelIndex, Consumer<ObjectNode> send) {
    }

    private final RunningCalls running;
    /** By the call's session id (one per modern request). */
    private final Map<String, Sink> sinks = new ConcurrentHashMap<>();

    ModernLogs(RunningCalls running) {
        this.running = running;
    }

    /** A call asked for messages at {@code levelIndex} (in {@link LogLevels#LEVELS}) and above. */
    void open(String sessionId, int levelIndex, Consumer<ObjectNode> send) {
        sinks.put(sessionId, new Sink(levelIndex, send));
    }

    void close(String sessionId) {
        sinks.remove(sessionId);
    }

    /** A log message of a shared upstream connection; {@code params} already names its logger. */
    void fromShared(String server, ObjectNode params) {
        if (sinks.isEmpty()) {
            return;
        }
        running.forEachOn(server, call -> deliver(call.context().sessionId(), params));
    }

    /** A log message of the isolated upstream session that belongs to one call. */
    void fromIsolated(String sessionId, ObjectNode params) {
        deliver(sessionId, params);
    }

    private void deliver(String sessionId, ObjectNode params) {
        Sink sink = sinks.get(sessionId);
        int index = LogLevels.indexOf(params.path("level").asText("info"));
        if (sink != null && (index < 0 || index >= sink.levelIndex())) {
            sink.send().accept(params);
        }
    }
}
