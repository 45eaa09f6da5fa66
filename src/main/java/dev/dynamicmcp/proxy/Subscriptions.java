package dev.dynamicmcp.proxy;

import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.McpMethods;
import dev.dynamicmcp.protocol.RequestOptions;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The resources each client follows. A shared upstream session holds one subscription per URI for all
 * clients: it is dropped upstream when the last client lets go, and made again when the server reconnects.
 * Isolated upstream sessions belong to one client, which subscribes and unsubscribes on them itself.
 */
final class Subscriptions {
    private static final Logger log = LoggerFactory.getLogger(Subscriptions.class);

    private final Upstreams upstreams;
    private final Supplier<Catalog> catalog;
    private final Map<String, Set<String>> bySession = new ConcurrentHashMap<>();

    Subscriptions(Upstreams upstreams, Supplier<Catalog> catalog) {
        this.upstreams = upstreams;
        this.catalog = catalog;
    }

    /** The upstream accepted the session's subscription. */
    void add(String sessionId, String uri) {
        bySession.computeIfAbsent(sessionId, id -> ConcurrentHashMap.newKeySet()).add(uri);
    }

    boolean follows(String sessionId, String uri) {
        Set<String> uris = bySession.get(sessionId);
        return uris != null && uris.contains(uri);
    }

    Set<String> of(String sessionId) {
        return bySession.getOrDefault(sessionId, Set.of());
    }

    /** The client unsubscribed; the upstream hears of it when no other client follows the URI. */
    void remove(String sessionId, String uri) {
        Set<String> uris = bySession.get(sessionId);
        if (uris != null && uris.remove(uri)) {
            release(uri);
        }
    }

    /** The client is gone: what only it followed is dropped upstream. */
    void sessionClosed(String sessionId) {
        Set<String> uris = bySession.remove(sessionId);
        if (uris != null) {
            uris.forEach(this::release);
        }
    }

    /** The server reconnected: its new upstream session gets the subscriptions the clients hold on it. */
    void restore(String server) {
        if (upstreams.isolated(server)) {
            return; // isolated sessions are opened anew per client, which subscribes on them itself
        }
        Set<String> uris = new TreeSet<>();
        for (Set<String> followed : bySession.values()) {
            for (String uri : followed) {
                if (catalog.get().resourceServer(uri).filter(server::equals).isPresent()) {
                    uris.add(uri);
                }
            }
        }
        for (String uri : uris) {
            upstreams.send(server, McpMethods.RESOURCES_SUBSCRIBE, Json.object().put("uri", uri),
                    RequestOptions.timeout(upstreams.requestTimeout(server))).result().whenComplete((r, failure) -> {
                        if (failure != null) {
                            log.warn("server \"{}\": could not subscribe to {} again: {}", server, uri, failure.toString());
                        }
                    });
        }
        if (!uris.isEmpty()) {
            log.info("server \"{}\": subscribed again to {} resource(s) the clients follow", server, uris.size());
        }
    }

    private void release(String uri) {
        if (catalog.get().resourceServer(uri).filter(upstreams::isolated).isPresent()) {
            return; // the client's own isolated session: it closes with the client, or unsubscribed already
        }
        if (bySession.values().stream().anyMatch(uris -> uris.contains(uri))) {
            return;
        }
        catalog.get().resourceServer(uri).ifPresent(server ->
                upstreams.send(server, McpMethods.RESOURCES_UNSUBSCRIBE, Json.object().put("uri", uri),
                        RequestOptions.timeout(upstreams.requestTimeout(server))));
    }
}
