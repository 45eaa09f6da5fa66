package dev.dynamicmcp.testsupport;

import static dev.dynamicmcp.testsupport.FaultJson.INTERNAL_ERROR;
import static dev.dynamicmcp.testsupport.FaultJson.INVALID_REQUEST;
import static dev.dynamicmcp.testsupport.FaultJson.METHOD_NOT_FOUND;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.testsupport.FaultJson.RpcError;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One MCP session of the fault server, independent of the transport: it takes the client's messages,
 * runs each request on its own virtual thread and hands back the answer as a future. A future that
 * never completes is how "never answer" (hang, cancel, crash) is spelt; closing the session fails them
 * all so no thread waits forever.
 */
final class FaultSession {
    /** Where messages to the client go: stdout, a POST's SSE stream, or the session's GET stream. */
    interface Outbound {
        void send(ObjectNode message);
    }

    /** Unwinds a request that must never be answered: it was cancelled, or the session closed. */
    static final class Abandoned extends RuntimeException {
        Abandoned(String why) {
            super(why, null, false, false);
        }
    }

    private static final List<String> LOG_LEVELS =
            List.of("debug", "info", "notice", "warning", "error", "critical", "alert", "emergency");

    private final String id;
    private final FaultState state;
    private final Outbound unsolicited;
    private final FaultTools tools;
    private final Map<String, Call> running = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<ObjectNode>> awaitingClient = new ConcurrentHashMap<>();
    private final Set<CompletableFuture<ObjectNode>> unanswered = ConcurrentHashMap.newKeySet();
    private final Set<String> subscriptions = ConcurrentHashMap.newKeySet();
    private final List<Runnable> closeHooks = new CopyOnWriteArrayList<>();
    private final AtomicInteger nextRequestId = new AtomicInteger();
    private volatile boolean closed;
    private volatile String logLevel;

    FaultSession(String id, FaultState state, Outbound unsolicited) {
        this.id = id;
        this.state = state;
        this.unsolicited = unsolicited;
        this.tools = new FaultTools(state, this);
    }

    String id() {
        return id;
    }

    Outbound unsolicited() {
        return unsolicited;
    }

    void onClose(Runnable hook) {
        closeHooks.add(hook);
    }

    /**
     * Takes one message from the client. Returns the answer of a request (or the error for something
     * that is no message at all); null for notifications and responses, which get no answer.
     *
     * @param scope where messages tied to this request (progress, server requests, logs) go
     */
    CompletableFuture<ObjectNode> receive(JsonNode message, Outbound scope) {
        if (!(message instanceof ObjectNode m) || !"2.0".equals(m.path("jsonrpc").asText(null))) {
            JsonNode id = message.isObject() ? validIdOrNull(message.get("id")) : null;
            return CompletableFuture.completedFuture(
                    FaultJson.error(id, INVALID_REQUEST, "Invalid Request: not a JSON-RPC 2.0 message"));
        }
        JsonNode id = m.get("id");
        JsonNode methodNode = m.get("method");
        if (methodNode == null) {
            if (id != null && (m.has("result") || m.has("error"))) {
                onClientResponse(id, m);
                return null;
            }
            return CompletableFuture.completedFuture(FaultJson.error(validIdOrNull(id), INVALID_REQUEST,
                    "Invalid Request: neither a request, a notification nor a response"));
        }
        if (!methodNode.isTextual() || (id != null && validIdOrNull(id) == null)) {
            return CompletableFuture.completedFuture(FaultJson.error(validIdOrNull(id), INVALID_REQUEST,
                    "Invalid Request: the method must be a string and the id a string or an integer"));
        }
        String method = methodNode.asText();
        state.countMessage(method);
        if (state.options.stderrChatter()) {
            state.log("chatter: session " + this.id + " received " + method + " " + "~".repeat(200));
        }
        JsonNode params = m.path("params");
        if (id == null) {
            onNotification(method, params);
            return null;
        }
        return onRequest(id, method, params, scope);
    }

    private static JsonNode validIdOrNull(JsonNode id) {
        return id != null && (id.isTextual() || id.isIntegralNumber()) ? id : null;
    }

