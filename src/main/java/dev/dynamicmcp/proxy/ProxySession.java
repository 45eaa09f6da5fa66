package dev.dynamicmcp.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.client.Version;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.JsonRpcPeer;
import dev.dynamicmcp.protocol.McpException;
import dev.dynamicmcp.protocol.McpMethods;
import dev.dynamicmcp.protocol.RequestOptions;
import dev.dynamicmcp.transport.server.DownstreamSession;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One downstream client's view of the merged server: answers initialize, ping and the list requests itself,
 * and routes everything else to the upstream that owns the tool, prompt or resource.
 */
final class ProxySession implements JsonRpcPeer.Handler {
    private static final Logger log = LoggerFactory.getLogger(ProxySession.class);

    private final ProxyCore core;
    private final DownstreamSession session;
    private final Set<String> subscriptions = ConcurrentHashMap.newKeySet();
    private volatile ObjectNode clientCapabilities = Json.object();
    private volatile ObjectNode clientInfo = Json.object();
    private volatile String protocolVersion;
    private volatile boolean initialized;
    /** Index in {@link ProxyCore#LOG_LEVELS} this client asked for; null until it asks. */
    private volatile Integer requestedLogLevel;

    ProxySession(ProxyCore core, DownstreamSession session) {
        this.core = core;
        this.session = session;
    }

    JsonRpcPeer peer() {
        return session.peer();
    }

    String id() {
        return session.id();
    }

    boolean isInitialized() {
        return initialized;
    }

    ObjectNode clientCapabilities() {
        return clientCapabilities;
    }

    ObjectNode clientInfo() {
        return clientInfo;
    }

    Set<String> subscriptions() {
        return subscriptions;
    }

    boolean wantsLog(String level) {
        Integer requested = requestedLogLevel;
        int index = ProxyCore.LOG_LEVELS.indexOf(level);
        return requested == null || index < 0 || index >= requested;
    }

    Integer requestedLogLevel() {
        return requestedLogLevel;
    }

    void closed() {
        initialized = false;
    }

