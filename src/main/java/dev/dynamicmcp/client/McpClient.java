package dev.dynamicmcp.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.JsonRpcPeer;
import dev.dynamicmcp.protocol.McpException;
import dev.dynamicmcp.protocol.McpMethods;
import dev.dynamicmcp.protocol.PendingRequest;
import dev.dynamicmcp.protocol.RequestOptions;
import dev.dynamicmcp.runtime.Failures;
import dev.dynamicmcp.runtime.Scheduler;
import dev.dynamicmcp.transport.Transport;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One MCP session with one upstream server, over any {@link Transport}: the client core. It opens the
 * session with its {@link Handshake} (the one revision-specific step), remembers what the server said about
 * itself, offers typed helpers for the common requests and a raw {@link #request} for everything else, and
 * hands the server's own requests (sampling, elicitation, roots) and notifications to whoever registered.
 *
 * <p>When a Streamable HTTP server has forgotten our session (404), {@link SessionRecovery} opens a new one,
 * replays the {@link SessionState} (subscriptions, log level) and re-sends the request, so the caller never
 * sees the 404. The same state can be given to a new client after a reconnect ({@link #restore}).
 */
public final class McpClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(McpClient.class);
    private static final int MAX_PAGES = 10_000;

    /**
     * @param clientInfo   our {@code clientInfo} in initialize
     * @param capabilities the client capabilities we announce (the proxy announces what it can relay)
     */
    public record Options(ObjectNode clientInfo, ObjectNode capabilities, Duration requestTimeout) {
        public static Options defaults() {
            ObjectNode info = Json.object().put("name", "dynamic-mcp-proxy").put("version", Version.get());
            return new Options(info, Json.object(), Duration.ofSeconds(60));
        }
    }

    /** Answers a server-to-client request (sampling, elicitation, roots, ping). */
    @FunctionalInterface
    public interface RequestHandler {
        CompletableFuture<JsonNode> handle(ObjectNode request);

        /** A request that came on the stream of our request {@code relatedRequestId} (Streamable HTTP). */
        default CompletableFuture<JsonNode> handle(ObjectNode request, JsonNode relatedRequestId) {
            return handle(request);
        }
    }

    private final String serverName;
    private final Transport transport;
    private final Options options;
    private final Handshake handshake;
    private final JsonRpcPeer peer;
    private final Scheduler scheduler;
    private final SessionState sessionState = new SessionState();
    private final SessionRecovery recovery;
    private final List<Consumer<ObjectNode>> notificationListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<Throwable>> closeListeners = new CopyOnWriteArrayList<>();
    private final AtomicLong badInputs = new AtomicLong();
    private final AtomicBoolean closeHandled = new AtomicBoolean();
    private volatile RequestHandler requestHandler = McpClient::refuse;
    private volatile InitializeResult initializeResult;
    /** Set when the server speaks MCP 2026-07-28 (stateless); null for the 2025 revisions. */
    private volatile ModernSession modern;
    private volatile boolean open;

    /** A client on a scheduler of its own (its peer's, closed with it), opening with initialize. */
    public McpClient(String serverName, Transport transport, Options options) {
        this(serverName, transport, options, null, Handshake.initialize());
    }

    /** @param scheduler the proxy's one scheduler (timeouts, session recovery); null: one of its own */
    public McpClient(String serverName, Transport transport, Options options, Scheduler scheduler) {
        this(serverName, transport, options, scheduler, Handshake.initialize());
    }

    /**
     * @param scheduler the proxy's one scheduler (timeouts, session recovery); null: one of its own
     * @param handshake how the session is opened ({@link Handshake#initialize()} for the 2025 revisions)
     */
    public McpClient(String serverName, Transport transport, Options options, Scheduler scheduler,
                     Handshake handshake) {
        this.serverName = serverName;
        this.transport = transport;
        this.options = options;
        this.handshake = Objects.requireNonNull(handshake, "handshake");
        this.peer = new JsonRpcPeer("server \"" + serverName + "\"", new JsonRpcPeer.Sender() {
            @Override
            public void send(ObjectNode message) throws IOException {
                transport.send(message);
            }

            @Override
            public CompletableFuture<Void> sendAsync(ObjectNode message, JsonNode relatedRequestId) {
                return transport.sendAsync(message);
            }
        }, new JsonRpcPeer.Handler() {
            @Override
            public CompletableFuture<JsonNode> onRequest(ObjectNode request) {
                return onRequest(request, null);
            }

            @Override
            public CompletableFuture<JsonNode> onRequest(ObjectNode request, JsonNode relatedRequestId) {
                if (McpMethods.PING.equals(JsonRpc.method(request))) {
                    return CompletableFuture.completedFuture(Json.object());
                }
                return relatedRequestId == null ? requestHandler.handle(request)
                        : requestHandler.handle(request, relatedRequestId);
            }

            @Override
            public void onNotification(ObjectNode received) {
                ModernSession session = modern;
                ObjectNode notification = session == null ? received : session.onNotification(received);
                if (notification == null) {
                    return;
                }
                for (Consumer<ObjectNode> listener : notificationListeners) {
                    listener.accept(notification);
                }
            }
        }, false, scheduler);
        this.scheduler = peer.scheduler();
        this.recovery = new SessionRecovery(serverName, peer, sessionState, this::openSession,
                options.requestTimeout());
    }

    public String serverName() {
        return serverName;
    }

    public Transport transport() {
        return transport;
    }

    /** Starts the transport and performs the initialize handshake, all within {@code timeout}. */
    public InitializeResult connect(Duration timeout) throws IOException {
        transport.start(new Transport.Listener() {
            @Override
            public void onMessage(ObjectNode message) {
                peer.onMessage(message);
            }

            @Override
            public void onMessage(ObjectNode message, JsonNode relatedRequestId) {
                peer.onMessage(message, relatedRequestId);
            }

            @Override
            public void onBadInput(String description) {
                badInputs.incrementAndGet();
            }

            @Override
            public void onClosed(Throwable cause) {
                closed(cause);
            }
        });
        open = true;
        try {
            openSession(timeout);
            ModernSession session = modern;
            if (session != null) {
                session.start();
            }
            return initializeResult;
        } catch (RuntimeException | IOException e) {
            close();
            throw e;
        }
    }

    /** Runs the handshake (at connect, and again for session recovery) and records its answer. */
    private void openSession(Duration timeout) throws IOException {
        initializeResult = handshake.open(new Handshake.Channel() {
            @Override
            public String serverName() {
                return serverName;
            }

            @Override
            public Transport transport() {
                return transport;
            }

            @Override
            public PendingRequest request(String method, JsonNode params, RequestOptions requestOptions) {
                return peer.request(method, params, requestOptions);
            }

            @Override
            public boolean notifyServer(String method, JsonNode params) {
                return peer.sendNotification(method, params);
            }
        }, options, timeout);
        String version = initializeResult.protocolVersion();
        if (McpMethods.isModern(version) && modern == null) {
            ModernSession session = new ModernSession(serverName, version, options, initializeResult.capabilities(),
                    this::send, scheduler);
            modern = session;
            transport.onModernRevision(version, session::paramHeaders);
        }
        recovery.opened();
    }

    /**
     * The MCP revision this connection speaks ({@code 2026-07-28}, {@code 2025-11-25}, ...); null before
     * {@link #connect}.
     */
    public String revision() {
        InitializeResult info = initializeResult;
        return info == null ? null : info.protocolVersion();
    }

    /** True when the server speaks a stateless revision (2026-07-28): requests carry {@code _meta}, no session. */
    public boolean isModern() {
        return modern != null;
    }

    /**
     * What the server said about itself: its initialize answer, or for a 2026-07-28 server its
     * {@code server/discover} answer (raw), with the server info taken from {@code _meta}; null before
     * {@link #connect}.
     */
    public InitializeResult info() {
        return initializeResult;
    }

    public boolean isOpen() {
        return open && !peer.isClosed();
    }

    /** Lines or events the server sent that were not MCP messages (skipped). */
    public long badInputCount() {
        return badInputs.get();
    }

    public int inFlight() {
        return peer.inFlight();
    }

    public void setRequestHandler(RequestHandler handler) {
        this.requestHandler = handler == null ? McpClient::refuse : handler;
    }

    public void addNotificationListener(Consumer<ObjectNode> listener) {
        notificationListeners.add(listener);
    }

    /** Called once when the connection is gone, with the cause (null for a requested close). */
    public void addCloseListener(Consumer<Throwable> listener) {
        closeListeners.add(listener);
    }

    /**
     * Sends any request. When the server has forgotten our HTTP session, initializes again and re-sends once
     * (the server never saw the first attempt, so this is safe even for {@code tools/call}).
     */
    public PendingRequest request(String method, JsonNode params, RequestOptions requestOptions) {
        ModernSession session = modern;
        PendingRequest pending = session != null ? session.request(method, params, requestOptions)
                : send(method, params, requestOptions);
        sessionState.remember(method, params, pending);
        return pending;
    }

    /**
     * Over HTTP a send would wait for the response headers (a JSON-mode server sends them with the result): the
     * request is handed to the transport without waiting ({@link SessionRecovery}, which also keeps it going when
     * the server forgot our session), so callers never block. Other transports send on the caller's thread.
     */
    private PendingRequest send(String method, JsonNode params, RequestOptions requestOptions) {
        return transport.sendMayWaitForAnswer() ? recovery.send(method, params, requestOptions)
                : peer.request(method, params, requestOptions);
    }

    /** A copy of what this session holds that a new session needs back: subscriptions and log level. */
    public SessionState sessionState() {
        return sessionState.snapshot();
    }

    /**
     * Gives this (new) session a previous session's subscriptions and log level, as requests the server
     * answers (so this client remembers them too). Every item is tried; the first failure is thrown after.
     */
    public void restore(SessionState previous) {
        if (previous == null || previous.isEmpty()) {
            return;
        }
        try {
            previous.replay(this::call);
        } catch (McpException e) {
            throw e;
        } catch (Exception e) {
            throw McpException.local(JsonRpc.INTERNAL_ERROR, "server \"" + serverName + "\": restoring the session"
                    + " state failed: " + Failures.describe(e), e);
        }
    }

    public PendingRequest request(String method, JsonNode params) {
        return request(method, params, RequestOptions.timeout(options.requestTimeout()));
    }

    /**
     * Sends a notification to the server; false when it could not be sent. A 2026-07-28 server takes none
     * from a client but a cancel (roots/list_changed and initialized are gone): those are dropped here.
     */
    public boolean notifyServer(String method, JsonNode params) {
        if (modern != null && !McpMethods.CANCELLED.equals(method)) {
            return true;
        }
        return peer.sendNotification(method, params);
    }

    /** Sends a request and waits for its result; errors come as {@link McpException}. */
    public JsonNode call(String method, JsonNode params) {
        try {
            return await(request(method, params), options.requestTimeout().plusSeconds(1));
        } catch (IOException e) {
            throw McpException.local(JsonRpc.CONNECTION_CLOSED, "server \"" + serverName + "\": " + e.getMessage(), e);
        }
    }

    /**
     * MCP ping with its own timeout; throws when the server does not answer. A 2026-07-28 server has no
     * ping: it is asked {@code server/discover} (cheap, side-effect free) instead.
     */
    public void ping(Duration timeout) throws IOException {
        await(request(McpMethods.PING, null, RequestOptions.timeout(timeout)), timeout.plusMillis(100));
    }

    public List<ObjectNode> listTools() {
        return listAll(McpMethods.TOOLS_LIST, "tools");
    }

    public List<ObjectNode> listResources() {
        return listAll(McpMethods.RESOURCES_LIST, "resources");
    }

    public List<ObjectNode> listResourceTemplates() {
        return listAll(McpMethods.RESOURCES_TEMPLATES_LIST, "resourceTemplates");
    }

    public List<ObjectNode> listPrompts() {
        return listAll(McpMethods.PROMPTS_LIST, "prompts");
    }

    /** Follows {@code nextCursor} through every page. */
    public List<ObjectNode> listAll(String method, String key) {
        List<ObjectNode> items = new ArrayList<>();
        Set<String> seenCursors = new HashSet<>();
        String cursor = null;
        for (int page = 0; page < MAX_PAGES; page++) {
            ObjectNode params = Json.object();
            if (cursor != null) {
                params.put("cursor", cursor);
            }
            JsonNode result = call(method, params);
            if (result.get(key) instanceof ArrayNode array) {
                array.forEach(item -> {
                    if (item instanceof ObjectNode object) {
                        items.add(object);
                    }
                });
            }
            JsonNode next = result.get("nextCursor");
            if (next == null || next.isNull() || next.asText().isEmpty()) {
                return items;
            }
            cursor = next.asText();
            if (!seenCursors.add(cursor)) {
                throw new McpException(JsonRpc.INTERNAL_ERROR, "server \"" + serverName + "\" repeated cursor \""
                        + cursor + "\" while listing " + key);
            }
        }
        throw new McpException(JsonRpc.INTERNAL_ERROR, "server \"" + serverName + "\" returned more than "
                + MAX_PAGES + " pages of " + key);
    }

    public JsonNode callTool(String name, JsonNode arguments) {
        ObjectNode params = Json.object().put("name", name);
        params.set("arguments", arguments == null ? Json.object() : arguments);
        return call(McpMethods.TOOLS_CALL, params);
    }

    /** A tool call that reports progress; the returned request can be cancelled. */
    public PendingRequest callTool(String name, JsonNode arguments, Consumer<ObjectNode> onProgress) {
        ObjectNode params = Json.object().put("name", name);
        params.set("arguments", arguments == null ? Json.object() : arguments);
        return request(McpMethods.TOOLS_CALL, params, RequestOptions.timeout(options.requestTimeout())
                .withProgress(onProgress, options.requestTimeout().multipliedBy(10)));
    }

    public JsonNode readResource(String uri) {
        return call(McpMethods.RESOURCES_READ, Json.object().put("uri", uri));
    }

    public JsonNode getPrompt(String name, JsonNode arguments) {
        ObjectNode params = Json.object().put("name", name);
        if (arguments != null) {
            params.set("arguments", arguments);
        }
        return call(McpMethods.PROMPTS_GET, params);
    }

    public JsonNode complete(JsonNode ref, JsonNode argument) {
        ObjectNode params = Json.object();
        params.set("ref", ref);
        params.set("argument", argument);
        return call(McpMethods.COMPLETION_COMPLETE, params);
    }

    public void subscribe(String uri) {
        call(McpMethods.RESOURCES_SUBSCRIBE, Json.object().put("uri", uri));
    }

    public void unsubscribe(String uri) {
        call(McpMethods.RESOURCES_UNSUBSCRIBE, Json.object().put("uri", uri));
    }

    public void setLogLevel(String level) {
        call(McpMethods.LOGGING_SET_LEVEL, Json.object().put("level", level));
    }

    /** Closes the transport (which releases the process, streams and threads). Idempotent. */
    @Override
    public void close() {
        open = false;
        stopModern();
        try {
            transport.close();
        } finally {
            closed(null);
        }
    }

    /** Ends the connection now, without grace ({@link Transport#kill()}: a stdio server's tree is killed). */
    public void kill() {
        open = false;
        stopModern();
        try {
            transport.kill();
        } finally {
            closed(null);
        }
    }

    private void stopModern() {
        ModernSession session = modern;
        if (session != null) {
            session.close();
        }
    }

    private void closed(Throwable cause) {
        open = false;
        if (!closeHandled.compareAndSet(false, true)) {
            return;
        }
        stopModern();
        peer.close(cause);
        recovery.closed();
        for (Consumer<Throwable> listener : closeListeners) {
            try {
                listener.accept(cause);
            } catch (RuntimeException e) {
                log.warn("close listener of server \"{}\" failed", serverName, e);
            }
        }
    }

    private static CompletableFuture<JsonNode> refuse(ObjectNode request) {
        return CompletableFuture.failedFuture(new McpException(JsonRpc.METHOD_NOT_FOUND,
                "the proxy does not handle " + JsonRpc.method(request) + " here"));
    }

    /** Waits for a request's result; unwraps failures into {@link McpException} or {@link IOException}. */
    static JsonNode await(PendingRequest request, Duration timeout) throws IOException {
        try {
            return request.result().get(timeout.toNanos() + TimeUnit.MILLISECONDS.toNanos(500), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            request.cancel("interrupted");
            throw new McpException(JsonRpc.INTERNAL_ERROR, "interrupted while waiting for " + request.method());
        } catch (TimeoutException e) {
            request.cancel("timeout");
            throw McpException.local(JsonRpc.REQUEST_TIMEOUT, "no answer to " + request.method() + " within " + timeout, null);
        } catch (ExecutionException e) {
            throw unwrap(Failures.unwrap(e));
        } catch (CancellationException e) {
            throw new McpException(JsonRpc.INTERNAL_ERROR, request.method() + " was cancelled");
        }
    }

    private static RuntimeException unwrap(Throwable cause) throws IOException {
        if (cause instanceof IOException io) {
            throw io;
        }
        if (cause instanceof RuntimeException runtime) {
            return runtime;
        }
        return new McpException(JsonRpc.INTERNAL_ERROR, String.valueOf(cause), null, cause);
    }

    /** Maps a future's failure the way {@link #await} does; for callers composing futures. */
    public static Function<Throwable, McpException> failureMapper(String serverName) {
        return failure -> {
            Throwable cause = Failures.unwrap(failure);
            if (cause instanceof McpException mcp) {
                return mcp;
            }
            return McpException.local(JsonRpc.CONNECTION_CLOSED, "server \"" + serverName + "\": " + cause.getMessage(), cause);
        };
    }
}
