package dev.dynamicmcp.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.config.ProxySettings;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.JsonRpcPeer;
import dev.dynamicmcp.protocol.McpException;
import dev.dynamicmcp.protocol.McpMethods;
import dev.dynamicmcp.protocol.PendingRequest;
import dev.dynamicmcp.protocol.RequestOptions;
import dev.dynamicmcp.transport.server.DownstreamSession;
import dev.dynamicmcp.transport.server.SessionListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The merged server: keeps the {@link Catalog} of every READY upstream, serves each downstream session
 * ({@link ProxySession}), routes upstream notifications and server-to-client requests to the right sessions,
 * and tells sessions when the merged lists change.
 *
 * <p>Upstream-session model: one shared upstream connection per server. A server's own requests
 * (sampling, elicitation, roots) go to the downstream session whose call to that server is running (the most
 * recent one when several are); with no call running, roots/list goes to the most recent session that
 * announced roots.
 */
final class ProxyCore implements SessionListener {
    private static final Logger log = LoggerFactory.getLogger(ProxyCore.class);
    /** How long a human may take to answer an elicitation or approve a sampling request. */
    static final Duration CLIENT_REQUEST_TIMEOUT = Duration.ofMinutes(10);
    /** MCP log levels, most verbose first. */
    static final List<String> LOG_LEVELS =
            List.of("debug", "info", "notice", "warning", "error", "critical", "alert", "emergency");

    private final ProxySettings settings;
    private final Upstreams upstreams;
    private final int pageSize;
    private final Function<String, Integer> configOrder;
    private final ReentrantLock catalogLock = new ReentrantLock();
    /** Guarded by catalogLock. */
    private final Map<String, ServerLists> lists = new LinkedHashMap<>();
    private final AtomicReference<Catalog> catalog = new AtomicReference<>(Catalog.EMPTY);
    private final AtomicLong catalogVersion = new AtomicLong();
    private final Map<String, ProxySession> sessions = new ConcurrentHashMap<>();
    /** Per server, the downstream calls running on it, newest last. */
    private final Map<String, Deque<CallContext>> activeCalls = new ConcurrentHashMap<>();
    /** Servers being listed again; TRUE when another list_changed came meanwhile. */
    private final Map<String, Boolean> refreshing = new ConcurrentHashMap<>();

    /** A downstream request being served by an upstream server. */
    static final class CallContext {
        final ProxySession session;
        final JsonNode downstreamId;
        final String server;
        /** The request sent upstream for it; set once sent. */
        volatile PendingRequest upstream;

        CallContext(ProxySession session, JsonNode downstreamId, String server) {
            this.session = session;
            this.downstreamId = downstreamId;
            this.server = server;
        }

        ProxySession session() {
            return session;
        }

        JsonNode downstreamId() {
            return downstreamId;
        }

        String server() {
            return server;
        }

        boolean sentAs(JsonNode upstreamId) {
            PendingRequest request = upstream;
            JsonNode id = request == null ? null : request.id();
            return id != null && id.asText().equals(upstreamId.asText());
        }
    }

    /**
     * @param configOrder position of a server in the config (lower first): decides collisions and order
     */
    ProxyCore(ProxySettings settings, Upstreams upstreams, int pageSize, Function<String, Integer> configOrder) {
        this.settings = settings;
        this.upstreams = upstreams;
        this.pageSize = pageSize;
        this.configOrder = configOrder;
    }

    ProxySettings settings() {
        return settings;
    }

    Upstreams upstreams() {
        return upstreams;
    }

    int pageSize() {
        return pageSize;
    }

    Catalog catalog() {
        return catalog.get();
    }

    int sessionCount() {
        return sessions.size();
    }

    Collection<ProxySession> sessions() {
        return sessions.values();
    }

    /** The instructions of every READY server that gave some, in config order. */
    Map<String, String> instructionsByServer() {
        Map<String, String> byServer = new LinkedHashMap<>();
        catalogLock.lock();
        try {
            List<ServerLists> ordered = new ArrayList<>(lists.values());
            ordered.sort(Comparator.comparing(l -> configOrder.apply(l.server())));
            for (ServerLists serverLists : ordered) {
                if (serverLists.instructions() != null && !serverLists.instructions().isBlank()) {
                    byServer.put(serverLists.server(), serverLists.instructions());
                }
            }
        } finally {
            catalogLock.unlock();
        }
        return byServer;
    }

    // ---- catalog ------------------------------------------------------------------------------------

