package dev.dynamicmcp.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.McpMethods;
import dev.dynamicmcp.protocol.RequestOptions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log level each client asked for. An upstream has one level for all clients, so it gets the most
 * verbose any client asked for; each client then receives only the messages at or above its own level.
 */
final class LogLevels {
    private static final Logger log = LoggerFactory.getLogger(LogLevels.class);
    /** MCP log levels, most verbose first. */
    static final List<String> LEVELS = dev.dynamicmcp.protocol.McpMeta.LOG_LEVELS;

    private final Upstreams upstreams;
    /** Per session, the index in {@link #LEVELS} it asked for; absent until it asks. */
    private final Map<String, Integer> requested = new ConcurrentHashMap<>();

    /** The level the servers were last sent (connection-wide); null before the first. */
    private volatile String told;

    LogLevels(Upstreams upstreams) {
        this.upstreams = upstreams;
    }

    /** Index of a level in {@link #LEVELS}, or -1 for a word that is none. */
    static int indexOf(String level) {
        return LEVELS.indexOf(level);
    }

    void request(String sessionId, int levelIndex) {
        requested.put(sessionId, levelIndex);
    }

    void forget(String sessionId) {
        requested.remove(sessionId);
    }

    /** The level the session (or modern request) asked for; empty until it asks. */
    Optional<String> levelOf(String sessionId) {
        return Optional.ofNullable(requested.get(sessionId)).map(LEVELS::get);
    }

    /** True when the session should receive a message at {@code level} (every level until it asks). */
    boolean wants(String sessionId, String level) {
        Integer asked = requested.get(sessionId);
        int index = indexOf(level);
        return asked == null || index < 0 || index >= asked;
    }

    /** The most verbose level any client asked for; empty while none asked. */
    Optional<String> upstreamLevel() {
        return requested.values().stream().min(Integer::compare).map(LEVELS::get);
    }

    /**
     * Sends every given server that has logging the {@link #upstreamLevel}; completes when all answered. A
     * 2026-07-28 server is left out: it has no connection-wide level, each request carries its caller's.
     */
    CompletableFuture<Void> apply(Collection<String> servers) {
        Optional<String> wanted = upstreamLevel();
        if (wanted.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        return send(servers, wanted.get());
    }

    /**
     * A 2026-07-28 call asked for {@code levelIndex} (already {@link #request}ed): the servers are told only when
     * it is more verbose than what they were last told. A level outlives the call that asked for it (there is no
     * "unset"), so a client that sends its level with every call sends it upstream once, not once per call.
     */
    CompletableFuture<Void> raiseFor(int levelIndex, Supplier<? extends Collection<String>> servers) {
        String current = told;
        if (current != null && indexOf(current) <= levelIndex) {
            return CompletableFuture.completedFuture(null);
        }
        return apply(servers.get());
    }

    /**
     * A server (re)connected: its new upstream session gets the level the clients ask for now, or, when none
     * does (a 2026-07-28 caller's ended with its call), the level the other servers were last told.
     */
    CompletableFuture<Void> restore(String server) {
        String level = upstreamLevel().orElse(told);
        return level == null ? CompletableFuture.completedFuture(null) : send(List.of(server), level);
    }

    private CompletableFuture<Void> send(Collection<String> servers, String level) {
        told = level;
        List<CompletableFuture<JsonNode>> sent = new ArrayList<>();
        for (String server : servers) {
            if (upstreams.hasCapability(server, "logging") && !upstreams.isModern(server)) {
                sent.add(upstreams.send(server, McpMethods.LOGGING_SET_LEVEL, Json.object().put("level", level),
                                RequestOptions.timeout(upstreams.requestTimeout(server))).result()
                        .exceptionally(failure -> {
                            log.warn("server \"{}\" refused logging/setLevel {}: {}", server, level, failure.toString());
                            return null;
                        }));
            }
        }
        return CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new));
    }
}
