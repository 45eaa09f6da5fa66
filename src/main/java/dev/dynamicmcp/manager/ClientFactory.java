package dev.dynamicmcp.manager;

import dev.dynamicmcp.client.McpClient;
import dev.dynamicmcp.config.ServerConfig;
import java.io.IOException;

/**
 * Builds and connects one upstream session. The manager calls it from a virtual thread, never under a lock.
 * Tests pass a factory of in-memory fakes.
 */
@FunctionalInterface
public interface ClientFactory {
    /**
     * Creates the transport for {@code config}, connects and initializes within
     * {@code config.options().connectTimeout()}; on failure nothing is left open.
     */
    McpClient connect(ServerConfig config) throws IOException;
}
