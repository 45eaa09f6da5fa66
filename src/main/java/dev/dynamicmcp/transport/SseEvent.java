package dev.dynamicmcp.transport;

/**
 * One dispatched Server-Sent Event.
 *
 * @param id   the stream's last event id when it was dispatched (null if none was ever set)
 * @param type the event type, "message" when the server gave none
 * @param data the data lines joined with '\n'
 */
record SseEvent(String id, String type, String data) {
}
