package dev.dynamicmcp.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.McpException;
import dev.dynamicmcp.protocol.McpMeta;
import dev.dynamicmcp.protocol.McpMethods;
import dev.dynamicmcp.protocol.PendingRequest;
import dev.dynamicmcp.protocol.RequestOptions;
import dev.dynamicmcp.runtime.Scheduler;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a {@link McpClient} does differently with an MCP 2026-07-28 server, so the proxy above it needs no
 * change: every request gets the {@code _meta} envelope; the methods that revision removed are answered here
 * ({@code logging/setLevel} becomes the {@code logLevel} of later requests, {@code resources/subscribe} joins
 * the {@link UpstreamListen} stream, {@code ping} becomes {@code server/discover}); tools whose
 * {@code x-mcp-header} annotations are invalid are dropped from {@code tools/list}; and notifications of the
 * listen stream reach the client's listeners in their 2025 shape (without the subscription id).
 */
final class ModernSession {
    private static final Logger log = LoggerFactory.getLogger(ModernSession.class);

    /** Sends a request on the connection (the client's send path: over HTTP without waiting for headers). */
    @FunctionalInterface
    interface Sender {
        PendingRequest send(String method, JsonNode params, RequestOptions options);
    }

    private final String serverName;
    private final String protocolVersion;
    private final McpClient.Options options;
    private final Sender sender;
    private final XMcpHeaders headers = new XMcpHeaders();
    private final UpstreamListen listen;
    private volatile String logLevel;

    ModernSession(String serverName, String protocolVersion, McpClient.Options options, ObjectNode capabilities,
                  Sender sender, Scheduler scheduler) {
        this.serverName = serverName;
        this.protocolVersion = protocolVersion;
        this.options = options;
        this.sender = sender;
        // a listen request runs as long as the stream: no timeout (zero), the stream's end is its answer
        this.listen = new UpstreamListen(serverName, capabilities,
                params -> send(McpMethods.SUBSCRIPTIONS_LISTEN, params, RequestOptions.timeout(Duration.ZERO)),
                scheduler);
    }

    String protocolVersion() {
        return protocolVersion;
    }

    /** The {@code Mcp-Param-*} headers of a tools/call, for the HTTP transport. */
    Map<String, String> paramHeaders(ObjectNode message) {
        return headers.headersFor(message);
    }

    /** The log level later requests carry; null when none was set. */
    String logLevel() {
        return logLevel;
    }

    void start() {
        listen.start();
    }

    void close() {
        listen.close();
    }

    PendingRequest request(String method, JsonNode params, RequestOptions requestOptions) {
        switch (method) {
            case McpMethods.PING -> {
                return LocalRequests.mapped(send(McpMethods.SERVER_DISCOVER, null, requestOptions), r -> Json.object());
            }
            case McpMethods.LOGGING_SET_LEVEL -> {
                logLevel = params == null ? null : params.path("level").asText(null);
                return answered(method, Json.object());
            }
            case McpMethods.RESOURCES_SUBSCRIBE, McpMethods.RESOURCES_UNSUBSCRIBE -> {
                return subscription(method, params);
            }
            case McpMethods.INITIALIZE -> {
                return failed(method, new McpException(JsonRpc.METHOD_NOT_FOUND, "server \"" + serverName
                        + "\" speaks MCP " + protocolVersion + ", which has no initialize"));
            }
            default -> {
                PendingRequest sent = send(method, params, requestOptions);
                return McpMethods.TOOLS_LIST.equals(method) ? LocalRequests.mapped(sent, this::validTools) : sent;
            }
        }
    }

    private PendingRequest send(String method, JsonNode params, RequestOptions requestOptions) {
        return sender.send(method, McpMeta.withEnvelope(params, protocolVersion, options.capabilities(),
                options.clientInfo(), logLevel), requestOptions);
    }

    private PendingRequest subscription(String method, JsonNode params) {
        String uri = params == null ? null : params.path("uri").asText(null);
        if (uri == null) {
            return failed(method, new McpException(JsonRpc.INVALID_PARAMS, method + " needs a uri"));
        }
        if (!listen.canSubscribe()) {
            return failed(method, new McpException(JsonRpc.METHOD_NOT_FOUND, "server \"" + serverName
                    + "\" does not offer resource subscriptions"));
        }
        if (McpMethods.RESOURCES_SUBSCRIBE.equals(method)) {
            listen.subscribe(uri);
        } else {
            listen.unsubscribe(uri);
        }
        return answered(method, Json.object());
    }

    /**
     * A notification from the server: the listen stream's acknowledgement is taken here (null); the others
     * lose their subscription id, so they look as a 2025 server's do. One of a stream being replaced is
     * delivered too: a list_changed twice costs a re-list, one lost costs a stale catalog.
     */
    ObjectNode onNotification(ObjectNode notification) {
        if (!(notification.path("params").path("_meta") instanceof ObjectNode meta)
                || !meta.has(McpMeta.SUBSCRIPTION_ID)) {
            return notification;
        }
        JsonNode subscriptionId = meta.get(McpMeta.SUBSCRIPTION_ID);
        if (UpstreamListen.isAck(notification)) {
            listen.acknowledged(subscriptionId, notification.path("params").get("notifications"));
            return null;
        }
        ObjectNode copy = notification.deepCopy();
        ObjectNode copyMeta = (ObjectNode) copy.path("params").path("_meta");
        copyMeta.remove(McpMeta.SUBSCRIPTION_ID);
        if (copyMeta.isEmpty()) {
            ((ObjectNode) copy.get("params")).remove("_meta");
        }
        return copy;
    }

    /** tools/list without the tools a client must not offer (invalid {@code x-mcp-header}); learns the others. */
    private JsonNode validTools(JsonNode result) {
        if (!(result instanceof ObjectNode object) || !(object.get("tools") instanceof ArrayNode tools)) {
            return result;
        }
        ArrayNode kept = Json.array();
        for (JsonNode tool : tools) {
            String name = tool.path("name").asText("");
            String[] problem = new String[1];
            List<XMcpHeaders.Declaration> declarations = XMcpHeaders.scan(tool.path("inputSchema"), problem);
            if (declarations == null) {
                log.warn("server \"{}\": tool \"{}\" left out: {}", serverName, name, problem[0]);
                continue;
            }
            headers.learn(name, declarations);
            kept.add(tool);
        }
        if (kept.size() == tools.size()) {
            return result;
        }
        ObjectNode copy = object.deepCopy();
        copy.set("tools", kept);
        return copy;
    }

    private static PendingRequest answered(String method, JsonNode value) {
        return PendingRequest.local(method, CompletableFuture.completedFuture(value), reason -> { });
    }

    private static PendingRequest failed(String method, Throwable failure) {
        return PendingRequest.local(method, CompletableFuture.failedFuture(failure), reason -> { });
    }
}
