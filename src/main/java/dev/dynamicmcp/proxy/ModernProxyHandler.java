package dev.dynamicmcp.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.McpException;
import dev.dynamicmcp.protocol.McpMeta;
import dev.dynamicmcp.protocol.McpResults;
import dev.dynamicmcp.protocol.McpMethods;
import dev.dynamicmcp.protocol.PendingRequest;
import dev.dynamicmcp.proxy.bridge.BridgeStore;
import dev.dynamicmcp.proxy.bridge.MrtrChannel;
import dev.dynamicmcp.runtime.Failures;
import dev.dynamicmcp.transport.server.ModernEndpoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The merged server for clients of MCP 2026-07-28: the stateless counterpart of {@link ProxySession}. Each
 * request carries its own envelope ({@code _meta}: version, client capabilities, client info, log level); this
 * edge turns it into the same {@link CallContext} a session's request gets, so the core never learns the
 * revision, and keeps nothing once the answer is out (an open {@code subscriptions/listen} lives as long as its
 * request). Answers {@code server/discover} and the lists itself, routes calls through the {@link CallRouter},
 * and adds what the revision asks of every result ({@code resultType}, server info, cache hints).
 *
 * <p>A 2025-era upstream's own request (sampling, elicitation, roots) made while serving a modern client's
 * call goes through the revision bridge ({@code proxy/bridge}): the client's request is answered
 * {@code input_required} while the upstream call stays parked, and the client's retry (it carries the
 * proxy's {@code requestState}) brings the answers. When the client did not declare the capability at all,
 * the client's call fails with -32021. A 2026-07-28 upstream's own {@code input_required} passes through
 * unchanged (never cached, its {@code requestState} opaque), and the client's retry goes back to that server
 * like any call, by the name it names: nothing is kept per client.
 */
final class ModernProxyHandler implements ModernEndpoint {
    private static final Logger log = LoggerFactory.getLogger(ModernProxyHandler.class);
    /** Methods a 2025-era client knew that the revision removed; answered -32601 like any unknown method. */
    private static final Set<String> REMOVED = Set.of(McpMethods.INITIALIZE, McpMethods.PING,
            McpMethods.LOGGING_SET_LEVEL, McpMethods.RESOURCES_SUBSCRIBE, McpMethods.RESOURCES_UNSUBSCRIBE);

    private final ProxyCore core;
    private final ListenStreams listens;
    private final ModernLogs logs;
    private final BridgeStore bridge;
    private final AtomicLong requests = new AtomicLong();

    ModernProxyHandler(ProxyCore core, ListenStreams listens, ModernLogs logs, BridgeStore bridge) {
        this.core = core;
        this.listens = listens;
        this.logs = logs;
        this.bridge = bridge;
    }

    @Override
    public List<String> supportedVersions() {
        List<String> versions = new ArrayList<>(McpMeta.MODERN_VERSIONS);
        versions.addAll(McpMethods.PROTOCOL_VERSIONS);
        return versions;
    }

