package dev.dynamicmcp.proxy;

import dev.dynamicmcp.auth.AuthWiring; // wiring: auth
import dev.dynamicmcp.auth.upstream.UpstreamSignIns; // wiring: auth
import dev.dynamicmcp.client.McpClient;
import dev.dynamicmcp.client.Version;
import dev.dynamicmcp.config.ConfigDiff;
import dev.dynamicmcp.config.ProxyConfig;
import dev.dynamicmcp.config.ServerConfig;
import dev.dynamicmcp.manager.DefaultClientFactory;
import dev.dynamicmcp.manager.ServerEvent;
import dev.dynamicmcp.manager.ServerManager;
import dev.dynamicmcp.manager.ServerStatus;
import dev.dynamicmcp.manager.ShutdownReport;
import dev.dynamicmcp.ops.MicrometerManagerListener;
import dev.dynamicmcp.ops.OpsRoutes;
import dev.dynamicmcp.transport.server.HttpServerHost;
import dev.dynamicmcp.transport.server.StdioServer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dynamic MCP Proxy as a running thing: the connection manager for the configured upstreams, the merged
 * server, and the downstream endpoints (Streamable HTTP + legacy SSE + ops routes, and/or stdio).
 *
 * <pre>{@code
 * try (ProxyServer proxy = ProxyServer.start(config, ProxyServer.Options.httpOnly())) {
 *     System.out.println(proxy.endpoint());   // http://127.0.0.1:8080/mcp
 * }
 * }</pre>
 */