    /** A server became READY, or its lists changed. */
    void serverUpdated(ServerLists serverLists) {
        rebuild(map -> map.put(serverLists.server(), serverLists));
    }

    /** A server is down or removed: its items leave the lists. */
    void serverGone(String server) {
        rebuild(map -> map.remove(server));
    }

    private void rebuild(java.util.function.Consumer<Map<String, ServerLists>> change) {
        Catalog before;
        Catalog after;
        catalogLock.lock();
        try {
            before = catalog.get();
            change.accept(lists);
            List<ServerLists> ordered = new ArrayList<>(lists.values());
            ordered.sort(Comparator.comparing(l -> configOrder.apply(l.server())));
            after = Catalog.build(catalogVersion.incrementAndGet(), ordered, settings.namespace(), settings.separator());
            catalog.set(after);
        } finally {
            catalogLock.unlock();
        }
        List<String> changed = new ArrayList<>();
        if (!before.tools().equals(after.tools())) {
            changed.add(McpMethods.TOOLS_LIST_CHANGED);
        }
        if (!before.prompts().equals(after.prompts())) {
            changed.add(McpMethods.PROMPTS_LIST_CHANGED);
        }
        if (!before.resources().equals(after.resources())
                || !before.resourceTemplates().equals(after.resourceTemplates())) {
            changed.add(McpMethods.RESOURCES_LIST_CHANGED);
        }
        if (!changed.isEmpty()) {
            log.info("merged lists changed ({} tools, {} prompts, {} resources from {}): telling {} session(s)",
                    after.tools().size(), after.prompts().size(), after.resources().size(), after.servers(),
                    sessions.size());
            for (String method : changed) {
                broadcast(method, null);
            }
        }
    }

    /** An upstream said its lists changed: list them again, once at a time per server. */
    void refresh(String server) {
        Boolean running = refreshing.putIfAbsent(server, Boolean.FALSE);
        if (running != null) {
            refreshing.put(server, Boolean.TRUE); // changed again while listing: list once more afterwards
            return;
        }
        upstreams.discover(server).whenComplete((serverLists, failure) -> {
            if (failure != null) {
                log.warn("server \"{}\": listing after list_changed failed: {}", server, failure.toString());
            } else if (upstreams.readyServers().contains(server)) {
                serverUpdated(serverLists);
            }
            if (Boolean.TRUE.equals(refreshing.remove(server))) {
                refresh(server);
            }
        });
    }

