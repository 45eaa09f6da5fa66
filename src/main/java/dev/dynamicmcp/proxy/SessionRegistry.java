package dev.dynamicmcp.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/** The open downstream sessions, by id, and which of them initialized most recently. */
final class SessionRegistry {
    private final Map<String, ProxySession> sessions = new ConcurrentHashMap<>();
    private final AtomicLong initializations = new AtomicLong();

    void add(ProxySession session) {
        sessions.put(session.id(), session);
    }

    /** The session that was open under this id, now gone; null when there was none. */
    ProxySession remove(String id) {
        return sessions.remove(id);
    }

    Optional<ProxySession> get(String id) {
        return Optional.ofNullable(sessions.get(id));
    }

    int size() {
        return sessions.size();
    }

    Collection<ProxySession> all() {
        return sessions.values();
    }

    /** Sessions whose client has initialized, the ones notifications go to. */
    List<ProxySession> initialized() {
        return sessions.values().stream().filter(ProxySession::isInitialized).toList();
    }

    /** A number that grows with each initialize: recency, for "the most recent client that ...". */
    long nextInitialization() {
        return initializations.incrementAndGet();
    }

    /** The initialized session that announced {@code capability} most recently, of those {@code eligible}. */
    Optional<ProxySession> newestWith(String capability, Predicate<ProxySession> eligible) {
        return sessions.values().stream()
                .filter(s -> s.isInitialized() && s.clientCapabilities().has(capability) && eligible.test(s))
                .max(Comparator.comparingLong(ProxySession::initializedAt));
    }

    /** Posts a notification to every initialized session that may hear from {@code server}, each in its own order. */
    void broadcast(String server, String method, JsonNode params) {
        for (ProxySession session : sessions.values()) {
            if (session.isInitialized() && session.view().exposes(server)) {
                session.post(method, params);
            }
        }
    }
}
