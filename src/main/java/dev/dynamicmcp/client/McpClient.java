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
import dev.dynamicmcp.transport.SessionExpiredException;
import dev.dynamicmcp.transport.Transport;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One MCP session with one upstream server, over any {@link Transport}. It performs the initialize
 * handshake, remembers what the server said about itself, offers typed helpers for the common requests and
 * a raw {@link #request} for everything else, and hands the server's own requests (sampling, elicitation,
 * roots) and notifications to whoever registered for them.
 *
 * <p>When a Streamable HTTP server has forgotten our session (404), the client initializes again, replays
 * its resource subscriptions and log level, and re-sends the request, so the caller never sees the 404.
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
    private final JsonRpcPeer peer;
    private final List<Consumer<ObjectNode>> notificationListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<Throwable>> closeListeners = new CopyOnWriteArrayList<>();
    private final ReentrantLock handshakeLock = new ReentrantLock();
    private final AtomicLong sessionGeneration = new AtomicLong();
    private final AtomicLong badInputs = new AtomicLong();
    private final Set<String> subscriptions = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile RequestHandler requestHandler = McpClient::refuse;
    private volatile String logLevel;
    private final java.util.concurrent.atomic.AtomicBoolean closeHandled = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile InitializeResult initializeResult;
    private volatile boolean open;

    public McpClient(String serverName, Transport transport, Options options) {
        this.serverName = serverName;
        this.transport = transport;
        this.options = options;
        this.peer = new JsonRpcPeer("server \"" + serverName + "\"", transport::send, new JsonRpcPeer.Handler() {
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
            public void onNotification(ObjectNode notification) {
                for (Consumer<ObjectNode> listener : notificationListeners) {
                    listener.accept(notification);
                }
            }
        });
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
            return handshake(timeout);
        } catch (RuntimeException | IOException e) {
            close();
            throw e;
        }
    }

    private InitializeResult handshake(Duration timeout) throws IOException {
        ObjectNode params = Json.object().put("protocolVersion", McpMethods.LATEST_PROTOCOL_VERSION);
        params.set("capabilities", options.capabilities());
        params.set("clientInfo", options.clientInfo());
        PendingRequest request = peer.request(McpMethods.INITIALIZE, params, RequestOptions.timeout(timeout));
        JsonNode answer = await(request, timeout);
        if (!(answer instanceof ObjectNode result)) {
            throw new McpException(JsonRpc.INTERNAL_ERROR, "server \"" + serverName + "\" answered initialize with "
                    + answer + " instead of an object");
        }
        String version = result.path("protocolVersion").asText("");
        if (!McpMethods.PROTOCOL_VERSIONS.contains(version)) {
            throw new McpException(JsonRpc.INTERNAL_ERROR, "server \"" + serverName + "\" speaks MCP protocol version \""
                    + version + "\"; supported: " + McpMethods.PROTOCOL_VERSIONS);
        }
        JsonNode instructions = result.get("instructions");
        InitializeResult info = new InitializeResult(version,
                result.get("capabilities") instanceof ObjectNode c ? c : Json.object(),
                result.get("serverInfo") instanceof ObjectNode s ? s : Json.object(),
                instructions != null && instructions.isTextual() ? instructions.asText() : null,
                result);
        peer.sendNotification(McpMethods.INITIALIZED, null);
        transport.onInitialized(version);
        initializeResult = info;
        sessionGeneration.incrementAndGet();
        return info;
    }

    /** The server's initialize answer; null before {@link #connect}. */
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
        PendingRequest pending = sendOffCallerIfNeeded(method, params, requestOptions);
        rememberSessionState(method, params, pending);
        return pending;
    }

    /**
     * Subscriptions and the log level live in the upstream session: remember them (whoever sent them, typed
     * helper or raw request) so a re-initialized session gets them back.
     */
    private void rememberSessionState(String method, JsonNode params, PendingRequest pending) {
        String value = switch (method) {
            case McpMethods.RESOURCES_SUBSCRIBE, McpMethods.RESOURCES_UNSUBSCRIBE -> params.path("uri").asText(null);
            case McpMethods.LOGGING_SET_LEVEL -> params.path("level").asText(null);
            default -> null;
        };
        if (value == null) {
            return;
        }
        if (McpMethods.RESOURCES_UNSUBSCRIBE.equals(method)) {
            subscriptions.remove(value);
            return;
        }
        pending.result().thenRun(() -> {
            if (McpMethods.RESOURCES_SUBSCRIBE.equals(method)) {
                subscriptions.add(value);
            } else {
                logLevel = value;
            }
        });
    }

    private PendingRequest sendOffCallerIfNeeded(String method, JsonNode params, RequestOptions requestOptions) {
        if (!transport.sendMayWaitForAnswer()) {
            return send(method, params, requestOptions);
        }
        BoundRequest bound = new BoundRequest(method);
        Thread.ofVirtual().name("send-" + serverName).start(() -> {
            try {
                PendingRequest sent = send(method, params, requestOptions, bound::bind);
                if (sessionExpired(sent)) { // initializing again failed: the caller gets the 404's story
                    bound.fail(sent.result().handle((value, failure) -> failure instanceof CompletionException
                            && failure.getCause() != null ? failure.getCause() : failure).join());
                }
            } catch (RuntimeException e) {
                bound.fail(e);
            }
        });
        return bound;
    }

    private PendingRequest send(String method, JsonNode params, RequestOptions requestOptions) {
        return send(method, params, requestOptions, null);
    }

    /** Sends; when the server forgot our HTTP session, initializes again and sends once more. */
    private PendingRequest send(String method, JsonNode params, RequestOptions requestOptions,
                                Consumer<PendingRequest> beforeSend) {
        long generation = sessionGeneration.get();
        PendingRequest pending = peer.request(method, params, requestOptions, beforeSend);
        if (sessionExpired(pending)) {
            try {
                reinitialize(generation);
            } catch (IOException | RuntimeException e) {
                log.warn("server \"{}\" forgot our session and initializing again failed: {}", serverName, e.toString());
                return pending;
            }
            pending = peer.request(method, params, requestOptions, beforeSend);
        } else if (refusedDuringReinitialize(pending, generation)) {
            handshakeLock.lock(); // wait for the new session, then send in it
            handshakeLock.unlock();
            pending = peer.request(method, params, requestOptions, beforeSend);
        }
        return pending;
    }

    /**
     * A request sent while another caller was initializing a new session went out without a session id, and
     * servers answer that with 400: it is sent again once the new session exists.
     */
    private boolean refusedDuringReinitialize(PendingRequest pending, long generation) {
        if (!(handshakeLock.isLocked() || sessionGeneration.get() != generation)) {
            return false;
        }
        CompletableFuture<JsonNode> result = pending.result();
        if (!result.isCompletedExceptionally()) {
            return false;
        }
        Throwable failure = result.handle((value, error) -> error).join();
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        return cause instanceof dev.dynamicmcp.transport.HttpStatusException status && status.status() == 400;
    }

    public PendingRequest request(String method, JsonNode params) {
        return request(method, params, RequestOptions.timeout(options.requestTimeout()));
    }

    /** Sends a notification to the server; false when it could not be sent. */
    public boolean notifyServer(String method, JsonNode params) {
        return peer.sendNotification(method, params);
    }

    private static boolean sessionExpired(PendingRequest pending) {
        CompletableFuture<JsonNode> result = pending.result();
        if (!result.isCompletedExceptionally()) {
            return false;
        }
        try {
            result.getNow(null);
            return false;
        } catch (CompletionException e) {
            return e.getCause() instanceof SessionExpiredException;
        } catch (java.util.concurrent.CancellationException e) {
            return false;
        }
    }

    private void reinitialize(long seenGeneration) throws IOException {
        handshakeLock.lock();
        try {
            if (sessionGeneration.get() != seenGeneration) {
                return; // another caller already initialized again
            }
            log.info("server \"{}\" forgot our session (HTTP 404); initializing again", serverName);
            handshake(options.requestTimeout());
            if (logLevel != null) {
                await(peer.request(McpMethods.LOGGING_SET_LEVEL, Json.object().put("level", logLevel),
                        RequestOptions.timeout(options.requestTimeout())), options.requestTimeout());
            }
            for (String uri : new HashSet<>(subscriptions)) {
                await(peer.request(McpMethods.RESOURCES_SUBSCRIBE, Json.object().put("uri", uri),
                        RequestOptions.timeout(options.requestTimeout())), options.requestTimeout());
            }
        } finally {
            handshakeLock.unlock();
        }
    }

    /** Sends a request and waits for its result; errors come as {@link McpException}. */
    public JsonNode call(String method, JsonNode params) {
        try {
            return await(request(method, params), options.requestTimeout().plusSeconds(1));
        } catch (IOException e) {
            throw McpException.local(JsonRpc.CONNECTION_CLOSED, "server \"" + serverName + "\": " + e.getMessage(), e);
        }
    }

    /** MCP ping with its own timeout; throws when the server does not answer. */
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
        try {
            transport.close();
        } finally {
            closed(null);
        }
    }

    private void closed(Throwable cause) {
        open = false;
        if (!closeHandled.compareAndSet(false, true)) {
            return;
        }
        peer.close(cause);
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
            throw unwrap(e.getCause());
        } catch (java.util.concurrent.CancellationException e) {
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
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            if (cause instanceof McpException mcp) {
                return mcp;
            }
            return McpException.local(JsonRpc.CONNECTION_CLOSED, "server \"" + serverName + "\": " + cause.getMessage(), cause);
        };
    }
}
