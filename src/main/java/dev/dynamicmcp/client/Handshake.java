package dev.dynamicmcp.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.protocol.PendingRequest;
import dev.dynamicmcp.protocol.RequestOptions;
import dev.dynamicmcp.transport.Transport;
import java.io.IOException;
import java.time.Duration;

/**
 * How a client opens its session with a server: the one revision-specific step of {@link McpClient}. The
 * 2025 revisions send {@code initialize} and {@code initialized} ({@link #initialize()}); MCP 2026-07-28 is
 * stateless and describes a server with {@code server/discover} instead: another implementation of this.
 * Run by the client at connect, and again when a Streamable HTTP server has forgotten the session.
 */
public interface Handshake {

    /**
     * Opens the session on {@code channel}, within {@code timeout}, and tells the transport the negotiated
     * revision ({@link Transport#onInitialized}).
     *
     * @return what the server said about itself
     * @throws IOException or {@link dev.dynamicmcp.protocol.McpException} when the server cannot be used
     */
    InitializeResult open(Channel channel, McpClient.Options options, Duration timeout) throws IOException;

    /** The 2025 handshake: {@code initialize}, version check, {@code notifications/initialized}. */
    static Handshake initialize() {
        return InitializeHandshake.INSTANCE;
    }

    /** MCP 2026-07-28 only: {@code server/discover} (retried in a version the server names on -32022). */
    static Handshake discover() {
        return DiscoverHandshake.INSTANCE;
    }

    /** Version negotiation: {@code server/discover} first, {@code initialize} for an older server. */
    static Handshake auto() {
        return AutoHandshake.INSTANCE;
    }

    /** What a handshake may use: raw requests on the connection (no session recovery around them). */
    interface Channel {
        String serverName();

        Transport transport();

        PendingRequest request(String method, JsonNode params, RequestOptions options);

        boolean notifyServer(String method, JsonNode params);

        /** Waits for a request's result; failures come as {@link dev.dynamicmcp.protocol.McpException} or IOException. */
        default JsonNode await(PendingRequest request, Duration timeout) throws IOException {
            return McpClient.await(request, timeout);
        }
    }
}