public final class ProxyServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);
    /** Large, so clients that never follow nextCursor still see every tool; paginated beyond it. */
    static final int DEFAULT_PAGE_SIZE = 1000;

    /**
     * @param http         serve HTTP (Streamable HTTP at /mcp, legacy SSE at /sse, ops routes)
     * @param stdio        serve one MCP session on {@code stdin}/{@code stdout}
     * @param startTimeout the longest start waits for the servers' first connect and listing
     */
    public record Options(boolean http, boolean stdio, InputStream stdin, OutputStream stdout, int pageSize,
                          Duration startTimeout, Duration shutdownTimeout) {
        public static Options httpOnly() {
            return new Options(true, false, null, null, DEFAULT_PAGE_SIZE, Duration.ofSeconds(60), Duration.ofSeconds(10));
        }

        public static Options stdio(InputStream in, OutputStream out, boolean alsoHttp) {
            return new Options(alsoHttp, true, in, out, DEFAULT_PAGE_SIZE, Duration.ofSeconds(60), Duration.ofSeconds(10));
        }

        /** No endpoint at all: for {@code check} and {@code tools}, which only look. */
        public static Options none() {
            return new Options(false, false, null, null, DEFAULT_PAGE_SIZE, Duration.ofSeconds(60), Duration.ofSeconds(10));
        }

        public Options withPageSize(int size) {
            return new Options(http, stdio, stdin, stdout, size, startTimeout, shutdownTimeout);
        }
    }

    private final Options options;
    private final Instant startedAt = Instant.now();
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final DefaultClientFactory clientFactory = new DefaultClientFactory(McpClient.Options.defaults(),
            this::attach, null, this::upstreamAuth); // wiring: auth
    private final Map<String, AtomicLong> generations = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Void>> discoveries = new ConcurrentHashMap<>();
    private final AtomicBoolean startupFinished = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ServerManager manager;
    private final ManagerUpstreams upstreams;
    private final ProxyCore core;
    private final OpsRoutes ops;
    private final UpstreamSignIns signIns; // wiring: auth
    private volatile HttpServerHost http;
    private volatile StdioServer stdio;

    private ProxyServer(ProxyConfig config, Options options) {
        this.options = options;
        List<ServerConfig> servers = new ArrayList<>(config.servers().values());
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        this.manager = ServerManager.builder(config.proxy())
                .servers(servers)
                .clientFactory(clientFactory)
                .listener(new MicrometerManagerListener(registry))
                .build();
        this.signIns = AuthWiring.upstream(config.proxy(), options.http(), this::baseUri, manager.scheduler()); // wiring: auth
        signIns.addSignInListener(name -> manager.connectNow(name, "signed in")); // wiring: auth
        this.upstreams = new ManagerUpstreams(manager);
        this.core = new ProxyCore(config.proxy(), upstreams, options.pageSize(), manager::order, manager.scheduler());
        Gauge.builder("mcp_proxy_sessions", core, ProxyCore::sessionCount)
                .description("open downstream sessions").register(registry);
        Gauge.builder("mcp_proxy_exposed_tools", core, c -> c.catalog().tools().size())
                .description("tools in the merged list").register(registry);
        this.ops = new OpsRoutes(new OpsSource(), registry::scrape);
        manager.addServerListener(this::onServerEvent);
    }

    /** Connects the servers (in parallel), lists what they offer, then opens the endpoints. */
    public static ProxyServer start(ProxyConfig config, Options options) throws Exception {
        ProxyServer proxy = new ProxyServer(config, options);
        try {
            proxy.startUp(config);
            return proxy;
        } catch (Exception | Error e) {
            proxy.close();
            throw e;
        }
    }

    private void startUp(ProxyConfig config) throws Exception {
        AuthWiring.openIfNeeded(signIns, config.servers().values()); // wiring: auth
        manager.initialize();
        CompletableFuture<?>[] pending = discoveries.values().toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(pending).get(options.startTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            log.warn("some servers were still listing their tools after {}; they join when done", options.startTimeout());
        }
        startupFinished.set(true);
        if (options.http()) {
            HttpServerHost host = new HttpServerHost(config.proxy(), core);
            host.addRoute("GET", "/healthz", ops.healthz())
                    .addRoute("GET", "/readyz", ops.readyz())
                    .addRoute("GET", "/status", ops.status())
                    .addRoute("GET", "/metrics", ops.metrics());
            AuthWiring.mount(host, config.proxy(), signIns, manager.scheduler()); // wiring: auth
            host.start();
            http = host;
            log.info("serving MCP at {}", endpoint());
        }
        if (options.stdio()) {
            stdio = new StdioServer(options.stdin(), options.stdout(), core).start();
        }
    }

    /**
     * Routes a new upstream client's own requests and notifications into the merged server: a shared
     * connection's to the merged server, an isolated one's (its key is the downstream session id) to its session.
     */
    private void attach(McpClient client, String isolationKey) {
        String server = client.serverName();
        if (isolationKey != null) {
            client.setRequestHandler(request -> core.isolatedUpstreamRequest(isolationKey, server, request));
            client.addNotificationListener(n -> core.isolatedUpstreamNotification(isolationKey, server, n));
            return;
        }
        client.setRequestHandler(new McpClient.RequestHandler() {
            @Override
            public CompletableFuture<com.fasterxml.jackson.databind.JsonNode> handle(
                    com.fasterxml.jackson.databind.node.ObjectNode request) {
                return core.upstreamRequest(server, request, null);
            }

            @Override
            public CompletableFuture<com.fasterxml.jackson.databind.JsonNode> handle(
                    com.fasterxml.jackson.databind.node.ObjectNode request,
                    com.fasterxml.jackson.databind.JsonNode relatedRequestId) {
                return core.upstreamRequest(server, request, relatedRequestId);
            }
        });
        client.addNotificationListener(notification -> core.upstreamNotification(server, notification));
    }

    private dev.dynamicmcp.auth.upstream.UpstreamAuth upstreamAuth(ServerConfig config) throws java.io.IOException { // wiring: auth
        return signIns.forServer(config); // wiring: auth
    } // wiring: auth

    private void onServerEvent(ServerEvent event) {
        String server = event.server();
        long generation = generations.computeIfAbsent(server, s -> new AtomicLong()).incrementAndGet();
        switch (event) {
            case ServerEvent.Ready ready -> {
                CompletableFuture<Void> listing = upstreams.discover(server).handle((lists, failure) -> {
                    if (generations.get(server).get() != generation) {
                        return null; // the server changed again meanwhile; that event lists it anew
                    }
                    if (failure != null) {
                        log.warn("server \"{}\" is READY but listing what it offers failed: {}", server,
                                failure.getCause() != null ? failure.getCause().getMessage() : failure.getMessage());
                    } else {
                        core.serverUpdated(lists);
                        core.restoreSessionState(server);
                    }
                    return null;
                });
                discoveries.put(server, listing);
            }
            case ServerEvent.Down down -> core.serverGone(server);
            case ServerEvent.Removed removed -> {
                core.serverGone(server);
            }
        }
    }

    /** The Streamable HTTP endpoint, e.g. {@code http://127.0.0.1:8080/mcp}; null when not serving HTTP. */
    public URI endpoint() {
        HttpServerHost host = http;
        return host == null ? null : host.uri().resolve("/mcp");
    }

    /** The HTTP base, e.g. {@code http://127.0.0.1:8080/}; null when not serving HTTP. */
    public URI baseUri() {
        HttpServerHost host = http;
        return host == null ? null : host.uri().resolve("/");
    }

    public ServerManager manager() {
        return manager;
    }

    public List<ServerStatus> status() {
        return manager.status();
    }

    /** The merged tools as clients see them (names exposed by the proxy). */
    public List<com.fasterxml.jackson.databind.node.ObjectNode> tools() {
        return core.catalog().tools();
    }

    /** Tools each server contributes to the merged list. */
    public int exposedTools(String server) {
        return (int) core.catalog().tools().stream()
                .filter(tool -> core.catalog().tool(tool.path("name").asText())
                        .map(route -> route.server().equals(server)).orElse(false))
                .count();
    }

    public int sessionCount() {
        return core.sessionCount();
    }

    /** Completes when the stdio session ends (stdin closed); never for an HTTP-only proxy. */
    public CompletableFuture<Void> stdioDone() {
        StdioServer server = stdio;
        return server == null ? new CompletableFuture<>() : server.done();
    }

    /** Adds a server at runtime; clients are told through list_changed once it is READY. */
    public void addServer(ServerConfig config) {
        manager.add(config);
    }

    /** Replaces a server's config at runtime (drains its calls, reconnects). */
    public void replaceServer(ServerConfig config) {
        manager.replace(config);
    }

    public boolean removeServer(String name) {
        return manager.remove(name);
    }

    /**
     * Applies a changed config file: removed servers are drained and closed, added ones connected, changed
     * ones replaced; unchanged servers keep running untouched. Changes of the {@code proxy} section need a
     * restart (logged).
     */
    public void reload(ProxyConfig previous, ProxyConfig next) {
        ConfigDiff diff = ConfigDiff.between(previous, next);
        if (diff.isEmpty()) {
            return;
        }
        log.info("config changed: {}", diff.summary());
        if (diff.proxyChanged()) {
            log.warn("changes to the \"proxy\" section (host, port, namespace, token, defaults for running servers) "
                    + "take effect after a restart");
        }
        List<Thread> work = new ArrayList<>();
        for (String name : diff.removed()) {
            work.add(Thread.ofVirtual().start(() -> removeServer(name)));
        }
        for (String name : diff.added()) {
            ServerConfig config = next.servers().get(name);
            work.add(Thread.ofVirtual().start(() -> runLogged("add", name, () -> addServer(config))));
        }
        for (ServerConfig config : diff.changed()) {
            work.add(Thread.ofVirtual().start(() -> runLogged("replace", config.name(), () -> replaceServer(config))));
        }
        for (Thread thread : work) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void runLogged(String what, String server, Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            log.warn("could not {} server \"{}\": {}", what, server, e.getMessage());
        }
    }

    /** Stops serving, closes every session and upstream connection, kills what does not exit. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        log.info("shutting down");
        if (stdio != null) {
            stdio.close();
        }
        if (http != null) {
            http.close();
        }
        ShutdownReport report = manager.shutdown(options.shutdownTimeout());
        if (!report.clean()) {
            log.warn("shutdown: {} server(s) did not close in time {}, {} force-killed {}", report.timedOut().size(),
                    report.timedOut(), report.forceKilled().size(), report.forceKilled());
        }
        clientFactory.close();
        signIns.close(); // wiring: auth
        registry.close();
        log.info("stopped after {}", Duration.between(startedAt, Instant.now()));
    }

    private final class OpsSource implements OpsRoutes.Source {
        @Override
        public List<ServerStatus> servers() {
            return manager.status();
        }

        @Override
        public int exposedTools(String server) {
            return ProxyServer.this.exposedTools(server);
        }

        @Override
        public int sessions() {
            return core.sessionCount();
        }

        @Override
        public boolean startupFinished() {
            return startupFinished.get();
        }

        @Override
        public Instant startedAt() {
            return startedAt;
        }

        @Override
        public String version() {
            return Version.get();
        }
    }
}
