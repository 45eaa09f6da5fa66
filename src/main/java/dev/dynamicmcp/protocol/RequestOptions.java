package dev.dynamicmcp.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * How one outgoing request is run.
 *
 * @param timeout         how long to wait for the answer; when it passes the request fails with
 *                        {@link JsonRpc#REQUEST_TIMEOUT} and {@code notifications/cancelled} is sent to the peer
 * @param onProgress      receives the params of each {@code notifications/progress} for this request; when set,
 *                        a fresh progress token is put in {@code params._meta.progressToken} (replacing any token
 *                        the caller had: tokens are remapped per hop)
 * @param resetOnProgress each progress notification restarts the timeout, up to {@code maxTotal}
 * @param maxTotal        the longest the request may run when progress keeps resetting the timeout
 * @param relatedRequestId the peer's request this one is made on behalf of (a sampling request during a
 *                        tools/call), so a Streamable HTTP server can send it on that request's stream; or null
 */
public record RequestOptions(Duration timeout, Consumer<ObjectNode> onProgress, boolean resetOnProgress,
                             Duration maxTotal, JsonNode relatedRequestId) {

    public static RequestOptions timeout(Duration timeout) {
        return new RequestOptions(timeout, null, false, timeout, null);
    }

    public RequestOptions withProgress(Consumer<ObjectNode> listener, Duration maxTotalTimeout) {
        return new RequestOptions(timeout, listener, true, maxTotalTimeout, relatedRequestId);
    }

    public RequestOptions relatedTo(JsonNode requestId) {
        return new RequestOptions(timeout, onProgress, resetOnProgress, maxTotal, requestId);
    }
}
