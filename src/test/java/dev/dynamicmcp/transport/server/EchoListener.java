package dev.dynamicmcp.transport.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.JsonRpcPeer;
import dev.dynamicmcp.protocol.McpException;
import dev.dynamicmcp.protocol.McpMethods;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A tiny proxy stand-in: answers initialize with a fixed result, {@code echo} with its params, sends a related
 * progress notification before answering {@code slow}, never answers {@code hang} (its future is kept to see
 * it cancelled), and sends unrelated notifications when told.
 */
final class EchoListener implements SessionListener {
    final Map<String, DownstreamSession> open = new ConcurrentHashMap<>();
    final List<String> closed = new CopyOnWriteArrayList<>();
    final List<ObjectNode> notifications = new CopyOnWriteArrayList<>();
    final List<CompletableFuture<JsonNode>> hanging = new CopyOnWriteArrayList<>();

    @Override
    public JsonRpcPeer.Handler opened(DownstreamSession session) {
        open.put(session.id(), session);
        return new JsonRpcPeer.Handler() {
            @Override
            public CompletableFuture<JsonNode> onRequest(ObjectNode request) {
                ObjectNode params = JsonRpc.params(request);
                return switch (JsonRpc.method(request)) {
                    case McpMethods.INITIALIZE -> CompletableFuture.completedFuture(initializeResult(params));
                    case "echo" -> CompletableFuture.completedFuture(params);
                    case McpMethods.PING -> CompletableFuture.completedFuture(Json.object());
                    case "slow" -> {
                        ObjectNode progress = Json.object().put("progressToken", "p1").put("progress", 1);
                        session.peer().sendNotification(McpMethods.PROGRESS, progress, request.get("id"));
                        yield CompletableFuture.completedFuture(Json.object().put("done", true));
                    }
                    case "hang" -> {
                        CompletableFuture<JsonNode> never = new CompletableFuture<>();
                        hanging.add(never);
                        yield never;
                    }
                    case McpMethods.TOOLS_LIST -> CompletableFuture.completedFuture(toolsList());
                    case McpMethods.TOOLS_CALL -> CompletableFuture.completedFuture(toolResult(params));
                    default -> CompletableFuture.failedFuture(new McpException(JsonRpc.METHOD_NOT_FOUND,
                            "no method " + JsonRpc.method(request)));
                };
            }

            @Override
            public void onNotification(ObjectNode notification) {
                notifications.add(notification);
            }
        };
    }

    @Override
    public void closed(DownstreamSession session) {
        open.remove(session.id());
        closed.add(session.id());
    }

    /** Sends a notification that belongs to no request: it must travel on the standalone stream. */
    void notifyUnrelated(String sessionId, String method) {
        open.get(sessionId).peer().sendNotification(method, Json.object());
    }

    private static ObjectNode initializeResult(ObjectNode params) {
        String asked = params.path("protocolVersion").asText(McpMethods.LATEST_PROTOCOL_VERSION);
        ObjectNode result = Json.object();
        result.put("protocolVersion", McpMethods.PROTOCOL_VERSIONS.contains(asked)
                ? asked : McpMethods.LATEST_PROTOCOL_VERSION);
        result.set("capabilities", Json.object().set("tools", Json.object()));
        result.set("serverInfo", Json.object().put("name", "echo").put("version", "1.0"));
        return result;
    }

    private static ObjectNode toolsList() {
        ObjectNode tool = Json.object().put("name", "echo").put("description", "echoes its text");
        ObjectNode schema = Json.object().put("type", "object");
        schema.set("properties", Json.object().set("text", Json.object().put("type", "string")));
        tool.set("inputSchema", schema);
        ObjectNode result = Json.object();
        result.set("tools", Json.array().add(tool));
        return result;
    }

    private static ObjectNode toolResult(ObjectNode params) {
        String text = params.path("arguments").path("text").asText("");
        ObjectNode result = Json.object();
        result.set("content", Json.array().add(Json.object().put("type", "text").put("text", "echo: " + text)));
        result.put("isError", false);
        return result;
    }
}