    /** Sends every READY server with logging the most verbose level any client asked for. */
    CompletableFuture<Void> applyLogLevel(Collection<String> servers) {
        Optional<Integer> lowest = sessions.values().stream().map(ProxySession::requestedLogLevel)
                .filter(java.util.Objects::nonNull).min(Integer::compare);
        if (lowest.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        String level = LOG_LEVELS.get(lowest.get());
        List<CompletableFuture<JsonNode>> sent = new ArrayList<>();
        for (String server : servers) {
            if (upstreams.hasCapability(server, "logging")) {
                sent.add(upstreams.send(server, McpMethods.LOGGING_SET_LEVEL, Json.object().put("level", level),
                                RequestOptions.timeout(upstreams.requestTimeout(server))).result()
                        .exceptionally(failure -> {
                            log.warn("server \"{}\" refused logging/setLevel {}: {}", server, level, failure.toString());
                            return null;
                        }));
            }
        }
        return CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new));
    }

    /**
     * A server (re)connected: its new upstream session gets the resource subscriptions and the log level the
     * clients asked for, which lived in the old one.
     */
    void restoreSessionState(String server) {
        applyLogLevel(List.of(server));
        if (upstreams.isolated(server)) {
            return; // isolated sessions are opened anew per client, which subscribes on them itself
        }
        java.util.Set<String> uris = new java.util.TreeSet<>();
        for (ProxySession session : sessions.values()) {
            for (String uri : session.subscriptions()) {
                if (catalog().resourceServer(uri).filter(server::equals).isPresent()) {
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

    // ---- sessions -----------------------------------------------------------------------------------

    @Override
    public JsonRpcPeer.Handler opened(DownstreamSession session) {
        ProxySession proxySession = new ProxySession(this, session);
        sessions.put(session.id(), proxySession);
        log.debug("session {} opened over {}", session.id(), session.transport());
        return proxySession;
    }

    @Override
    public void closed(DownstreamSession session) {
        ProxySession proxySession = sessions.remove(session.id());
        if (proxySession == null) {
            return;
        }
        proxySession.closed();
        for (String uri : proxySession.subscriptions()) {
            releaseSubscription(proxySession, uri);
        }
        upstreams.sessionClosed(session.id());
        log.debug("session {} closed", session.id());
    }

    /** Sends a notification to every initialized session, each on its own virtual thread. */
    void broadcast(String method, JsonNode params) {
        for (ProxySession session : sessions.values()) {
            if (session.isInitialized()) {
                Thread.ofVirtual().start(() -> session.peer().sendNotification(method, params));
            }
        }
    }

    // ---- calls --------------------------------------------------------------------------------------

    CallContext callStarted(ProxySession session, JsonNode downstreamId, String server) {
        CallContext context = new CallContext(session, downstreamId, server);
        activeCalls.computeIfAbsent(server, s -> new ConcurrentLinkedDeque<>()).addLast(context);
        return context;
    }

    void callEnded(CallContext context) {
        Deque<CallContext> calls = activeCalls.get(context.server());
        if (calls != null) {
            calls.remove(context);
        }
    }

    /**
     * Forwards a downstream request to a server and maps the outcome back: progress notifications carry the
     * client's own token, a cancel by the client cancels upstream, failures name the server.
     */
    CompletableFuture<JsonNode> forward(ProxySession session, ObjectNode downstreamRequest, String server,
                                        String method, ObjectNode params) {
        JsonNode downstreamId = downstreamRequest.get("id");
        Duration timeout = upstreams.requestTimeout(server);
        RequestOptions options = RequestOptions.timeout(timeout);
        JsonNode clientToken = params.path("_meta").get("progressToken");
        if (clientToken != null && !clientToken.isNull()) {
            options = options.withProgress(progress -> {
                ObjectNode mapped = Json.shallowCopy(progress);
                mapped.set("progressToken", clientToken);
                session.peer().sendNotification(McpMethods.PROGRESS, mapped, downstreamId);
            }, timeout.multipliedBy(10));
        }
        CallContext context = callStarted(session, downstreamId, server);
        PendingRequest pending = upstreams.isolated(server)
                ? upstreams.sendIsolated(session.id(), server, method, params, options)
                : upstreams.send(server, method, params, options);
        context.upstream = pending;
        CompletableFuture<JsonNode> result = new CompletableFuture<>();
        pending.result().whenComplete((value, failure) -> {
            callEnded(context);
            if (failure == null) {
                result.complete(value);
            } else {
                result.completeExceptionally(failure);
            }
        });
        result.whenComplete((value, failure) -> {
            if (result.isCancelled()) {
                callEnded(context);
                pending.cancel("cancelled by the client");
            }
        });
        return result;
    }

    // ---- upstream to downstream --------------------------------------------------------------------

    /** A notification from an upstream server. */
    void upstreamNotification(String server, ObjectNode notification) {
        String method = JsonRpc.method(notification);
        ObjectNode params = JsonRpc.params(notification);
        switch (method) {
            case McpMethods.TOOLS_LIST_CHANGED, McpMethods.PROMPTS_LIST_CHANGED, McpMethods.RESOURCES_LIST_CHANGED ->
                    refresh(server);
            case McpMethods.RESOURCES_UPDATED -> {
                String uri = params.path("uri").asText("");
                for (ProxySession session : sessions.values()) {
                    if (session.subscriptions().contains(uri)) {
                        session.peer().sendNotification(method, notification.get("params"));
                    }
                }
            }
            case McpMethods.LOGGING_MESSAGE -> {
                ObjectNode forwarded = params;
                if (!params.has("logger")) {
                    forwarded = Json.shallowCopy(params).put("logger", server);
                }
                for (ProxySession session : sessions.values()) {
                    if (session.isInitialized() && session.wantsLog(forwarded.path("level").asText("info"))) {
                        session.peer().sendNotification(method, forwarded);
                    }
                }
            }
            case McpMethods.PROGRESS -> log.debug("server \"{}\" sent progress for no running request: {}", server, params);
            default -> broadcast(method, notification.get("params"));
        }
    }

    /**
     * A request from an upstream server (sampling, elicitation, roots) for the client behind its call. Over
     * Streamable HTTP the request comes on the stream of the upstream request it belongs to
     * ({@code relatedUpstreamId}), which names the call exactly; otherwise (stdio) it goes to the newest call
     * to that server whose client can answer it.
     */
    CompletableFuture<JsonNode> upstreamRequest(String server, ObjectNode request, JsonNode relatedUpstreamId) {
        String capability = clientCapabilityFor(JsonRpc.method(request));
        Deque<CallContext> calls = activeCalls.getOrDefault(server, new java.util.ArrayDeque<>());
        Optional<CallContext> context = Optional.empty();
        if (relatedUpstreamId != null) {
            context = calls.stream().filter(call -> call.sentAs(relatedUpstreamId)).findFirst();
        }
        if (context.isEmpty()) {
            List<CallContext> newestFirst = new ArrayList<>(calls);
            java.util.Collections.reverse(newestFirst);
            context = newestFirst.stream()
                    .filter(call -> capability == null || call.session().clientCapabilities().has(capability))
                    .findFirst().or(() -> newestFirst.stream().findFirst());
        }
        ProxySession session = context.map(CallContext::session).orElse(null);
        if (session == null && capability != null) {
            session = sessions.values().stream()
                    .filter(s -> s.isInitialized() && s.clientCapabilities().has(capability))
                    .reduce((first, second) -> second).orElse(null);
        }
        return toClient(session, context.map(CallContext::downstreamId).orElse(null), server, request);
    }

    /** A request from the isolated upstream session of one client session: it goes to that client. */
    CompletableFuture<JsonNode> isolatedUpstreamRequest(String sessionId, String server, ObjectNode request) {
        ProxySession session = sessions.get(sessionId);
        JsonNode relatedId = activeCalls.getOrDefault(server, new java.util.ArrayDeque<>()).stream()
                .filter(call -> call.session() == session).reduce((first, second) -> second)
                .map(CallContext::downstreamId).orElse(null);
        return toClient(session, relatedId, server, request);
    }

    /** A notification from the isolated upstream session of one client session. */
    void isolatedUpstreamNotification(String sessionId, String server, ObjectNode notification) {
        String method = JsonRpc.method(notification);
        ProxySession session = sessions.get(sessionId);
        switch (method) {
            case McpMethods.TOOLS_LIST_CHANGED, McpMethods.PROMPTS_LIST_CHANGED, McpMethods.RESOURCES_LIST_CHANGED ->
                    refresh(server);
            case McpMethods.PROGRESS -> log.debug("isolated session of \"{}\" sent progress for no running request", server);
            default -> {
                if (session != null && session.isInitialized()) {
                    session.peer().sendNotification(method, notification.get("params"));
                }
            }
        }
    }

    private static String clientCapabilityFor(String method) {
        return switch (method) {
            case McpMethods.SAMPLING_CREATE_MESSAGE -> "sampling";
            case McpMethods.ELICITATION_CREATE -> "elicitation";
            case McpMethods.ROOTS_LIST -> "roots";
            default -> null;
        };
    }

    private CompletableFuture<JsonNode> toClient(ProxySession session, JsonNode relatedId, String server,
                                                 ObjectNode request) {
        String method = JsonRpc.method(request);
        String capability = clientCapabilityFor(method);
        if (session == null) {
            return CompletableFuture.failedFuture(new McpException(JsonRpc.INTERNAL_ERROR,
                    "the proxy has no client session to send " + method + " from server \"" + server + "\" to"));
        }
        if (capability != null && !session.clientCapabilities().has(capability)) {
            return CompletableFuture.failedFuture(new McpException(JsonRpc.METHOD_NOT_FOUND,
                    "the client behind the proxy does not support " + capability + " (" + method
                            + " from server \"" + server + "\")"));
        }
        PendingRequest pending = session.peer().request(method, request.get("params"),
                RequestOptions.timeout(CLIENT_REQUEST_TIMEOUT).relatedTo(relatedId));
        CompletableFuture<JsonNode> result = pending.result().copy();
        result.whenComplete((value, failure) -> {
            if (result.isCancelled()) {
                pending.cancel("cancelled by server \"" + server + "\"");
            }
        });
        return result;
    }

    // ---- resource subscriptions ---------------------------------------------------------------------

    void releaseSubscription(ProxySession leaving, String uri) {
        if (catalog().resourceServer(uri).filter(upstreams::isolated).isPresent()) {
            return; // the client's own isolated session: it closes with the client, or unsubscribed already
        }
        boolean stillWanted = sessions.values().stream()
                .anyMatch(s -> s != leaving && s.subscriptions().contains(uri));
        if (stillWanted) {
            return;
        }
        catalog().resourceServer(uri).ifPresent(server ->
                upstreams.send(server, McpMethods.RESOURCES_UNSUBSCRIBE,
                        Json.object().put("uri", uri),
                        RequestOptions.timeout(upstreams.requestTimeout(server))));
    }
}