    /** Request ids as map keys: the JSON text, so 1 and "1" stay different ids. */
    private static String key(JsonNode id) {
        return id.toString();
    }

    private CompletableFuture<ObjectNode> onRequest(JsonNode id, String method, JsonNode params, Outbound scope) {
        CompletableFuture<ObjectNode> answer = new CompletableFuture<>();
        unanswered.add(answer);
        answer.whenComplete((r, e) -> unanswered.remove(answer));
        if (closed) {
            answer.completeExceptionally(new Abandoned("session " + this.id + " is closed"));
            return answer;
        }
        boolean toolCall = "tools/call".equals(method);
        if ((state.options.hang() && !"initialize".equals(method)) || (state.options.hangTools() && toolCall)) {
            state.log("hanging: never answering " + method + " " + id);
            return answer;
        }
        if (toolCall && state.toolCallCrashes()) {
            state.crash("tools/call number " + state.options.crashAfter() + " (--crash-after)");
            return answer;
        }
        Call call = new Call(id, scope, params.path("_meta").get("progressToken"));
        running.put(key(id), call);
        Thread.ofVirtual().name("fault-" + method).start(() -> run(call, method, params, answer));
        return answer;
    }

    private void run(Call call, String method, JsonNode params, CompletableFuture<ObjectNode> answer) {
        try {
            ObjectNode response;
            try {
                response = FaultJson.result(call.id, dispatch(method, params, call));
            } catch (RpcError e) {
                response = FaultJson.error(call.id, e.code, e.getMessage());
            } catch (RuntimeException e) {
                if (e instanceof Abandoned || call.abandoned.isDone()) {
                    return;
                }
                state.log("internal error in " + method + ": " + e);
                response = FaultJson.error(call.id, INTERNAL_ERROR, "Internal error: " + e);
            }
            if (state.options.slowMs() > 0) {
                call.sleep(state.options.slowMs());
            }
            if (!call.abandoned.isDone()) {
                answer.complete(response);
            }
        } catch (Abandoned e) {
            // a cancelled request is never answered; the future stays open until the session closes
        } finally {
            running.remove(key(call.id));
        }
    }

    private JsonNode dispatch(String method, JsonNode params, Call call) {
        return switch (method) {
            case "initialize" -> initialize(params);
            case "ping" -> FaultJson.object();
            case "tools/list" -> tools.list(params);
            case "tools/call" -> tools.call(params, call);
            case "resources/list" -> FaultCatalog.resources();
            case "resources/templates/list" -> FaultCatalog.resourceTemplates();
            case "resources/read" -> FaultCatalog.read(params.path("uri").asText(""));
            case "resources/subscribe" -> {
                subscriptions.add(params.path("uri").asText(""));
                yield FaultJson.object();
            }
            case "resources/unsubscribe" -> {
                subscriptions.remove(params.path("uri").asText(""));
                yield FaultJson.object();
            }
            case "prompts/list" -> FaultCatalog.prompts();
            case "prompts/get" -> FaultCatalog.getPrompt(params);
            case "completion/complete" -> FaultCatalog.complete(params);
            case "logging/setLevel" -> {
                String level = params.path("level").asText("");
                if (!LOG_LEVELS.contains(level)) {
                    throw new RpcError(FaultJson.INVALID_PARAMS, "unknown log level " + level);
                }
                logLevel = level;
                yield FaultJson.object();
            }
            default -> throw new RpcError(METHOD_NOT_FOUND, "Method not found: " + method);
        };
    }

    private JsonNode initialize(JsonNode params) {
        state.countInitialize();
        String requested = params.path("protocolVersion").asText("");
        String version = FaultServer.PROTOCOL_VERSIONS.contains(requested)
                ? requested : FaultServer.PROTOCOL_VERSIONS.get(0);
        ObjectNode result = FaultJson.object().put("protocolVersion", version);
        ObjectNode capabilities = result.putObject("capabilities");
        capabilities.putObject("tools").put("listChanged", true);
        capabilities.putObject("resources").put("subscribe", true).put("listChanged", true);
        capabilities.putObject("prompts").put("listChanged", false);
        capabilities.putObject("logging");
        capabilities.putObject("completions");
        result.putObject("serverInfo").put("name", state.options.name()).put("version", "1.0.0");
        result.put("instructions", "A fault-injecting MCP server for tests.");
        state.log("session " + id + " initialized with protocol " + version
                + " (client " + params.path("clientInfo").path("name").asText("?") + ")");
        return result;
    }

