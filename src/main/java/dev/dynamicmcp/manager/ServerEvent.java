package dev.dynamicmcp.manager;

import dev.dynamicmcp.client.McpClient;

/** What a {@link ServerListener} hears: a server became usable, stopped being usable, or was removed. */
public sealed interface ServerEvent {
    String server();

    /** The server is (again) initialized; {@code client} is the new session, lists may have changed. */
    record Ready(String server, McpClient client) implements ServerEvent {
    }

    /** The server left READY (connection lost, unhealthy, replaced); its tools should be hidden. */
    record Down(String server, String reason) implements ServerEvent {
    }

    /** The server was removed from the configuration. */
    record Removed(String server) implements ServerEvent {
    }
}
