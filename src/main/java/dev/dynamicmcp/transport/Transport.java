package dev.dynamicmcp.transport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * One bidirectional JSON-RPC message channel (client side: stdio child, Streamable HTTP, legacy SSE).
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #start(Listener)} opens the channel (spawns the process, opens the GET stream, waits for the
 *       SSE {@code endpoint} event) and returns once messages can be sent; it throws when that fails.</li>
 *   <li>{@link #send(ObjectNode)} is thread-safe and may block for I/O. Responses and server messages that
 *       arrive in an HTTP response body are delivered to the listener, never returned.</li>
 *   <li>The listener is called from the transport's own threads (virtual ones, or the HTTP client's for a JSON
 *       answer); it must not block for long.</li>
 *   <li>{@link Listener#onClosed(Throwable)} is called exactly once, when the channel is gone for good
 *       (process exit, stream failure, {@link #close()}), with the cause or null for a requested close.</li>
 *   <li>{@link #close()} is idempotent and releases every resource (process tree, threads, sockets).</li>
 * </ul>
 */
public interface Transport extends AutoCloseable {

    void start(Listener listener) throws IOException;

    /**
     * Sends one message.
     *
     * @throws SessionExpiredException when a Streamable HTTP server answers 404 for our session id: the
     *         session is gone and the caller should initialize again (the transport has forgotten the id)
     * @throws IOException when the message could not be delivered
     */
    void send(ObjectNode message) throws IOException;

    /**
     * Sends one message without waiting for the peer: the stage completes once the transport has taken it, and
     * fails with what {@link #send} would have thrown (a {@link SessionExpiredException} too). By default
     * {@link #send} on the calling thread; a Streamable HTTP transport hands the POST to its client and returns.
     */
    default CompletableFuture<Void> sendAsync(ObjectNode message) {
        try {
            send(message);
            return CompletableFuture.completedFuture(null);
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Called by the client after a successful initialize handshake, so HTTP transports can send
     * {@code MCP-Protocol-Version} on every later request and open their GET stream.
     */
    default void onInitialized(String protocolVersion) {
    }

    /**
     * Called by the client once it knows the server speaks a stateless revision (MCP 2026-07-28): HTTP
     * transports then send no session id, open no GET stream and resume nothing, end a cancelled request by
     * closing its stream, and put {@code Mcp-Param-*} headers computed by {@code paramHeaders} on tool calls.
     * Requests carry the rest of their headers ({@link ModernHeaders}) from their own {@code _meta}.
     */
    default void onModernRevision(String protocolVersion,
                                  java.util.function.Function<ObjectNode, java.util.Map<String, String>> paramHeaders) {
    }

    /**
     * True when {@link #send} may wait for the peer's answer (a Streamable HTTP server that sends headers only
     * with its result): the client then sends requests with {@link #sendAsync}, so callers never block, and
     * keeps them going when the server forgets the session (the failure may come after the send returned).
     */
    default boolean sendMayWaitForAnswer() {
        return false;
    }

    /** A short human description: "stdio: npx -y ...", "streamable-http: http://...". */
    String describe();

    /** The OS process id of a stdio child, for supervision and tests; -1 when there is none. */
    default long pid() {
        return -1;
    }

    @Override
    void close();

    interface Listener {
        /** A well-formed JSON-RPC message (request, notification or response). */
        void onMessage(ObjectNode message);

        /**
         * A message that came on the stream of one of our requests (Streamable HTTP: the POST's SSE answer), so
         * it belongs to that request: a sampling request made during a tool call, its progress.
         */
        default void onMessage(ObjectNode message, JsonNode relatedRequestId) {
            onMessage(message);
        }

        /** Something the peer sent that was not a message (garbage line, bad event); the channel goes on. */
        default void onBadInput(String description) {
        }

        /** The channel is gone; cause is null when {@link Transport#close()} was asked for. */
        void onClosed(Throwable cause);
    }

    /** Ends the connection now, without grace: a stdio server's whole process tree is killed. Idempotent. */
    default void kill() {
        close();
    }
}
