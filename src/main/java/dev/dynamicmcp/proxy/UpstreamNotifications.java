package dev.dynamicmcp.proxy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.McpMethods;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a server's notifications go: list_changed makes the catalog list the server again; a resource update
 * goes to the clients that follow the resource; a log message to the clients whose level it meets (named by
 * its server when it names no logger); anything else to every client (an isolated session's only to its own).
 * Progress of a running request never comes here (the request's own listener takes it). A client whose
 * profile does not expose the server hears none of them.
 */
final class UpstreamNotifications {
    private static final Logger log = LoggerFactory.getLogger(UpstreamNotifications.class);

    private final SessionRegistry sessions;
    private final CatalogKeeper catalogs;
    private final Subscriptions subscriptions;
    private final LogLevels logLevels;
    private final ListenStreams listens;
    private final ModernLogs modernLogs;

    UpstreamNotifications(SessionRegistry sessions, CatalogKeeper catalogs, Subscriptions subscriptions,
                          LogLevels logLevels, ListenStreams listens, ModernLogs modernLogs) {
        this.listens = listens;
        this.modernLogs = modernLogs;
        this.sessions = sessions;
        this.catalogs = catalogs;
        this.subscriptions = subscriptions;
        this.logLevels = logLevels;
    }

    void fromShared(String server, ObjectNode notification) {
        String method = JsonRpc.method(notification);
        ObjectNode params = JsonRpc.params(notification);
        switch (method) {
            case McpMethods.TOOLS_LIST_CHANGED, McpMethods.PROMPTS_LIST_CHANGED, McpMethods.RESOURCES_LIST_CHANGED ->
                    catalogs.refresh(server);
            case McpMethods.RESOURCES_UPDATED -> {
                String uri = params.path("uri").asText("");
                for (ProxySession session : sessions.all()) {
                    if (subscriptions.follows(session.id(), uri) && session.view().exposes(server)) {
                        session.post(method, notification.get("params"));
                    }
                }
                listens.resourceUpdated(uri, notification.get("params"));
            }
            case McpMethods.LOGGING_MESSAGE -> {
                ObjectNode forwarded = params.has("logger") ? params : Json.shallowCopy(params).put("logger", server);
                String level = forwarded.path("level").asText("info");
                for (ProxySession session : sessions.initialized()) {
                    if (logLevels.wants(session.id(), level) && session.view().exposes(server)) {
                        session.post(method, forwarded);
                    }
                }
                modernLogs.fromShared(server, forwarded);
            }
            case McpMethods.PROGRESS -> log.debug("server \"{}\" sent progress for no running request: {}", server, params);
            default -> sessions.broadcast(server, method, notification.get("params"));
        }
    }

    void fromIsolated(String sessionId, String server, ObjectNode notification) {
        String method = JsonRpc.method(notification);
        switch (method) {
            case McpMethods.TOOLS_LIST_CHANGED, McpMethods.PROMPTS_LIST_CHANGED, McpMethods.RESOURCES_LIST_CHANGED ->
                    catalogs.refresh(server);
            case McpMethods.PROGRESS -> log.debug("isolated session of \"{}\" sent progress for no running request", server);
            case McpMethods.LOGGING_MESSAGE -> {
                ObjectNode params = JsonRpc.params(notification);
                modernLogs.fromIsolated(sessionId, params.has("logger") ? params
                        : Json.shallowCopy(params).put("logger", server));
                sessions.get(sessionId).filter(s -> s.isInitialized() && s.view().exposes(server))
                        .ifPresent(session -> session.post(method, notification.get("params")));
            }
            default -> sessions.get(sessionId).filter(s -> s.isInitialized() && s.view().exposes(server))
                    .ifPresent(session -> session.post(method, notification.get("params")));
        }
    }
}
