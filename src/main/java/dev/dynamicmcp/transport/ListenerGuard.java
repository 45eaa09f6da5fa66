package dev.dynamicmcp.transport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.OversizedMessage;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wraps the listener of an HTTP transport: parses and checks what arrived, logs bad input (the first few at
 * WARN), keeps a failing listener from killing a reader thread, and reports the close exactly once.
 */
final class ListenerGuard {
    private static final Logger log = LoggerFactory.getLogger(ListenerGuard.class);
    private static final int BAD_INPUT_LOGGED_AT_WARN = 20;
    /** JSON-RPC "Internal error": what a request gets when the transport lost its answer. */
    static final int TRANSPORT_ERROR_CODE = -32603;

    private final String serverName;
    private final Transport.Listener listener;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicInteger badInputs = new AtomicInteger();

    ListenerGuard(String serverName, Transport.Listener listener) {
        this.serverName = serverName;
        this.listener = listener;
    }

    /**
     * Delivers the message(s) of one JSON text (object or batch).
     *
     * @param where      where the text came from, for the log when it is bad (made only then)
     * @return true if one of them is the response to {@code awaitedId} (null: nothing awaited)
     */
    boolean deliverJson(String text, Supplier<String> where, JsonNode awaitedId) {
        return deliverJson(text.getBytes(StandardCharsets.UTF_8), where, awaitedId);
    }

    /**
     * {@link #deliverJson(String, Supplier, JsonNode)} for a body as it came: parsed from its bytes, so bytes that
     * are not UTF-8 are bad input naming them (never replacement characters passed on).
     */
    boolean deliverJson(byte[] bytes, Supplier<String> where, JsonNode awaitedId) {
        List<ObjectNode> messages;
        try {
            messages = MessageShape.parse(bytes, 0, bytes.length);
        } catch (MessageShape.BadMessageException e) {
            badInput(where.get() + " carried " + e.getMessage() + ": " + MessageShape.snippet(bytes, bytes.length));
            OversizedMessage.Envelope envelope = e.tooLarge()
                    ? OversizedMessage.envelope(bytes, 0, bytes.length) : null;
            if (envelope == null || !envelope.answersRequest()) {
                return false;
            }
            // the answer could not be read, but whose it is can: its request fails now, not at its timeout
            deliver(OversizedMessage.failedAnswer(envelope.id()));
            return awaitedId != null && MessageShape.sameId(awaitedId, envelope.id());
        }
        boolean answered = false;
        for (ObjectNode message : messages) {
            if (awaitedId != null && !message.has("method") && MessageShape.sameId(awaitedId, message.get("id"))) {
                answered = true;
            }
            deliver(message, message.has("method") ? awaitedId : null);
        }
        return answered;
    }

    void deliver(ObjectNode message) {
        deliver(message, null);
    }

    /** @param relatedRequestId our request on whose stream the message came, or null */
    void deliver(ObjectNode message, JsonNode relatedRequestId) {
        if (closed.get()) {
            return;
        }
        try {
            if (relatedRequestId == null) {
                listener.onMessage(message);
            } else {
                listener.onMessage(message, relatedRequestId);
            }
        } catch (RuntimeException e) {
            log.error("server '{}': the listener failed on a message; reading goes on", serverName, e);
        }
    }

    /**
     * Fails one request whose answer the transport cannot deliver any more (the POST failed after send
     * returned, or its stream ended and could not be resumed), so the caller does not wait for its timeout.
     */
    void failRequest(JsonNode id, String reason) {
        failRequest(id, reason, reason);
    }

    /**
     * Like {@link #failRequest(JsonNode, String)}: the caller (and a client behind it) gets {@code reason},
     * the log gets {@code detail} (which may hold the server's internals).
     */
    void failRequest(JsonNode id, String reason, String detail) {
        log.warn("server '{}': request {} failed in the transport: {}", serverName, id, detail);
        ObjectNode error = Json.object().put("code", TRANSPORT_ERROR_CODE).put("message", reason);
        error.set("data", Json.object().put("transport", true));
        ObjectNode response = Json.object().put("jsonrpc", "2.0");
        response.set("id", id);
        response.set("error", error);
        deliver(response);
    }

    void badInput(String description) {
        int count = badInputs.incrementAndGet();
        if (count <= BAD_INPUT_LOGGED_AT_WARN) {
            log.warn("server '{}': {}{}", serverName, description,
                    count == BAD_INPUT_LOGGED_AT_WARN ? " [further bad input is logged at DEBUG]" : "");
        } else {
            log.debug("server '{}': {}", serverName, description);
        }
        if (closed.get()) {
            return;
        }
        try {
            listener.onBadInput(description);
        } catch (RuntimeException e) {
            log.error("server '{}': the listener failed on bad input", serverName, e);
        }
    }

    /** Reports the close once; later messages are dropped. */
    void closed(Throwable cause) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            listener.onClosed(cause);
        } catch (RuntimeException e) {
            log.error("server '{}': the listener failed in onClosed", serverName, e);
        }
    }

    boolean isClosed() {
        return closed.get();
    }
}
