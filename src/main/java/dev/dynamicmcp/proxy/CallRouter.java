package dev.dynamicmcp.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.McpException;
import dev.dynamicmcp.protocol.McpMeta;
import dev.dynamicmcp.protocol.McpMethods;
import dev.dynamicmcp.protocol.PendingRequest;
import dev.dynamicmcp.protocol.RequestOptions;
import dev.dynamicmcp.proxy.bridge.InputRequiredLoop;
import dev.dynamicmcp.runtime.Failures;
import dev.dynamicmcp.runtime.Futures;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Routes a client's tools/call, prompts/get, resources/read, resources/subscribe and completion/complete to the
 * upstream that owns the name or URI (its shared session, or the client's isolated one), relays progress to
 * the client and the client's cancel (with its reason) to the upstream, and maps failures back. A name that
 * only a server that is down offered is answered with that server's state, not as unknown. Every name is
 * looked up in the caller's {@link ProfileView}: outside its profile a name is unknown, with the same answer
 * as a name no server offers.
 */
final class CallRouter {
    private final Upstreams upstreams;
    private final CatalogKeeper catalogs;
    private final RunningCalls running;
    private final Subscriptions subscriptions;
    private final LogLevels logLevels;
    private final InputRequiredLoop bridge;

    CallRouter(Upstreams upstreams, CatalogKeeper catalogs, RunningCalls running, Subscriptions subscriptions,
               LogLevels logLevels, InputRequiredLoop bridge) {
        this.upstreams = upstreams;
        this.catalogs = catalogs;
        this.running = running;
        this.subscriptions = subscriptions;
        this.logLevels = logLevels;
        this.bridge = bridge;
    }

    /**
     * Completes when the proxy's start-up has listed the servers that were connecting. Until then a call to a name
     * no server offers yet waits for it (bounded by the start-up timeout) instead of failing: over stdio a client
     * is answered before the servers are up, and may call a tool it knows before it heard list_changed.
     */
    private volatile CompletableFuture<Void> startup = CompletableFuture.completedFuture(null);

    void startingUp(CompletableFuture<Void> listed) {
        this.startup = listed;
    }

    /** The call again once start-up finished, when the name is unknown only because start-up is still under way. */
    private Optional<CompletableFuture<JsonNode>> afterStartup(java.util.function.Supplier<CompletableFuture<JsonNode>> call) {
        CompletableFuture<Void> gate = startup;
        return gate.isDone() ? Optional.empty()
                : Optional.of(gate.handle((v, e) -> null).thenCompose(v -> call.get()));
    }

    CompletableFuture<JsonNode> callTool(CallContext context, ObjectNode params) {
        String name = params.path("name").asText("");
        ProfileView view = catalogs.view(context.profile());
        Optional<Catalog.Route> route = view.catalog().tool(name);
        if (route.isEmpty() && view.former().tool(name).isEmpty()) {
            Optional<CompletableFuture<JsonNode>> later = afterStartup(() -> callTool(context, params));
            if (later.isPresent()) {
                return later.get();
            }
        }
        CompletableFuture<JsonNode> outcome;
        String server;
        if (route.isPresent()) {
            server = route.get().server();
            outcome = forward(context, server, McpMethods.TOOLS_CALL,
                    Json.shallowCopy(params).put("name", route.get().originalName()));
        } else {
            server = view.former().tool(name).map(Catalog.Route::server).orElse(null);
            outcome = unavailable(server).orElseThrow(() -> new McpException(JsonRpc.INVALID_PARAMS,
                    "Unknown tool: " + name + (name.isEmpty() ? " (params.name is missing)" : "")));
        }
        return outcome.exceptionallyCompose(failure -> toolFailure(server, failure));
    }

    CompletableFuture<JsonNode> getPrompt(CallContext context, ObjectNode params) {
        String name = params.path("name").asText("");
        return byPrompt(context, name, route -> forward(context, route.server(), McpMethods.PROMPTS_GET,
                Json.shallowCopy(params).put("name", route.originalName())));
    }

    CompletableFuture<JsonNode> readResource(CallContext context, ObjectNode params) {
        return byUri(context, params, server -> forward(context, server, McpMethods.RESOURCES_READ, params));
    }

    /** Subscribes on the owning server; the subscription counts once the server accepted it. */
    CompletableFuture<JsonNode> subscribe(CallContext context, ObjectNode params) {
        String uri = params.path("uri").asText("");
        return byUri(context, params, server -> forward(context, server, McpMethods.RESOURCES_SUBSCRIBE, params))
                .thenApply(result -> {
                    subscriptions.add(context.sessionId(), uri);
                    return result;
                });
    }

    CompletableFuture<JsonNode> complete(CallContext context, ObjectNode params) {
        JsonNode ref = params.path("ref");
        String type = ref.path("type").asText("");
        switch (type) {
            case "ref/prompt" -> {
                return byPrompt(context, ref.path("name").asText(""), route -> {
                    ObjectNode upstreamParams = Json.shallowCopy(params);
                    upstreamParams.set("ref", Json.shallowCopy((ObjectNode) ref).put("name", route.originalName()));
                    return forward(context, route.server(), McpMethods.COMPLETION_COMPLETE, upstreamParams);
                });
            }
            case "ref/resource" -> {
                String uri = ref.path("uri").asText("");
                ProfileView view = catalogs.view(context.profile());
                Optional<String> server = view.catalog().resourceServer(uri);
                if (server.isPresent()) {
                    return forward(context, server.get(), McpMethods.COMPLETION_COMPLETE, params);
                }
                return unavailable(view.former().resourceServer(uri).orElse(null)).orElseThrow(() ->
                        new McpException(JsonRpc.INVALID_PARAMS, "no server behind the proxy offers resource " + uri));
            }
            default -> throw new McpException(JsonRpc.INVALID_PARAMS,
                    "completion/complete needs ref.type \"ref/prompt\" or \"ref/resource\", got \"" + type + "\"");
        }
    }

    /**
     * Sends a client's request to a server and maps the outcome back: progress goes to the client's sink, the
     * client's cancel cancels upstream with the client's reason, and the call is known as running meanwhile
     * (for the server's own requests). A 2026-07-28 server gets the caller's envelope; when the caller speaks
     * an earlier revision, the server's {@code input_required} answers are bridged (the client is asked with
     * ordinary requests, the server gets the answers in a retry), round after round.
     */
    CompletableFuture<JsonNode> forward(CallContext context, String server, String method, ObjectNode params) {
        if (!upstreams.isModern(server)) {
            return attempt(context, server, method, params);
        }
        ObjectNode modernParams = withCallersEnvelope(context, params);
        if (McpMeta.isModernVersion(context.protocolRevision())) {
            return attempt(context, server, method, modernParams); // input_required goes to the client as it is
        }
        CompletableFuture<JsonNode> bridged = bridge.run(method, modernParams, p -> attempt(context, server, method, p),
                new InputRequiredLoop.Client() {
                    @Override
                    public boolean can(String capability) {
                        return context.clientCan(capability);
                    }

                    @Override
                    public PendingRequest ask(String askMethod, JsonNode askParams, Duration timeout) {
                        return context.requests().send(askMethod, askParams, timeout);
                    }

                    @Override
                    public void onCancel(java.util.function.Consumer<String> action) {
                        context.cancel().onCancel(action);
                    }
                });
        CompletableFuture<JsonNode> answered = bridged.exceptionallyCompose(
                failure -> CompletableFuture.failedFuture(legacyError(method, failure)));
        Futures.forwardCancel(answered, bridged);
        return answered;
    }

    /**
     * A 2026-07-28 server's error as a caller of an earlier revision knows it: "resource not found" is -32602
     * whose data is exactly {@code {uri}} there (the SDKs' rule) and -32002 before, same message and data.
     */
    static Throwable legacyError(String method, Throwable failure) {
        Throwable cause = Failures.unwrap(failure);
        if (cause instanceof McpException mcp && mcp.code() == JsonRpc.INVALID_PARAMS
                && McpMethods.RESOURCES_READ.equals(method) && mcp.data() instanceof ObjectNode data
                && data.size() == 1 && data.path("uri").isTextual()) {
            return new McpException(McpMeta.RESOURCE_NOT_FOUND_LEGACY, mcp.getMessage(), data, mcp);
        }
        return failure;
    }

    /**
     * The params a 2026-07-28 server gets: what the caller can do (its declared capabilities: the server asks
     * only for what the client can answer, and refuses with -32021 otherwise) and the log level it asked for
     * ({@code logging/setLevel} of a session, {@code _meta} of a modern request): the revision has no
     * connection-wide level, so it rides on each request. The connection adds version and client info.
     */
    private ObjectNode withCallersEnvelope(CallContext context, ObjectNode params) {
        ObjectNode copy = Json.shallowCopy(params);
        ObjectNode meta = copy.get("_meta") instanceof ObjectNode given ? given.deepCopy() : Json.object();
        meta.set(McpMeta.CLIENT_CAPABILITIES, context.clientCapabilities().deepCopy());
        logLevels.levelOf(context.sessionId()).ifPresentOrElse(level -> meta.put(McpMeta.LOG_LEVEL, level),
                () -> meta.remove(McpMeta.LOG_LEVEL));
        copy.set("_meta", meta);
        return copy;
    }

    /**
     * True when the call names a tool, prompt or resource of a 2026-07-28 server: a retry of such a call
     * (with the server's {@code requestState}) goes to it as it is, routed by the name like any call.
     */
    boolean routesToModern(String profile, String method, ObjectNode params) {
        Catalog catalog = catalogs.view(profile).catalog();
        Optional<String> server = switch (method) {
            case McpMethods.TOOLS_CALL -> catalog.tool(params.path("name").asText("")).map(Catalog.Route::server);
            case McpMethods.PROMPTS_GET -> catalog.prompt(params.path("name").asText("")).map(Catalog.Route::server);
            case McpMethods.RESOURCES_READ -> catalog.resourceServer(params.path("uri").asText(""));
            default -> Optional.empty();
        };
        return server.filter(upstreams::isModern).isPresent();
    }

    /** One request upstream, with the call's progress, cancel and running-call bookkeeping. */
    private CompletableFuture<JsonNode> attempt(CallContext context, String server, String method, ObjectNode params) {
        Duration timeout = upstreams.requestTimeout(server).plus(context.requests().waitAllowance());
        RequestOptions options = RequestOptions.timeout(timeout);
        if (context.progress().wanted()) {
            options = options.withProgress(context.progress()::send, timeout.multipliedBy(10));
        }
        boolean perUser = upstreams.perUser(server);
        String userKey = perUser ? PerUserCalls.isolationKey(context, server) : null;
        RunningCalls.Call call = running.started(context, server);
        PendingRequest pending = perUser ? upstreams.sendIsolated(userKey, server, method, params, options)
                : upstreams.isolated(server) ? upstreams.sendIsolated(context.sessionId(), server, method, params, options)
                : upstreams.send(server, method, params, options);
        call.sentAs(pending);
        context.cancel().onCancel(reason -> {
            running.ended(call);
            pending.cancel(reason);
        });
        CompletableFuture<JsonNode> result = pending.result().whenComplete((value, failure) -> running.ended(call));
        return perUser ? PerUserCalls.mapped(server, result) : result;
    }

    private CompletableFuture<JsonNode> byPrompt(CallContext context, String name,
                                                 Function<Catalog.Route, CompletableFuture<JsonNode>> send) {
        ProfileView view = catalogs.view(context.profile());
        Optional<Catalog.Route> route = view.catalog().prompt(name);
        if (route.isEmpty() && view.former().prompt(name).isEmpty()) {
            Optional<CompletableFuture<JsonNode>> later = afterStartup(() -> byPrompt(context, name, send));
            if (later.isPresent()) {
                return later.get();
            }
        }
        if (route.isPresent()) {
            return send.apply(route.get());
        }
        return unavailable(view.former().prompt(name).map(Catalog.Route::server).orElse(null))
                .orElseThrow(() -> new McpException(JsonRpc.INVALID_PARAMS, "Unknown prompt: " + name));
    }

    private CompletableFuture<JsonNode> byUri(CallContext context, ObjectNode params,
                                              Function<String, CompletableFuture<JsonNode>> send) {
        String uri = params.path("uri").asText("");
        if (uri.isEmpty()) {
            throw new McpException(JsonRpc.INVALID_PARAMS, "params.uri is missing");
        }
        ProfileView view = catalogs.view(context.profile());
        Optional<String> server = view.catalog().resourceServer(uri);
        if (server.isPresent()) {
            return send.apply(server.get());
        }
        return unavailable(view.former().resourceServer(uri).orElse(null)).orElseThrow(() -> new McpException(
                -32002, "Resource not found: " + uri + " (no server behind the proxy offers it)",
                Json.object().put("uri", uri)));
    }

    /**
     * For a name that only {@code server} (now not READY) offered: the failure that says why it is not
     * available, as any other unavailability is said. Empty when no such server, it is READY again (its new
     * lists decide), or the manager no longer knows it (removed: the name is simply unknown).
     */
    private Optional<CompletableFuture<JsonNode>> unavailable(String server) {
        if (server == null || upstreams.readyServers().contains(server)) {
            return Optional.empty();
        }
        return upstreams.unavailableReason(server).map(reason ->
                CompletableFuture.failedFuture(McpException.local(JsonRpc.SERVER_UNAVAILABLE, reason, null)));
    }

    /**
     * A tool call that could not reach its server becomes a tool result with {@code isError}, so the model
     * sees why; an error the server itself answered passes through as that error.
     */
    private static CompletableFuture<JsonNode> toolFailure(String server, Throwable failure) {
        Throwable cause = Failures.unwrap(failure);
        if (cause instanceof McpException mcp && !mcp.isLocal()) {
            return CompletableFuture.failedFuture(mcp);
        }
        if (cause instanceof java.util.concurrent.CancellationException) {
            return CompletableFuture.failedFuture(cause);
        }
        String message = cause instanceof McpException ? cause.getMessage()
                : "server \"" + server + "\" failed: " + cause;
        ObjectNode result = Json.object();
        result.putArray("content").addObject().put("type", "text").put("text", message);
        result.put("isError", true);
        return CompletableFuture.completedFuture(result);
    }
}
