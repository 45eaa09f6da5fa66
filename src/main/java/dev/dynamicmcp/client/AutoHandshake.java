package dev.dynamicmcp.client;

import dev.dynamicmcp.transport.StdioTransport;
import java.io.IOException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Version negotiation as the 2026-07-28 backwards-compatibility rules describe it: ask {@code server/discover}
 * first; an older server (see {@link DiscoverHandshake}) is then opened with {@code initialize} on the same
 * connection. On stdio an older server may never answer the probe, so the probe gets half the connect budget
 * and {@code initialize} the rest.
 */
final class AutoHandshake implements Handshake {
    private static final Logger log = LoggerFactory.getLogger(AutoHandshake.class);
    static final AutoHandshake INSTANCE = new AutoHandshake();

    private AutoHandshake() {
    }

    @Override
    public InitializeResult open(Channel channel, McpClient.Options options, Duration timeout) throws IOException {
        boolean stdio = channel.transport() instanceof StdioTransport;
        Duration probe = stdio ? timeout.dividedBy(2) : timeout;
        try {
            return DiscoverHandshake.INSTANCE.open(channel, options, probe);
        } catch (NotModernException e) {
            log.info("server \"{}\" does not speak MCP 2026-07-28 ({}); opening it with initialize",
                    channel.serverName(), e.getMessage());
        } catch (dev.dynamicmcp.protocol.McpException e) {
            if (!stdio || e.code() != dev.dynamicmcp.protocol.JsonRpc.REQUEST_TIMEOUT) {
                throw e;
            }
            log.info("server \"{}\" did not answer server/discover within {}; opening it with initialize",
                    channel.serverName(), probe);
        }
        return InitializeHandshake.INSTANCE.open(channel, options, stdio ? timeout.minus(probe) : timeout);
    }

    @Override
    public String toString() {
        return "auto (server/discover, else initialize)";
    }
}