    @Override
    public CompletableFuture<JsonNode> onRequest(ObjectNode request) {
        String method = JsonRpc.method(request);
        ObjectNode params = JsonRpc.params(request);
        try {
            return switch (method) {
                case McpMethods.INITIALIZE -> CompletableFuture.completedFuture(initialize(params));
                case McpMethods.PING -> CompletableFuture.completedFuture(Json.object());
                case McpMethods.TOOLS_LIST -> list("tools", Catalog::tools, params);
                case McpMethods.PROMPTS_LIST -> list("prompts", Catalog::prompts, params);
                case McpMethods.RESOURCES_LIST -> list("resources", Catalog::resources, params);
                case McpMethods.RESOURCES_TEMPLATES_LIST ->
                        list("resourceTemplates", Catalog::resourceTemplates, params);
                case McpMethods.TOOLS_CALL -> callTool(request, params);
                case McpMethods.PROMPTS_GET -> getPrompt(request, params);
                case McpMethods.RESOURCES_READ -> byUri(request, params, method);
                case McpMethods.RESOURCES_SUBSCRIBE -> subscribe(request, params);
                case McpMethods.RESOURCES_UNSUBSCRIBE -> unsubscribe(params);
                case McpMethods.COMPLETION_COMPLETE -> complete(request, params);
                case McpMethods.LOGGING_SET_LEVEL -> setLogLevel(params);
                default -> throw new McpException(JsonRpc.METHOD_NOT_FOUND, "Method not found: " + method);
            };
        } catch (McpException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public void onNotification(ObjectNode notification) {
        String method = JsonRpc.method(notification);
        switch (method) {
            case McpMethods.INITIALIZED -> initialized = true;
            case McpMethods.ROOTS_LIST_CHANGED -> {
                for (String server : core.upstreams().readyServers()) {
                    core.upstreams().notify(server, method, notification.get("params"));
                }
            }
            default -> log.debug("session {}: ignored notification {}", session.id(), method);
        }
    }

    private ObjectNode initialize(ObjectNode params) {
        JsonNode requested = params.get("protocolVersion");
        if (requested == null || !requested.isTextual()) {
            throw new McpException(JsonRpc.INVALID_PARAMS, "initialize needs params.protocolVersion (a string)");
        }
        protocolVersion = McpMethods.PROTOCOL_VERSIONS.contains(requested.asText())
                ? requested.asText() : McpMethods.LATEST_PROTOCOL_VERSION;
        clientCapabilities = params.get("capabilities") instanceof ObjectNode c ? c : Json.object();
        clientInfo = params.get("clientInfo") instanceof ObjectNode i ? i : Json.object();
        initialized = true; // lenient: some clients send requests before notifications/initialized
        core.upstreams().clientArrived();

        ObjectNode result = Json.object().put("protocolVersion", protocolVersion);
        ObjectNode capabilities = result.putObject("capabilities");
        capabilities.putObject("tools").put("listChanged", true);
        capabilities.putObject("prompts").put("listChanged", true);
        capabilities.putObject("resources").put("subscribe", true).put("listChanged", true);
        capabilities.putObject("logging");
        capabilities.putObject("completions");
        result.putObject("serverInfo").put("name", "dynamic-mcp-proxy").put("title", "Dynamic MCP Proxy")
                .put("version", Version.get());
        result.put("instructions", instructions());
        log.info("session {} initialized by {} {} (protocol {})", session.id(),
                clientInfo.path("name").asText("?"), clientInfo.path("version").asText(""), protocolVersion);
        return result;
    }

    private String instructions() {
        StringBuilder text = new StringBuilder("Dynamic MCP Proxy: one MCP server in front of several.");
        if (core.settings().namespace() == dev.dynamicmcp.config.NamespaceMode.PREFIX) {
            text.append(" Tool and prompt names start with their server's name and \"")
                    .append(core.settings().separator()).append("\".");
        }
        for (Map.Entry<String, String> entry : core.instructionsByServer().entrySet()) {
            text.append("\n\n## ").append(entry.getKey()).append("\n").append(entry.getValue());
        }
        return text.toString();
    }

    private CompletableFuture<JsonNode> list(String key, java.util.function.Function<Catalog, List<ObjectNode>> items,
                                             ObjectNode params) {
        Catalog catalog = core.catalog(); // one snapshot: the cached page must match its items
        return CompletableFuture.completedFuture(catalog.page(key, items.apply(catalog), params, core.pageSize()));
    }

    private CompletableFuture<JsonNode> callTool(ObjectNode request, ObjectNode params) {
        String name = params.path("name").asText("");
        Catalog.Route route = core.catalog().tool(name)
                .orElseThrow(() -> new McpException(JsonRpc.INVALID_PARAMS, "Unknown tool: " + name
                        + (name.isEmpty() ? " (params.name is missing)" : "")));
        ObjectNode upstreamParams = Json.shallowCopy(params).put("name", route.originalName());
        CompletableFuture<JsonNode> forwarded = core.forward(this, request, route.server(), McpMethods.TOOLS_CALL,
                upstreamParams);
        return cancelsSource(forwarded.exceptionallyCompose(failure -> toolFailure(route.server(), failure)),
                forwarded);
    }

    /** A cancel of the derived future (the client's notifications/cancelled) must reach the upstream call. */
    private static <T> CompletableFuture<T> cancelsSource(CompletableFuture<T> derived, CompletableFuture<?> source) {
        derived.whenComplete((value, failure) -> {
            if (derived.isCancelled()) {
                source.cancel(true);
            }
        });
        return derived;
    }

    /**
     * A tool call that could not reach its server becomes a tool result with {@code isError}, so the model
     * sees why; an error the server itself answered passes through as that error.
     */
    private static CompletableFuture<JsonNode> toolFailure(String server, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof McpException mcp && !isReachFailure(mcp)) {
            return CompletableFuture.failedFuture(mcp);
        }
        String message = cause instanceof McpException ? cause.getMessage()
                : "server \"" + server + "\" failed: " + cause;
        ObjectNode result = Json.object();
        result.putArray("content").addObject().put("type", "text").put("text", message);
        result.put("isError", true);
        return CompletableFuture.completedFuture(result);
    }

    private static boolean isReachFailure(McpException e) {
        return e.isLocal();
    }

    private CompletableFuture<JsonNode> getPrompt(ObjectNode request, ObjectNode params) {
        String name = params.path("name").asText("");
        Catalog.Route route = core.catalog().prompt(name)
                .orElseThrow(() -> new McpException(JsonRpc.INVALID_PARAMS, "Unknown prompt: " + name));
        return core.forward(this, request, route.server(), McpMethods.PROMPTS_GET,
                Json.shallowCopy(params).put("name", route.originalName()));
    }

    private String serverOfUri(ObjectNode params) {
        String uri = params.path("uri").asText("");
        if (uri.isEmpty()) {
            throw new McpException(JsonRpc.INVALID_PARAMS, "params.uri is missing");
        }
        return core.catalog().resourceServer(uri).orElseThrow(() -> new McpException(-32002,
                "Resource not found: " + uri + " (no server behind the proxy offers it)",
                Json.object().put("uri", uri)));
    }

    private CompletableFuture<JsonNode> byUri(ObjectNode request, ObjectNode params, String method) {
        return core.forward(this, request, serverOfUri(params), method, params);
    }

    private CompletableFuture<JsonNode> subscribe(ObjectNode request, ObjectNode params) {
        String uri = params.path("uri").asText("");
        CompletableFuture<JsonNode> forwarded = byUri(request, params, McpMethods.RESOURCES_SUBSCRIBE);
        return cancelsSource(forwarded.thenApply(result -> {
            subscriptions.add(uri);
            return result;
        }), forwarded);
    }

    private CompletableFuture<JsonNode> unsubscribe(ObjectNode params) {
        String uri = params.path("uri").asText("");
        if (subscriptions.remove(uri)) {
            core.releaseSubscription(this, uri);
        }
        return CompletableFuture.completedFuture(Json.object());
    }

    private CompletableFuture<JsonNode> complete(ObjectNode request, ObjectNode params) {
        JsonNode ref = params.path("ref");
        String type = ref.path("type").asText("");
        switch (type) {
            case "ref/prompt" -> {
                String name = ref.path("name").asText("");
                Catalog.Route route = core.catalog().prompt(name)
                        .orElseThrow(() -> new McpException(JsonRpc.INVALID_PARAMS, "Unknown prompt: " + name));
                ObjectNode upstreamParams = Json.shallowCopy(params);
                upstreamParams.set("ref", Json.shallowCopy((ObjectNode) ref).put("name", route.originalName()));
                return core.forward(this, request, route.server(), McpMethods.COMPLETION_COMPLETE, upstreamParams);
            }
            case "ref/resource" -> {
                String uri = ref.path("uri").asText("");
                String server = core.catalog().resourceServer(uri).orElseThrow(() -> new McpException(
                        JsonRpc.INVALID_PARAMS, "no server behind the proxy offers resource " + uri));
                return core.forward(this, request, server, McpMethods.COMPLETION_COMPLETE, params);
            }
            default -> throw new McpException(JsonRpc.INVALID_PARAMS,
                    "completion/complete needs ref.type \"ref/prompt\" or \"ref/resource\", got \"" + type + "\"");
        }
    }

    private CompletableFuture<JsonNode> setLogLevel(ObjectNode params) {
        String level = params.path("level").asText("");
        int index = ProxyCore.LOG_LEVELS.indexOf(level);
        if (index < 0) {
            throw new McpException(JsonRpc.INVALID_PARAMS, "unknown log level \"" + level + "\"; one of "
                    + ProxyCore.LOG_LEVELS);
        }
        requestedLogLevel = index;
        return core.applyLogLevel(core.upstreams().readyServers()).thenApply(done -> Json.object());
    }
}
