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
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One downstream client, and the edge where the wire (2025-era sessions: {@code initialize}, the session's
 * peer, {@code _meta.progressToken}) becomes the wire-independent {@link CallContext} the core works with.
 * Answers initialize, ping and the list requests itself and hands everything else to the {@link CallRouter}.
 */
final class ProxySession implements JsonRpcPeer.Handler {
    private static final Logger log = LoggerFactory.getLogger(ProxySession.class);
    /** Behind the one shared token every client is the same caller; a front with identities names it. */
    static final String ANONYMOUS = "anonymous";
    private static final ObjectNode SERVER_INFO = Json.object().put("name", "dynamic-mcp-proxy")
            .put("title", "Dynamic MCP Proxy").put("version", Version.get());

    private final ProxyCore core;
    private final DownstreamSession session;
    private final Outbox outbox;
    private volatile ObjectNode clientCapabilities = Json.object();
    private volatile ObjectNode clientInfo = Json.object();
    private volatile String protocolVersion;
    private volatile boolean initialized;
    private volatile long initializedAt;
    /** The list stamps this client was told of; null until it initialized. */
    private final AtomicReference<CatalogKeeper.Stamps> seenLists = new AtomicReference<>();

    ProxySession(ProxyCore core, DownstreamSession session, Outbox outbox) {
        this.core = core;
        this.session = session;
        this.outbox = outbox;
    }

    String id() {
        return session.id();
    }

    /** The profile this session was opened on; null for the default {@code /mcp}. */
    String profile() {
        return session.profile();
    }

    /** What this session sees now: its profile's view (looked up, so a live profile change applies at once). */
    ProfileView view() {
        return core.catalogs().view(profile());
    }

    boolean isInitialized() {
        return initialized;
    }

    /** When it initialized, by {@link SessionRegistry#nextInitialization}: larger is more recent. */
    long initializedAt() {
        return initializedAt;
    }

    ObjectNode clientCapabilities() {
        return clientCapabilities;
    }

    /** Queues a notification for this client; notifications reach it in the order posted. */
    void post(String method, JsonNode params) {
        outbox.post(method, params);
    }

    /**
     * The merged lists moved on to {@code now}: tells this client of the kinds that changed since it was last
     * told (or since it initialized). True when it was told something.
     */
    boolean listsChanged(CatalogKeeper.Stamps now) {
        while (true) {
            CatalogKeeper.Stamps seen = seenLists.get();
            if (seen == null) {
                return false;
            }
            List<String> methods = now.changedSince(seen);
            if (methods.isEmpty()) {
                return false;
            }
            if (seenLists.compareAndSet(seen, seen.max(now))) {
                methods.forEach(method -> post(method, null));
                return true;
            }
        }
    }

    /** Ends the downstream session (its transport then reports it closed). */
    void closeDownstream() {
        session.close();
    }

    void closed() {
        initialized = false;
        outbox.close();
    }

    /** The OAuth user behind the session ({@code Principal.key()}), else {@value #ANONYMOUS}. */
    String caller() {
        return session.caller() != null ? session.caller() : ANONYMOUS;
    }

    /** The context of a request that belongs to no call of this client (roots/list while idle). */
    CallContext sessionContext() {
        return new CallContext(id(), caller(), profile(), clientCapabilities, clientInfo, protocolVersion,
                CallContext.ProgressSink.NONE,
                (method, params, timeout) -> session.peer().request(method, params, RequestOptions.timeout(timeout)),
                new CallContext.CancelHandle());
    }

    /** The context of one of this client's requests: its progress token and its stream, from the wire. */
    private CallContext callContext(ObjectNode request, ObjectNode params) {
        JsonNode requestId = request.get("id");
        JsonNode token = params.path("_meta").get("progressToken");
        CallContext.ProgressSink progress = CallContext.ProgressSink.forToken(token,
                mapped -> session.peer().sendNotification(McpMethods.PROGRESS, mapped, requestId));
        return new CallContext(id(), caller(), profile(), clientCapabilities, clientInfo, protocolVersion, progress,
                (method, p, timeout) -> session.peer().request(method, p,
                        RequestOptions.timeout(timeout).relatedTo(requestId)),
                new CallContext.CancelHandle());
    }

