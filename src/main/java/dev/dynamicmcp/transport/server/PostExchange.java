package dev.dynamicmcp.transport.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.JsonRpc;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The requests of one POST waiting for their responses. Responses and related messages are appended to the
 * exchange's {@link EventStream}; the POST's own thread decides between a JSON answer and an SSE stream.
 */
final class PostExchange {
    private final EventStream stream;
    /** Request key to request id, in the order the client sent them. */
    private final Map<String, JsonNode> requests;
    private final Set<String> pending = ConcurrentHashMap.newKeySet();
    private volatile boolean abandoned;
    private volatile boolean usedEvents;

    PostExchange(EventStream stream, List<ObjectNode> requestMessages) {
        this.stream = stream;
        this.requests = new LinkedHashMap<>();
        for (ObjectNode request : requestMessages) {
            requests.put(StreamableSession.key(request.get("id")), request.get("id"));
        }
        pending.addAll(requests.keySet());
    }

    EventStream stream() {
        return stream;
    }

    Set<String> requestKeys() {
        return requests.keySet();
    }

    int requestCount() {
        return requests.size();
    }

    void respond(String key, ObjectNode response) {
        stream.append(response);
        if (pending.remove(key) && pending.isEmpty()) {
            stream.complete();
        }
    }

    /** The client cancelled this request: no response will come (the spec says none is sent). */
    void cancelledByClient(String key) {
        if (pending.remove(key) && pending.isEmpty()) {
            stream.complete();
        }
    }

    /** The session ended: every request still waiting gets an error so the client is not left hanging. */
    void sessionClosed() {
        for (Map.Entry<String, JsonNode> request : requests.entrySet()) {
            if (pending.contains(request.getKey())) {
                respond(request.getKey(), JsonRpc.error(request.getValue(), JsonRpc.CONNECTION_CLOSED,
                        "the MCP session was closed before the request was answered", null));
            }
        }
    }

    /** The client went away; the POST's thread wakes up and cancels what is still pending. */
    void abandon() {
        abandoned = true;
        stream.wakeUp();
    }

    boolean isAbandoned() {
        return abandoned;
    }

    /** Ids of the requests not answered yet. */
    List<JsonNode> pendingIds() {
        return requests.entrySet().stream().filter(e -> pending.contains(e.getKey())).map(Map.Entry::getValue)
                .toList();
    }

    void markUsedEvents() {
        usedEvents = true;
    }

    boolean usedEvents() {
        return usedEvents;
    }
}
