package dev.dynamicmcp.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * What one fault server shares across its sessions and, for HTTP, across restarts: the knobs, the
 * counters tests read, the tools added at run time and the live sessions.
 */
final class FaultState {
    final FaultServer.Options options;
    private final Consumer<String> log;
    private volatile Runnable crash = () -> { };

    private final AtomicInteger initializeCount = new AtomicInteger();
    private final AtomicInteger toolCalls = new AtomicInteger();
    private final Map<String, AtomicInteger> messageCounts = new ConcurrentHashMap<>();
    private final List<JsonNode> cancelledIds = new CopyOnWriteArrayList<>();
    private final List<String> deletedSessions = new CopyOnWriteArrayList<>();
    private final List<String> addedTools = new CopyOnWriteArrayList<>();
    private final Map<String, FaultSession> sessions = new ConcurrentHashMap<>();

    FaultState(FaultServer.Options options, Consumer<String> log) {
        this.options = options;
        this.log = log;
    }

    void log(String line) {
        log.accept(line);
    }

    /** How the transport goes down when the crash tool or --crash-after fires. */
    void onCrash(Runnable crash) {
        this.crash = crash;
    }

    void crash(String reason) {
        log("crashing: " + reason);
        crash.run();
    }

    void countMessage(String method) {
        messageCounts.computeIfAbsent(method, m -> new AtomicInteger()).incrementAndGet();
    }

    int messageCount(String method) {
        AtomicInteger count = messageCounts.get(method);
        return count == null ? 0 : count.get();
    }

    void countInitialize() {
        initializeCount.incrementAndGet();
    }

    int initializeCount() {
        return initializeCount.get();
    }

    /** Counts one tools/call; true when it is the one {@code --crash-after} names. */
    boolean toolCallCrashes() {
        int n = toolCalls.incrementAndGet();
        return options.crashAfter() > 0 && n == options.crashAfter();
    }

    void recordCancelled(JsonNode requestId) {
        cancelledIds.add(requestId);
    }

    List<JsonNode> cancelledIds() {
        return List.copyOf(cancelledIds);
    }

    void recordDeleted(String sessionId) {
        deletedSessions.add(sessionId);
    }

    List<String> deletedSessions() {
        return List.copyOf(deletedSessions);
    }

    /** Adds a tool {@code extra_N} and returns its name. */
    String addTool() {
        String name = "extra_" + (addedTools.size() + 1);
        addedTools.add(name);
        return name;
    }

    List<String> addedTools() {
        return List.copyOf(addedTools);
    }

    void register(FaultSession session) {
        sessions.put(session.id(), session);
    }

    FaultSession session(String id) {
        return id == null ? null : sessions.get(id);
    }

    FaultSession remove(String id) {
        return sessions.remove(id);
    }

    /** Removes every session and returns them, for the caller to close outside any lock. */
    List<FaultSession> removeAll() {
        List<FaultSession> all = new ArrayList<>(sessions.values());
        all.forEach(s -> sessions.remove(s.id()));
        return all;
    }

    List<String> sessionIds() {
        return List.copyOf(sessions.keySet());
    }

    /** Sends a server-wide notification (e.g. tools/list_changed) to every live session. */
    void broadcast(ObjectNode notification) {
        for (FaultSession session : sessions.values()) {
            session.sendUnsolicited(notification.deepCopy());
        }
    }
}
