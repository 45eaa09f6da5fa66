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
     *
     * @param isolationKey the downstream session this connection belongs to ({@code "isolation": "session"}),
     *                     or null for the server's shared connection
     */
    McpClient connect(ServerConfig config, String isolationKey) throws IOException;
}
