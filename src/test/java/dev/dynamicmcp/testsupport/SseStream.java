package dev.dynamicmcp.testsupport;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;

/** One open text/event-stream response of the in-process fault server. */
final class SseStream {
    private final HttpExchange exchange;
    private final OutputStream body;
    private final ReentrantLock writeLock = new ReentrantLock(); // one whole event at a time
    private final CompletableFuture<Void> closed = new CompletableFuture<>();

    private SseStream(HttpExchange exchange) {
        this.exchange = exchange;
        this.body = exchange.getResponseBody();
    }

    /** Sends the 200 and the SSE headers; the exchange stays open until {@link #close()}. */
    static SseStream open(HttpExchange exchange, String sessionId) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        if (sessionId != null) {
            exchange.getResponseHeaders().set("Mcp-Session-Id", sessionId);
        }
        exchange.sendResponseHeaders(200, 0);
        SseStream stream = new SseStream(exchange);
        stream.body.flush(); // the JDK server holds the headers back until the first flush
        return stream;
    }

    boolean isOpen() {
        return !closed.isDone();
    }

    void send(ObjectNode message) {
        event("message", FaultJson.write(message));
    }

    /** Writes several messages with nothing from another thread in between. */
    void sendAll(List<ObjectNode> messages) {
        writeLock.lock();
        try {
            messages.forEach(this::send);
        } finally {
            writeLock.unlock();
        }
    }

    /** Writes one event; a failed write means the client went away, and closes the stream. */
    void event(String name, String data) {
        byte[] bytes = ("event: " + name + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8);
        writeLock.lock();
        try {
            if (closed.isDone()) {
                return;
            }
            body.write(bytes);
            body.flush();
        } catch (IOException e) {
            close();
        } finally {
            writeLock.unlock();
        }
    }

    ReentrantLock writeLock() {
        return writeLock;
    }

    void close() {
        writeLock.lock();
        try {
            if (closed.complete(null)) {
                exchange.close();
            }
        } finally {
            writeLock.unlock();
        }
    }

    /** Blocks the exchange's handler thread until the stream ends. */
    void awaitClosed() {
        closed.join();
    }
}
