package dev.dynamicmcp.transport;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One dispatched Server-Sent Event.
 *
 * @param id    the stream's last event id when it was dispatched (null if none was ever set)
 * @param type  the event type, "message" when the server gave none
 * @param bytes the data lines joined with '\n', as the stream's bytes: a JSON message is parsed from them, never
 *              decoded into a String and encoded back
 */
record SseEvent(String id, String type, byte[] bytes) {
    SseEvent(String id, String type, String data) {
        this(id, type, data.getBytes(StandardCharsets.UTF_8));
    }

    /** The data as text; bytes that are not UTF-8 become U+FFFD, as the SSE specification says. */
    String data() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Whether the data is empty or only white space: an MCP priming event's, which only carries an id. */
    boolean blank() {
        for (byte b : bytes) {
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SseEvent event && Objects.equals(id, event.id) && type.equals(event.type)
                && Arrays.equals(bytes, event.bytes);
    }

    @Override
    public int hashCode() {
        return 31 * Objects.hash(id, type) + Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "SseEvent[id=" + id + ", type=" + type + ", data=" + data() + "]";
    }
}