    @Override
    public CompletableFuture<JsonNode> onRequest(ObjectNode request) {
        String method = JsonRpc.method(request);
        ObjectNode params = JsonRpc.params(request);
        CallRouter calls = core.calls();
        try {
            return switch (method) {
                case McpMethods.INITIALIZE -> CompletableFuture.completedFuture(initialize(params));
                case McpMethods.PING -> CompletableFuture.completedFuture(Json.object());
                case McpMethods.TOOLS_LIST -> list("tools", Catalog::tools, params);
                case McpMethods.PROMPTS_LIST -> list("prompts", Catalog::prompts, params);
                case McpMethods.RESOURCES_LIST -> list("resources", Catalog::resources, params);
                case McpMethods.RESOURCES_TEMPLATES_LIST ->
                        list("resourceTemplates", Catalog::resourceTemplates, params);
                case McpMethods.TOOLS_CALL -> routed(request, params, calls::callTool);
                case McpMethods.PROMPTS_GET -> routed(request, params, calls::getPrompt);
                case McpMethods.RESOURCES_READ -> routed(request, params, calls::readResource);
                case McpMethods.RESOURCES_SUBSCRIBE -> routed(request, params, calls::subscribe);
                case McpMethods.RESOURCES_UNSUBSCRIBE -> unsubscribe(params);
                case McpMethods.COMPLETION_COMPLETE -> routed(request, params, calls::complete);
                case McpMethods.LOGGING_SET_LEVEL -> setLogLevel(params);
                default -> throw new McpException(JsonRpc.METHOD_NOT_FOUND, "Method not found: " + method);
            };
        } catch (McpException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Hands a request to the core with its context. When the transport cancels the returned future (the
     * client's notifications/cancelled, or the session ending), the context's cancel fires with the reason the
     * cancel carries, so the upstream hears the client's own words.
     */
    private CompletableFuture<JsonNode> routed(ObjectNode request, ObjectNode params,
                                               BiFunction<CallContext, ObjectNode, CompletableFuture<JsonNode>> route) {
        CallContext context = callContext(request, params);
        CompletableFuture<JsonNode> answer = route.apply(context, params);
        answer.whenComplete((value, failure) -> {
            if (answer.isCancelled()) {
                context.cancel().cancel(ClientRequestRouter.reasonOf(failure, "cancelled by the client"));
            }
        });
        return answer;
    }

    @Override
    public void onNotification(ObjectNode notification) {
        String method = JsonRpc.method(notification);
        switch (method) {
            case McpMethods.INITIALIZED -> {
                seenLists.compareAndSet(null, view().stamps()); // a client that skipped initialize
                initialized = true;
            }
            case McpMethods.ROOTS_LIST_CHANGED -> {
                ProfileView view = view();
                for (String server : core.upstreams().readyServers()) {
                    if (view.exposes(server)) { // servers outside the profile never ask this client for roots
                        core.upstreams().notify(server, method, notification.get("params"));
                    }
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
        initializedAt = core.sessions().nextInitialization();
        seenLists.compareAndSet(null, view().stamps()); // it lists what is there now
        initialized = true; // lenient: some clients send requests before notifications/initialized
        core.upstreams().clientArrived();

        ObjectNode result = Json.object().put("protocolVersion", protocolVersion);
        result.set("capabilities", serverCapabilities());
        result.set("serverInfo", serverInfo());
        result.put("instructions", instructions(core, view()));
        log.info("session {} initialized by {} {} (protocol {}{})", DownstreamSession.logId(session.id()),
                clientInfo.path("name").asText("?"), clientInfo.path("version").asText(""), protocolVersion,
                profile() == null ? "" : ", profile " + profile());
        return result;
    }

    /**
     * What the merged server can do, the same whichever revision the client speaks: the proxy serves every
     * kind itself (an empty list when no upstream offers one) and tells of every change.
     */
    static ObjectNode serverCapabilities() {
        ObjectNode capabilities = Json.object();
        capabilities.putObject("tools").put("listChanged", true);
        capabilities.putObject("prompts").put("listChanged", true);
        capabilities.putObject("resources").put("subscribe", true).put("listChanged", true);
        capabilities.putObject("logging");
        capabilities.putObject("completions");
        return capabilities;
    }

    /** The proxy's name and version: one node for every answer that carries it (shared: never changed). */
    static ObjectNode serverInfo() {
        return SERVER_INFO;
    }

    /** What the merged server says at initialize / discover: how names are made, then each server's own words. */
    static String instructions(ProxyCore core, ProfileView view) {
        StringBuilder text = new StringBuilder("Dynamic MCP Proxy: one MCP server in front of several.");
        if (core.settings().namespace() == dev.dynamicmcp.config.NamespaceMode.PREFIX) {
            text.append(" Tool and prompt names start with their server's name and \"")
                    .append(core.settings().separator()).append("\".");
        }
        for (Map.Entry<String, String> entry : core.catalogs().instructionsByServer(view).entrySet()) {
            text.append("\n\n## ").append(entry.getKey()).append("\n").append(entry.getValue());
        }
        return text.toString();
    }

    private CompletableFuture<JsonNode> list(String key, Function<Catalog, List<ObjectNode>> items, ObjectNode params) {
        Catalog catalog = view().catalog(); // one snapshot: the cached page must match its items
        return CompletableFuture.completedFuture(catalog.page(key, items.apply(catalog), params, core.pageSize()));
    }

    private CompletableFuture<JsonNode> unsubscribe(ObjectNode params) {
        core.subscriptions().remove(id(), params.path("uri").asText(""));
        return CompletableFuture.completedFuture(Json.object());
    }

    private CompletableFuture<JsonNode> setLogLevel(ObjectNode params) {
        String level = params.path("level").asText("");
        int index = LogLevels.indexOf(level);
        if (index < 0) {
            throw new McpException(JsonRpc.INVALID_PARAMS, "unknown log level \"" + level + "\"; one of "
                    + LogLevels.LEVELS);
        }
        core.logLevels().request(id(), index);
        return core.logLevels().apply(core.upstreams().readyServers()).thenApply(done -> Json.object());
    }
}