    @Override
    public CompletableFuture<JsonNode> request(ObjectNode request, String caller, Consumer<ObjectNode> related) {
        String method = JsonRpc.method(request);
        ObjectNode params = JsonRpc.params(request);
        CallRouter calls = core.calls();
        try {
            return switch (method) {
                case McpMethods.SERVER_DISCOVER -> CompletableFuture.completedFuture(discover());
                case McpMethods.TOOLS_LIST -> list(McpMethods.TOOLS_LIST, "tools", Catalog::tools, params);
                case McpMethods.PROMPTS_LIST -> list(McpMethods.PROMPTS_LIST, "prompts", Catalog::prompts, params);
                case McpMethods.RESOURCES_LIST ->
                        list(McpMethods.RESOURCES_LIST, "resources", Catalog::resources, params);
                case McpMethods.RESOURCES_TEMPLATES_LIST -> list(McpMethods.RESOURCES_TEMPLATES_LIST,
                        "resourceTemplates", Catalog::resourceTemplates, params);
                case McpMethods.TOOLS_CALL -> routed(request, caller, related, calls::callTool, false);
                case McpMethods.PROMPTS_GET -> routed(request, caller, related, calls::getPrompt, false);
                case McpMethods.RESOURCES_READ -> routed(request, caller, related, calls::readResource, true);
                case McpMethods.COMPLETION_COMPLETE -> routed(request, caller, related, calls::complete, false);
                case McpMethods.SUBSCRIPTIONS_LISTEN -> listen(request, caller, related);
                default -> throw new McpException(JsonRpc.METHOD_NOT_FOUND, "Method not found: " + method
                        + (REMOVED.contains(method) ? " (MCP 2026-07-28 removed it)" : ""));
            };
        } catch (McpException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private ObjectNode discover() {
        ObjectNode result = Json.object().put(McpResults.RESULT_TYPE, McpResults.COMPLETE);
        supportedVersions().forEach(result.putArray("supportedVersions")::add);
        result.set("capabilities", ProxySession.serverCapabilities());
        result.put("instructions", ProxySession.instructions(core, core.catalogs().view(null)));
        hint(McpMethods.SERVER_DISCOVER, core.upstreams().readyServers()).writeTo(result);
        result.putObject("_meta").set(McpMeta.SERVER_INFO, ProxySession.serverInfo());
        return result;
    }

    /** A page of a merged list, as cacheable as the least cacheable server in it. */
    private CompletableFuture<JsonNode> list(String method, String key, Function<Catalog, List<ObjectNode>> items,
                                             ObjectNode params) {
        Catalog catalog = core.catalog();
        ObjectNode page = catalog.page(key, items.apply(catalog), params, core.pageSize()).deepCopy();
        page.put(McpResults.RESULT_TYPE, McpResults.COMPLETE);
        hint(method, catalog.servers()).writeTo(page);
        page.putObject("_meta").set(McpMeta.SERVER_INFO, ProxySession.serverInfo());
        return CompletableFuture.completedFuture(page);
    }

    private CacheHint hint(String method, List<String> servers) {
        List<CacheHint> parts = new ArrayList<>();
        for (String server : servers) {
            parts.add(core.upstreams().cacheHint(server, method).orElse(CacheHint.UNCACHEABLE));
        }
        return CacheHint.merge(parts);
    }

    /**
     * Hands a call to the core with a context built from the request's envelope. The client going away (the
     * returned future cancelled) cancels upstream with the client's reason, as for a session.
     */
    private CompletableFuture<JsonNode> routed(ObjectNode request, String caller, Consumer<ObjectNode> related,
                                               BiFunction<CallContext, ObjectNode, CompletableFuture<JsonNode>> route,
                                               boolean cacheable) {
        ObjectNode params = JsonRpc.params(request);
        // a 2026-07-28 server's input_required reached the client as it was; its retry goes back to it by name,
        // state and responses untouched (they are the server's business). Any other retry is of a parked call.
        // (asked only of a retry: a first call carries neither, and the lookup is the router's again)
        boolean retry = params.has(McpResults.REQUEST_STATE) || params.has(McpResults.INPUT_RESPONSES);
        boolean passThrough = retry && core.calls().routesToModern(null, JsonRpc.method(request), params);
        if (params.has(McpResults.REQUEST_STATE) && !passThrough) { // only the bridge may answer it
            return bridge.retry(JsonRpc.method(request), target(params), params, related);
        }
        ObjectNode meta = McpMeta.requestMeta(request);
        String sessionId = "modern-" + requests.incrementAndGet();
        // an answer the edge gives before the upstream's: -32021 (the server asked for what the client did
        // not declare); the bridge answers input_required through the channel and keeps the upstream call
        CompletableFuture<JsonNode> early = new CompletableFuture<>();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        // before the call starts: the edge's answer must win over the upstream's failure its own cancel causes
        // (missingCapability completes early, then cancels the upstream call, maybe before this method returns)
        early.whenComplete((result, failure) -> {
            if (failure != null) {
                answer.completeExceptionally(failure);
            } else {
                answer.complete(result);
            }
        });
        CallContext.CancelHandle cancel = new CallContext.CancelHandle();
        MrtrChannel channel = bridge.open(JsonRpc.method(request), target(params), params, answer, related,
                cancel::cancel);
        CallContext context = context(sessionId, caller, meta, params, channel::relay, early, channel, cancel);
        int level = LogLevels.indexOf(meta.path(McpMeta.LOG_LEVEL).asText(""));
        if (level >= 0) {
            logs.open(sessionId, level, log -> channel.relay(JsonRpc.notification(McpMethods.LOGGING_MESSAGE, log)));
            core.logLevels().request(sessionId, level);
            core.logLevels().raiseFor(level, core.upstreams()::readyServers); // servers must send at least that
        }
        CompletableFuture<JsonNode> upstream;
        try {
            ObjectNode upstreamParams = McpMeta.withoutEnvelope(params);
            if (retry && !passThrough) { // for a 2025-era server, responses without the proxy's state answer nothing
                upstreamParams = Json.shallowCopy(upstreamParams);
                upstreamParams.remove(McpResults.INPUT_RESPONSES);
            }
            upstream = route.apply(context, upstreamParams);
        } catch (RuntimeException e) {
            upstream = CompletableFuture.failedFuture(e);
        }
        channel.finished(upstream.handle((result, failure) -> {
            if (failure != null) {
                throw new java.util.concurrent.CompletionException(modernError(request, failure));
            }
            ObjectNode modern = McpMeta.modernResult(result, ProxySession.serverInfo());
            boolean complete = McpResults.COMPLETE.equals(modern.path(McpResults.RESULT_TYPE).asText());
            if (cacheable && complete && !modern.has("ttlMs")) {
                CacheHint.UNCACHEABLE.writeTo(modern); // a 2025-era server's read: no hints, so none
            }
            return (JsonNode) modern;
        }));
        answer.whenComplete((value, failure) -> {
            if (answer.isCancelled()) {
                cancel.cancel(ClientRequestRouter.reasonOf(failure, "cancelled by the client"));
            }
        });
        // the call's logs, log level and isolated sessions live as long as the call, across its rounds
        channel.done().whenComplete((v, f) -> {
            logs.close(sessionId);
            core.logLevels().forget(sessionId);
            closeIsolated(sessionId);
        });
        return answer;
    }

    /** What a state is bound to besides the method: the name or uri the client called (downstream). */
    private static String target(ObjectNode params) {
        if (params.has("name")) {
            return params.path("name").asText();
        }
        if (params.has("uri")) {
            return params.path("uri").asText();
        }
        JsonNode ref = params.path("ref");
        return ref.path("name").asText(ref.path("uri").asText(""));
    }

    /**
     * A stateless client has no session to give an isolated upstream session ({@code "isolation": "session"})
     * to, so such a session lives one request: it closes when the answer is out. Closing waits for the
     * upstream, so it runs on the scheduler, not on the thread that completed the answer.
     */
    private void closeIsolated(String sessionId) {
        Upstreams upstreams = core.upstreams();
        if (upstreams.anyIsolated()) {
            core.scheduler().execute("modern-isolated-close", () -> upstreams.sessionClosed(sessionId));
        }
    }

    /** The proxy is stopping: every listen stream ends gracefully (a result on its request). */
    @Override
    public void stopping() {
        listens.closeAll();
    }

    /**
     * The context of one modern request: the same shape a session's request gets, from the envelope. A call's
     * server requests go through its {@code channel} (the bridge); a listen has none (servers ask within calls).
     */
    private CallContext context(String sessionId, String caller, ObjectNode meta, ObjectNode params,
                                Consumer<ObjectNode> related,
                                CompletableFuture<JsonNode> early, MrtrChannel channel,
                                CallContext.CancelHandle cancel) {
        ObjectNode capabilities = meta.get(McpMeta.CLIENT_CAPABILITIES) instanceof ObjectNode c ? c : Json.object();
        ObjectNode info = meta.get(McpMeta.CLIENT_INFO) instanceof ObjectNode i ? i : Json.object();
        String version = meta.path(McpMeta.PROTOCOL_VERSION).asText();
        JsonNode token = params.path("_meta").get("progressToken");
        CallContext.ProgressSink progress = CallContext.ProgressSink.forToken(token,
                mapped -> related.accept(JsonRpc.notification(McpMethods.PROGRESS, mapped)));
        CallContext.ClientRequests requests = new CallContext.ClientRequests() {
            @Override
            public PendingRequest send(String method, JsonNode p, Duration timeout) {
                if (channel == null) {
                    log.info("{} from an upstream outside a 2026-07-28 client's call refused", method);
                    return PendingRequest.local(method, CompletableFuture.failedFuture(new McpException(
                            JsonRpc.INTERNAL_ERROR, method + " cannot reach a 2026-07-28 client outside one of its calls")),
                            reason -> { });
                }
                return channel.ask(method, p);
            }

            @Override
            public Duration waitAllowance() {
                return channel == null ? Duration.ZERO : bridge.limits().inputTimeout();
            }

            @Override
            public void missingCapability(String method, String capability) {
                if (McpMethods.ROOTS_LIST.equals(method)) {
                    // servers ask for roots on their own (at connect, after roots changed), and on a shared
                    // stdio connection the proxy can only guess which call a request belongs to: the refusal
                    // goes to the server, the call is not failed for what it may never have asked
                    return;
                }
                // what the revision says a server answers when a request needs an undeclared capability
                early.completeExceptionally(new McpException(McpMeta.MISSING_CLIENT_CAPABILITY,
                        "the server behind the proxy needs the client capability \"" + capability + "\" (it asked "
                                + method + "), which the request's _meta did not declare",
                        McpMeta.missingCapabilityData(capability)));
                cancel.cancel("the client lacks the " + capability + " capability the server asked for");
            }
        };
        // profiles are served to the session revisions only: a modern request sees the default view (the HTTP and
        // stdio servers refuse modern requests on a profile's endpoint)
        // the caller comes from this request's own bearer token, as a session's comes from its initialize: a
        // per-user server (oauth.perUser) then uses this user's upstream credential and connection
        return new CallContext(sessionId, caller == null ? ProxySession.ANONYMOUS : caller, null, capabilities, info,
                version, progress, requests, cancel);
    }

    /** Errors as the revision names them: resource not found is -32602 (was -32002), keeping data.uri. */
    private static Throwable modernError(ObjectNode request, Throwable failure) {
        Throwable cause = Failures.unwrap(failure);
        if (cause instanceof McpException mcp && mcp.code() == McpMeta.RESOURCE_NOT_FOUND_LEGACY
                && McpMethods.RESOURCES_READ.equals(JsonRpc.method(request))) {
            JsonNode data = mcp.data() instanceof ObjectNode d ? d
                    : Json.object().put("uri", JsonRpc.params(request).path("uri").asText(""));
            return new McpException(JsonRpc.INVALID_PARAMS, mcp.getMessage(), data);
        }
        return cause;
    }

    private CompletableFuture<JsonNode> listen(ObjectNode request, String caller, Consumer<ObjectNode> related) {
        String key = "listen-" + requests.incrementAndGet();
        ObjectNode meta = McpMeta.requestMeta(request);
        CallContext context = context(key, caller, meta, JsonRpc.params(request), related, new CompletableFuture<>(),
                null, new CallContext.CancelHandle());
        return listens.open(request, key, related,
                uri -> core.calls().subscribe(context, Json.object().put("uri", uri)));
    }
}
