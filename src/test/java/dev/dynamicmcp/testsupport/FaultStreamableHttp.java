package dev.dynamicmcp.testsupport;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The fault server's Streamable HTTP endpoint ({@code /mcp}): POST answers JSON, or an SSE stream
 * for tool calls that talk to the client first; GET is the session's stream for server-initiated
 * messages; DELETE ends the session. Sessions are assigned at initialize and required afterwards.
 */
final class FaultStreamableHttp implements HttpHandler {
    private final FaultState state;

    FaultStreamableHttp(FaultState state) {
        this.state = state;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            switch (exchange.getRequestMethod()) {
                case "POST" -> post(exchange);
                case "GET" -> get(exchange);
                case "DELETE" -> delete(exchange);
                default -> {
                    exchange.getResponseHeaders().set("Allow", "GET, POST, DELETE");
                    plain(exchange, 405, "method not allowed");
                }
            }
        } catch (CompletionException abandoned) {
            // the session closed or the server went down before answering: the exchange just ends
        }
    }

    private void post(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        String contentType = header(exchange, "Content-Type");
        if (contentType == null || !contentType.toLowerCase().contains("application/json")) {
            plain(exchange, 415, "Content-Type must be application/json");
            return;
        }
        String accept = header(exchange, "Accept");
        if (accept == null || !accept.contains("application/json") || !accept.contains("text/event-stream")) {
            plain(exchange, 406, "Accept must list both application/json and text/event-stream");
            return;
        }
        JsonNode message;
        try {
            message = FaultJson.parse(new String(body, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            json(exchange, 400, FaultJson.parseError(e.getOriginalMessage()), null);
            return;
        }
        if (!message.isObject()) {
            json(exchange, 400, FaultJson.error(null, FaultJson.INVALID_REQUEST,
                    "Invalid Request: one JSON-RPC message per POST (batches are not supported)"), null);
            return;
        }
        if (!protocolVersionAcceptable(exchange)) {
            return;
        }
        ObjectNode m = (ObjectNode) message;
        String method = m.path("method").asText(null);
        boolean request = method != null && m.has("id");
        if ("initialize".equals(method) && request) {
            initialize(exchange, m);
            return;
        }
        FaultSession session = requireSession(exchange);
        if (session == null) {
            return;
        }
        if (!request) {
            CompletableFuture<ObjectNode> invalid = session.receive(m, session.unsolicited());
            if (invalid != null) {
                json(exchange, 400, invalid.join(), null);
            } else {
                exchange.sendResponseHeaders(202, -1);
            }
            return;
        }
        if ("tools/call".equals(method) && FaultTools.STREAMING.contains(m.path("params").path("name").asText())) {
            SseStream stream = SseStream.open(exchange, null);
            try {
                stream.send(session.receive(m, stream::send).join());
            } finally {
                stream.close();
            }
            return;
        }
        json(exchange, 200, session.receive(m, session.unsolicited()).join(), null);
    }

    private void initialize(HttpExchange exchange, ObjectNode request) throws IOException {
        if (state.options.rejectInitialize() != 0) {
            state.countMessage("initialize");
            state.log("rejecting initialize with HTTP " + state.options.rejectInitialize() + " (--reject-initialize)");
            plain(exchange, state.options.rejectInitialize(), "initialize rejected by the fault server");
            return;
        }
        GetStream getStream = new GetStream();
        FaultSession session = new FaultSession(UUID.randomUUID().toString(), state, getStream);
        session.onClose(getStream::close);
        state.register(session);
        json(exchange, 200, session.receive(request, getStream).join(), session.id());
    }

    private void get(HttpExchange exchange) throws IOException {
        if (state.options.noGetStream()) {
            exchange.getResponseHeaders().set("Allow", "POST, DELETE");
            plain(exchange, 405, "this server offers no GET stream (--no-get-stream)");
            return;
        }
        String accept = header(exchange, "Accept");
        if (accept == null || !accept.contains("text/event-stream")) {
            plain(exchange, 406, "Accept must list text/event-stream");
            return;
        }
        if (!protocolVersionAcceptable(exchange)) {
            return;
        }
        FaultSession session = requireSession(exchange);
        if (session == null) {
            return;
        }
        GetStream getStream = (GetStream) session.unsolicited();
        if (getStream.isAttached()) {
            plain(exchange, 409, "only one GET stream per session");
            return;
        }
        SseStream stream = SseStream.open(exchange, null);
        getStream.attach(stream);
        stream.awaitClosed();
    }

    private void delete(HttpExchange exchange) throws IOException {
        FaultSession session = requireSession(exchange);
        if (session == null) {
            return;
        }
        state.remove(session.id());
        state.recordDeleted(session.id());
        state.log("session " + session.id() + " deleted by the client");
        session.close();
        exchange.sendResponseHeaders(200, -1);
    }

    /** The session named by Mcp-Session-Id; otherwise answers 400 (no header) or 404 (unknown) and returns null. */
    private FaultSession requireSession(HttpExchange exchange) throws IOException {
        String id = header(exchange, "Mcp-Session-Id");
        if (id == null) {
            json(exchange, 400, FaultJson.error(null, FaultJson.INVALID_REQUEST,
                    "Bad Request: Mcp-Session-Id header is required"), null);
            return null;
        }
        FaultSession session = state.session(id);
        if (session == null) {
            json(exchange, 404, FaultJson.error(null, -32001, "Session not found"), null);
        }
        return session;
    }

    private boolean protocolVersionAcceptable(HttpExchange exchange) throws IOException {
        String version = header(exchange, "MCP-Protocol-Version");
        if (version != null && !FaultServer.PROTOCOL_VERSIONS.contains(version)) {
            json(exchange, 400, FaultJson.error(null, FaultJson.INVALID_REQUEST,
                    "Bad Request: unsupported MCP-Protocol-Version " + version), null);
            return false;
        }
        return true;
    }

    private static String header(HttpExchange exchange, String name) {
        return exchange.getRequestHeaders().getFirst(name);
    }

    static void json(HttpExchange exchange, int status, ObjectNode body, String sessionId) throws IOException {
        byte[] bytes = FaultJson.write(body).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        if (sessionId != null) {
            exchange.getResponseHeaders().set("Mcp-Session-Id", sessionId);
        }
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    static void plain(HttpExchange exchange, int status, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    /**
     * A session's way to send server-initiated messages: its GET stream once the client opens one;
     * until then (or after it drops) messages wait in a backlog, so a test does not race the client's GET.
     */
    static final class GetStream implements FaultSession.Outbound {
        private static final int BACKLOG_LIMIT = 1000;
        private final ReentrantLock lock = new ReentrantLock(); // guards stream and backlog; never held for I/O alone
        private SseStream stream;
        private final ArrayDeque<ObjectNode> backlog = new ArrayDeque<>();

        @Override
        public void send(ObjectNode message) {
            SseStream target;
            lock.lock();
            try {
                if (stream == null || !stream.isOpen()) {
                    if (backlog.size() < BACKLOG_LIMIT) {
                        backlog.add(message);
                    }
                    return;
                }
                target = stream;
            } finally {
                lock.unlock();
            }
            target.send(message);
        }

        boolean isAttached() {
            lock.lock();
            try {
                return stream != null && stream.isOpen();
            } finally {
                lock.unlock();
            }
        }

        /** Makes this the session's stream and flushes the backlog ahead of anything sent later. */
        void attach(SseStream newStream) {
            List<ObjectNode> pending;
            ReentrantLock streamLock = newStream.writeLock();
            lock.lock();
            try {
                stream = newStream;
                pending = new ArrayList<>(backlog);
                backlog.clear();
                // Taken before the slot is released so later senders queue behind the backlog.
                streamLock.lock();
            } finally {
                lock.unlock();
            }
            try {
                newStream.sendAll(pending);
            } finally {
                streamLock.unlock();
            }
        }

        void close() {
            SseStream current;
            lock.lock();
            try {
                current = stream;
                stream = null;
            } finally {
                lock.unlock();
            }
            if (current != null) {
                current.close();
            }
        }
    }
}
