package dev.dynamicmcp.transport.server;

import java.time.Duration;
import java.util.Objects;

/**
 * Tuning of the downstream HTTP transports.
 *
 * @param mcpPath            where Streamable HTTP is served ({@code /mcp})
 * @param ssePath            legacy HTTP+SSE: the GET that opens a session's stream ({@code /sse})
 * @param messagePath        legacy HTTP+SSE: where the client POSTs its messages ({@code /message})
 * @param sessionIdleTimeout a session with no request and no open stream for this long is closed
 * @param keepAliveInterval  how often an idle SSE stream gets a comment line, so proxies keep it and a vanished
 *                           client is noticed; also how long a POST waits before switching to SSE
 * @param eventBufferSize    events kept per stream: messages for a client that has no GET stream open yet, and
 *                           the replay window for {@code Last-Event-ID}
 * @param retainedStreams    finished POST streams kept per session for {@code Last-Event-ID} resumption
 * @param maxBodyBytes       largest accepted request body (HTTP 413 above)
 */
public record HttpTransportOptions(String mcpPath, String ssePath, String messagePath, Duration sessionIdleTimeout,
                                   Duration keepAliveInterval, int eventBufferSize, int retainedStreams,
                                   long maxBodyBytes) {

    public static final HttpTransportOptions DEFAULTS = new HttpTransportOptions("/mcp", "/sse", "/message",
            Duration.ofMinutes(30), Duration.ofSeconds(15), 256, 8, 4L * 1024 * 1024);

    public HttpTransportOptions {
        Objects.requireNonNull(mcpPath, "mcpPath");
        Objects.requireNonNull(ssePath, "ssePath");
        Objects.requireNonNull(messagePath, "messagePath");
        if (sessionIdleTimeout == null || sessionIdleTimeout.isNegative() || sessionIdleTimeout.isZero()) {
            throw new IllegalArgumentException("sessionIdleTimeout must be positive, got " + sessionIdleTimeout);
        }
        if (keepAliveInterval == null || keepAliveInterval.isNegative() || keepAliveInterval.isZero()) {
            throw new IllegalArgumentException("keepAliveInterval must be positive, got " + keepAliveInterval);
        }
        if (eventBufferSize < 1 || retainedStreams < 0 || maxBodyBytes < 1) {
            throw new IllegalArgumentException("eventBufferSize >= 1, retainedStreams >= 0, maxBodyBytes >= 1");
        }
    }

    public HttpTransportOptions withSessionIdleTimeout(Duration timeout) {
        return new HttpTransportOptions(mcpPath, ssePath, messagePath, timeout, keepAliveInterval, eventBufferSize,
                retainedStreams, maxBodyBytes);
    }

    public HttpTransportOptions withKeepAliveInterval(Duration interval) {
        return new HttpTransportOptions(mcpPath, ssePath, messagePath, sessionIdleTimeout, interval, eventBufferSize,
                retainedStreams, maxBodyBytes);
    }

    public HttpTransportOptions withEventBufferSize(int size) {
        return new HttpTransportOptions(mcpPath, ssePath, messagePath, sessionIdleTimeout, keepAliveInterval, size,
                retainedStreams, maxBodyBytes);
    }

    public HttpTransportOptions withMaxBodyBytes(long bytes) {
        return new HttpTransportOptions(mcpPath, ssePath, messagePath, sessionIdleTimeout, keepAliveInterval,
                eventBufferSize, retainedStreams, bytes);
    }

    public HttpTransportOptions withMcpPath(String path) {
        return new HttpTransportOptions(path, ssePath, messagePath, sessionIdleTimeout, keepAliveInterval,
                eventBufferSize, retainedStreams, maxBodyBytes);
    }
}
