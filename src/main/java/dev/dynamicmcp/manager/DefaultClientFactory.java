package dev.dynamicmcp.manager;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.auth.upstream.UpstreamAuth;
import dev.dynamicmcp.auth.upstream.UpstreamAuthSource;
import dev.dynamicmcp.client.Handshake;
import dev.dynamicmcp.client.McpClient;
import dev.dynamicmcp.client.ProbeLostConnectionException;
import dev.dynamicmcp.config.ServerConfig;
import dev.dynamicmcp.config.TransportKind;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.transport.HttpStatusException;
import dev.dynamicmcp.transport.SseTransport;
import dev.dynamicmcp.transport.ChildEnvironment;
import dev.dynamicmcp.transport.StdioTransport;
import dev.dynamicmcp.transport.StreamableHttpTransport;
import dev.dynamicmcp.transport.Transport;
import dev.dynamicmcp.transport.UpstreamHttpClient;
import java.io.IOException;
import dev.dynamicmcp.runtime.Scheduler;
import dev.dynamicmcp.runtime.SystemScheduler;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import org.eclipse.jetty.client.HttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the transport a {@link ServerConfig} asks for and connects an {@link McpClient} over it. The client
 * announces sampling, elicitation and roots, because the proxy relays those requests to its own client.
 * {@code http} (HTTP_AUTO) tries Streamable HTTP and falls back to legacy SSE when the initialize POST is
 * answered 400, 404 or 405, as the MCP backwards-compatibility rule says. One Jetty {@link HttpClient} (HTTP/1.1,
 * for http:// and https:// alike) is shared by every HTTP server; {@link #close()} stops it.
 */
public final class DefaultClientFactory implements ClientFactory, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DefaultClientFactory.class);
    private static final Set<Integer> NOT_STREAMABLE_HTTP = Set.of(400, 404, 405);

    private final McpClient.Options baseOptions;
    private final BiConsumer<McpClient, String> beforeConnect;
    /**
     * Started when the first HTTP server's transport is made, stopped by {@link #close()}; its threads are its own
     * pool (UpstreamHttpClient). Not at construction: starting it loads the JDK's trust store and TLS classes
     * (~390 classes, several MB resident) and starts its selector and timer threads, which a proxy of stdio
     * servers never uses.
     */
    private HttpClient http;
    private boolean closed;
    private final ReentrantLock httpLock = new ReentrantLock();
    private final Scheduler scheduler;
    private final boolean ownsScheduler;
    private final UpstreamAuthSource upstreamAuth;

    public DefaultClientFactory() {
        this(McpClient.Options.defaults(), (client, isolationKey) -> { });
    }

    /**
     * @param baseOptions   client info and request timeout default; capabilities are replaced by
     *                      {@link #relayCapabilities}
     * @param beforeConnect called with each new client and its isolation key (null for a server's shared
     *                      connection) before it connects, so handlers for the server's own requests and
     *                      notifications are in place before the first message can arrive
     */
    public DefaultClientFactory(McpClient.Options baseOptions, BiConsumer<McpClient, String> beforeConnect) {
        this(baseOptions, beforeConnect, null);
    }

    /**
     * @param scheduler runs the clients' timers and readers; null: the factory
     *                  owns a {@link SystemScheduler}
     */
    public DefaultClientFactory(McpClient.Options baseOptions, BiConsumer<McpClient, String> beforeConnect,
                                Scheduler scheduler) {
        this(baseOptions, beforeConnect, scheduler, UpstreamAuthSource.NONE);
    }

    /**
     * @param upstreamAuth the OAuth credentials of each HTTP server with {@code oauth} (asked at every connect;
     *                     the same server gets the same credential, so a token outlives its connections)
     */
    public DefaultClientFactory(McpClient.Options baseOptions, BiConsumer<McpClient, String> beforeConnect,
                                Scheduler scheduler, UpstreamAuthSource upstreamAuth) {
        this.upstreamAuth = upstreamAuth == null ? UpstreamAuthSource.NONE : upstreamAuth;
        this.ownsScheduler = scheduler == null;
        this.scheduler = ownsScheduler ? new SystemScheduler() : scheduler;
        this.baseOptions = baseOptions;
        this.beforeConnect = beforeConnect;
    }

    /** The shared HTTP client if it was started (tests). */
    HttpClient httpClientIfStarted() {
        httpLock.lock();
        try {
            return http;
        } finally {
            httpLock.unlock();
        }
    }

    /** The shared HTTP client, started at the first call. */
    private HttpClient http() {
        httpLock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("the upstream client factory is closed");
            }
            if (http == null) {
                http = UpstreamHttpClient.start();
            }
            return http;
        } finally {
            httpLock.unlock();
        }
    }

    /** What the proxy can relay downstream: sampling, elicitation and roots (with list_changed). */
    public static ObjectNode relayCapabilities() {
        ObjectNode capabilities = Json.object();
        capabilities.putObject("sampling");
        capabilities.putObject("elicitation");
        capabilities.putObject("roots").put("listChanged", true);
        return capabilities;
    }

    @Override
    public McpClient connect(ServerConfig config, String isolationKey) throws IOException {
        return switch (config.transport()) {
            case STDIO, STREAMABLE_HTTP, SSE -> connect(config, config.transport(), isolationKey);
            case HTTP_AUTO -> {
                try {
                    yield connect(config, TransportKind.STREAMABLE_HTTP, isolationKey);
                } catch (HttpStatusException e) {
                    if (!NOT_STREAMABLE_HTTP.contains(e.status())) {
                        throw e;
                    }
                    log.info("server \"{}\" answered HTTP {} to a Streamable HTTP initialize; trying legacy SSE",
                            config.name(), e.status());
                    try {
                        yield connect(config, TransportKind.SSE, isolationKey);
                    } catch (IOException | RuntimeException sse) {
                        // The SSE error alone ("HTTP 400 to GET") hides why SSE was tried at all: say both.
                        IOException both = new IOException("server \"" + config.name() + "\" answered HTTP "
                                + e.status() + " to a Streamable HTTP initialize, and the legacy SSE fallback failed: "
                                + (sse.getMessage() == null ? sse.toString() : sse.getMessage()), sse);
                        both.addSuppressed(e);
                        throw both;
                    }
                }
            }
        };
    }

    /**
     * Stdio and Streamable HTTP negotiate the revision (MCP 2026-07-28 first, then initialize); legacy SSE is a
     * 2024 transport and only initializes. A stdio server that exits on the {@code server/discover} probe is
     * started again and opened with initialize alone.
     */
    private McpClient connect(ServerConfig config, TransportKind kind, String isolationKey) throws IOException {
        Handshake handshake = kind == TransportKind.SSE ? Handshake.initialize() : Handshake.auto();
        try {
            return connect(config, kind, isolationKey, handshake);
        } catch (ProbeLostConnectionException e) {
            if (kind != TransportKind.STDIO) {
                throw e;
            }
            log.info("server \"{}\" exited when asked server/discover; starting it again to initialize",
                    config.name());
            return connect(config, kind, isolationKey, Handshake.initialize());
        }
    }

    private McpClient connect(ServerConfig config, TransportKind kind, String isolationKey, Handshake handshake)
            throws IOException {
        UpstreamAuth auth = kind == TransportKind.STDIO ? UpstreamAuth.NONE : upstreamAuth.forServer(config, isolationKey);
        McpClient client = new McpClient(config.name(), transport(config, kind, auth), options(config), scheduler,
                handshake);
        beforeConnect.accept(client, isolationKey);
        client.connect(config.options().connectTimeout()); // closes the transport itself when it fails
        return client;
    }

    McpClient.Options options(ServerConfig config) {
        return new McpClient.Options(baseOptions.clientInfo(), relayCapabilities(), config.options().requestTimeout());
    }

    Transport transport(ServerConfig config, TransportKind kind) {
        return transport(config, kind, UpstreamAuth.NONE);
    }

    Transport transport(ServerConfig config, TransportKind kind, UpstreamAuth auth) {
        return switch (kind) {
            case STDIO -> new StdioTransport(config.name(), config.command(), config.args(),
                    ChildEnvironment.of(config.env(), config.options().inheritEnv()), config.cwd(),
                    StdioTransport.DEFAULT_CLOSE_GRACE, scheduler);
            case STREAMABLE_HTTP -> new StreamableHttpTransport(config.name(), config.url(), config.headers(), http(),
                    config.options().connectTimeout(), scheduler, auth);
            case SSE -> new SseTransport(config.name(), config.url(), config.headers(), http(),
                    config.options().connectTimeout(), scheduler, auth);
            case HTTP_AUTO -> throw new IllegalArgumentException("HTTP_AUTO is resolved by connect()");
        };
    }

    /**
     * Called after every connection was closed or killed within the shutdown deadline: whatever the HTTP clients
     * still holds (a stream a server never ended) is aborted, never waited for.
     */
    @Override
    public void close() {
        HttpClient started;
        httpLock.lock();
        try {
            closed = true;
            started = http;
        } finally {
            httpLock.unlock();
        }
        if (started != null) { // stopped outside the lock: it aborts exchanges, whose callbacks may run here
            UpstreamHttpClient.stop(started);
        }
        if (ownsScheduler) {
            scheduler.close();
        }
    }
}