    private void onNotification(String method, JsonNode params) {
        if ("notifications/cancelled".equals(method)) {
            JsonNode requestId = params.get("requestId");
            if (requestId == null) {
                return;
            }
            state.recordCancelled(requestId);
            Call call = running.get(key(requestId));
            state.log("cancelled " + requestId + (call == null ? " (not running)" : ""));
            if (call != null) {
                call.abandoned.complete(null);
            }
        }
    }

    private void onClientResponse(JsonNode id, ObjectNode response) {
        CompletableFuture<ObjectNode> waiting = awaitingClient.remove(key(id));
        if (waiting == null) {
            state.log("a response for " + id + " that nobody waits for");
        } else {
            waiting.complete(response);
        }
    }

    boolean subscribed(String uri) {
        return subscriptions.contains(uri);
    }

    /** Whether a notifications/message at this level passes the level the client set (all pass until it sets one). */
    boolean logs(String level) {
        String threshold = logLevel;
        return threshold == null || LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(threshold);
    }

    /** A message not tied to any request: list changes, resource updates. */
    void sendUnsolicited(ObjectNode message) {
        if (!closed) {
            unsolicited.send(message);
        }
    }

    /** Ends the session: running and hanging requests are abandoned, their waiters released. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        running.values().forEach(call -> call.abandoned.complete(null));
        List.copyOf(unanswered).forEach(f -> f.completeExceptionally(new Abandoned("session " + id + " closed")));
        closeHooks.forEach(Runnable::run);
    }

    /** One running request: where its messages go and whether it was abandoned. */
    final class Call {
        final JsonNode id;
        final Outbound scope;
        final JsonNode progressToken;
        final CompletableFuture<Void> abandoned = new CompletableFuture<>();

        Call(JsonNode id, Outbound scope, JsonNode progressToken) {
            this.id = id;
            this.scope = scope;
            this.progressToken = progressToken;
        }

        /** Sleeps, unless the request is abandoned first. */
        void sleep(long millis) {
            try {
                abandoned.get(millis, TimeUnit.MILLISECONDS);
                throw new Abandoned("request " + id + " abandoned");
            } catch (TimeoutException slept) {
                // the whole time passed
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Abandoned("interrupted");
            } catch (ExecutionException e) {
                throw new IllegalStateException(e);
            }
        }

        void send(ObjectNode message) {
            if (abandoned.isDone()) {
                throw new Abandoned("request " + id + " abandoned");
            }
            scope.send(message);
        }

        void progress(int progress, int total, String message) {
            if (progressToken == null) {
                return;
            }
            ObjectNode params = FaultJson.object();
            params.set("progressToken", progressToken);
            params.put("progress", progress).put("total", total).put("message", message);
            send(FaultJson.notification("notifications/progress", params));
        }

        /** Sends a request to the client on this request's stream and waits for the client's response. */
        ObjectNode askClient(String method, ObjectNode params) {
            String requestId = "fault-" + id() + "-" + nextRequestId.incrementAndGet();
            CompletableFuture<ObjectNode> response = new CompletableFuture<>();
            awaitingClient.put(key(FaultJson.MAPPER.getNodeFactory().textNode(requestId)), response);
            ObjectNode request = FaultJson.object().put("jsonrpc", "2.0").put("id", requestId).put("method", method);
            request.set("params", params);
            try {
                send(request);
                CompletableFuture.anyOf(response, abandoned).join();
                if (!response.isDone()) {
                    throw new Abandoned("request " + id + " abandoned while waiting for " + method);
                }
                return response.join();
            } finally {
                awaitingClient.remove(key(FaultJson.MAPPER.getNodeFactory().textNode(requestId)));
            }
        }
    }
}
