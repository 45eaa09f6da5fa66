package dev.dynamicmcp.app;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.admin.AdminRoutes;
import dev.dynamicmcp.admin.ConsoleRoutes;
import dev.dynamicmcp.auth.AuthWiring;
import dev.dynamicmcp.auth.upstream.UpstreamAuthSource;
import dev.dynamicmcp.auth.upstream.UpstreamSignIns;
import dev.dynamicmcp.client.McpClient;
import dev.dynamicmcp.config.Profile;
import dev.dynamicmcp.config.ConfigProblem;
import dev.dynamicmcp.config.ConfigWatcher;
import dev.dynamicmcp.config.ProxySettings;
import dev.dynamicmcp.manager.ManagerListener;
import dev.dynamicmcp.config.ProxyConfig;
import dev.dynamicmcp.config.ServerConfig;
import dev.dynamicmcp.manager.DefaultClientFactory;
import dev.dynamicmcp.manager.ServerManager;
import dev.dynamicmcp.manager.ServerStatus;
import dev.dynamicmcp.manager.ShutdownReport;
import dev.dynamicmcp.ops.MicrometerManagerListener;
import dev.dynamicmcp.ops.OpsRoutes;
import dev.dynamicmcp.proxy.ProxyServer;
import dev.dynamicmcp.runtime.Durations;
import dev.dynamicmcp.runtime.Scheduler;
import dev.dynamicmcp.runtime.SystemScheduler;
import dev.dynamicmcp.transport.server.HostOptions;
import dev.dynamicmcp.transport.server.ProfileEndpoints;
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
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.eclipse.jetty.server.Request;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: Dynamic MCP Proxy as a running thing. It builds, with constructors only, in this order:
 * the one {@link Scheduler} → Prometheus registry and JVM metrics → the manager listener → the
 * {@link ServerManager} (on that scheduler, with a client factory on it too) → the merged {@link ProxyServer}
 * → the HTTP host with the ops routes, and the stdio server; {@link #close()} takes them down in reverse
 * order, the scheduler last (awaited).
 *
 * <p>{@link #start()} binds first: the HTTP port (and stdio) are open before any server is started, so a busy
 * port fails at once, {@code /healthz} answers during start-up and a stdio client's {@code initialize} is
 * answered with the servers that are ready (the others' tools follow with {@code list_changed}).
 *
 * <pre>{@code
 * try (ProxyApp proxy = ProxyApp.start(config, ProxyApp.Options.httpOnly())) {
 *     System.out.println(proxy.endpoint());   // http://127.0.0.1:8080/mcp
 * }
 * }</pre>
 */
public final class ProxyApp implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProxyApp.class);

    /**
     * @param http         serve HTTP (Streamable HTTP at /mcp, legacy SSE at /sse, ops routes)
     * @param stdio        serve one MCP session on {@code stdin}/{@code stdout}
     * @param startTimeout the longest start waits for the servers' first connect and listing
     * @param persist      write changes made through the admin API to the config file ({@code --no-persist}:
     *                     false, they last until restart)
     */
    public record Options(boolean http, boolean stdio, InputStream stdin, OutputStream stdout, int pageSize,
                          Duration startTimeout, Duration shutdownTimeout, boolean persist, String stdioProfile) {
        public Options(boolean http, boolean stdio, InputStream stdin, OutputStream stdout, int pageSize,
                       Duration startTimeout, Duration shutdownTimeout) {
            this(http, stdio, stdin, stdout, pageSize, startTimeout, shutdownTimeout, true, null);
        }

        public static Options httpOnly() {
            return new Options(true, false, null, null, ProxyServer.DEFAULT_PAGE_SIZE, Duration.ofSeconds(60),
                    Duration.ofSeconds(10));
        }

        public static Options stdio(InputStream in, OutputStream out, boolean alsoHttp) {
            return new Options(alsoHttp, true, in, out, ProxyServer.DEFAULT_PAGE_SIZE, Duration.ofSeconds(60),
                    Duration.ofSeconds(10));
        }

        /** No endpoint at all: for {@code check} and {@code tools}, which only look. */
        public static Options none() {
            return new Options(false, false, null, null, ProxyServer.DEFAULT_PAGE_SIZE, Duration.ofSeconds(60),
                    Duration.ofSeconds(10));
        }

        public Options withPageSize(int size) {
            return new Options(http, stdio, stdin, stdout, size, startTimeout, shutdownTimeout, persist, stdioProfile);
        }

        public Options withShutdownTimeout(Duration timeout) {
            return new Options(http, stdio, stdin, stdout, pageSize, startTimeout, timeout, persist, stdioProfile);
        }

        /** {@code false}: admin API changes are not written to the config file ({@code --no-persist}). */
        public Options withPersist(boolean value) {
            return new Options(http, stdio, stdin, stdout, pageSize, startTimeout, shutdownTimeout, value, stdioProfile);
        }

        /** The stdio session serves this profile's view ({@code --stdio --profile NAME}); null: everything. */
        public Options withStdioProfile(String profile) {
            return new Options(http, stdio, stdin, stdout, pageSize, startTimeout, shutdownTimeout, persist, profile);
        }
    }

    /** NEW → STARTING → RUNNING → CLOSED; close() may come in any state (a SIGTERM during start). */
    public enum State { NEW, STARTING, RUNNING, CLOSED }

    private final Options options;
    private final dev.dynamicmcp.config.ProxySettings settings;
    private final Scheduler scheduler;
    private final long startedNanos;
    private final PrometheusMeterRegistry registry;
    private final DefaultClientFactory[] clientFactory = new DefaultClientFactory[1];
    private final ProxyServer merged;
    private final UpstreamSignIns signIns;
    private final ServerManager manager;
    private final HttpServerHost http;
    private final StdioServer stdio;
    private final ConfigState configState;
    private final ConfigKeeper keeper;
    private final AdminRoutes admin;
    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    private final AtomicBoolean startupFinished = new AtomicBoolean();
    /** Completes with start-up (or close): calls to names not listed yet wait for it instead of failing. */
    private final CompletableFuture<Void> listed = new CompletableFuture<>();

    private ProxyApp(ProxyConfig config, Options options, Path configFile) {
        this.options = options;
        this.settings = config.proxy();
        this.scheduler = new SystemScheduler();
        this.startedNanos = scheduler.nanoTime();
        this.configState = new ConfigState(configFile, config, scheduler);
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        MicrometerManagerListener metrics = new MicrometerManagerListener(registry);
        AdminRelay adminEvents = new AdminRelay();
        ManagerListener listener = new CompositeManagerListener(metrics, adminEvents);
        // upstream OAuth: one sign-in keeper; its callback URL is on our own HTTP host (known once bound)
        this.signIns = AuthWiring.upstream(config.proxy(), options.http(), this::baseUri, scheduler);
        this.merged = new ProxyServer(config.proxy(), config.profiles(), options.pageSize(), attach -> {
            clientFactory[0] = new DefaultClientFactory(McpClient.Options.defaults(), attach, scheduler, signIns);
            return ServerManager.builder(config.proxy())
                    .servers(List.copyOf(config.servers().values()))
                    .clientFactory(clientFactory[0])
                    .listener(listener)
                    .scheduler(scheduler)
                    .build();
        });
        this.manager = merged.manager();
        merged.startingUp(listed);
        signIns.addSignInListener(name -> manager.connectNow(name, "signed in"));
        signIns.addUserSignInListener((name, user) ->
                manager.connectNow(name, UpstreamAuthSource.userKey(user), "its user signed in"));
        Gauge.builder("mcp_proxy_sessions", merged, ProxyServer::sessionCount)
                .description("open downstream sessions").register(registry);
        Gauge.builder("mcp_proxy_exposed_tools", merged, m -> m.tools().size())
                .description("tools in the merged list").register(registry);
        OpsRoutes ops = new OpsRoutes(new OpsSource(this), registry::scrape);
        // The console's page and assets need no token: the page itself asks for it.
        Set<String> publicPaths = new HashSet<>(HostOptions.DEFAULTS.publicPaths());
        publicPaths.addAll(ConsoleRoutes.ASSETS.keySet());
        HostOptions hostOptions = new HostOptions(HostOptions.DEFAULTS.transport(),
                HostOptions.DEFAULTS.allowedOrigins(), publicPaths, HostOptions.DEFAULTS.stopTimeout(),
                new ProfileEndpoints() {
                    @Override
                    public boolean exists(String name) {
                        return merged.hasProfile(name);
                    }

                    @Override
                    public String token(String name) {
                        Profile profile = merged.profiles().get(name);
                        return profile == null ? null : profile.token();
                    }
                });
        this.http = options.http()
                ? new HttpServerHost(config.proxy(), merged.sessions(), hostOptions, scheduler) : null;
        this.stdio = options.stdio() ? new StdioServer(options.stdin(), options.stdout(), merged.sessions(),
                options.stdioProfile(), scheduler) : null;
        Reloader reloader = new Reloader(manager, this::rotateToken, this::rotateAdminToken, merged::updateProfiles);
        this.keeper = new ConfigKeeper(configFile, options.persist(), config, manager, reloader, configState,
                adminEvents);
        this.admin = http == null ? null
                : new AdminRoutes(new ProxyAdminBackend(merged, keeper, adminEvents, signIns), scheduler);
        if (http != null) {
            http.addRoute("GET", "/healthz", ops.healthz())
                    .addRoute("GET", "/readyz", ops.readyz())
                    .addRoute("GET", "/status", ops.status())
                    .addRoute("GET", "/metrics", ops.metrics())
                    .addPrefixRoute(HttpServerHost.ADMIN_PREFIX, admin.handler());
            Request.Handler console = new ConsoleRoutes().handler();
            for (String path : ConsoleRoutes.ASSETS.keySet()) {
                http.addRoute("GET", path, console).addRoute("HEAD", path, console);
            }
            AuthWiring.mount(http, config.proxy(), signIns, scheduler); // OAuth resource server + sign-in callback
        }
    }

    /**
     * Builds everything and opens nothing: a caller that must be able to stop the proxy at any time (the CLI's
     * shutdown hook) gets the object before {@link #start()} starts anything.
     */
    public static ProxyApp assemble(ProxyConfig config, Options options) {
        return new ProxyApp(config, options, null);
    }

    /** As {@link #assemble(ProxyConfig, Options)}; {@code configFile} is shown in {@code /status}. */
    public static ProxyApp assemble(ProxyConfig config, Options options, Path configFile) {
        return new ProxyApp(config, options, configFile);
    }

    /** Assembles and starts; on failure everything started is closed again. */
    public static ProxyApp start(ProxyConfig config, Options options) throws Exception {
        ProxyApp app = assemble(config, options);
        try {
            app.start();
            return app;
        } catch (Exception | Error e) {
            app.close();
            throw e;
        }
    }

    /**
     * Binds the endpoints (a busy port fails here, before any server is started), then connects the servers in
     * parallel and waits (at most {@code startTimeout}) until they are READY or failed and listed. Endpoints
     * answer meanwhile; {@code /readyz} says who is still awaited.
     */
    public void start() throws Exception {
        if (!state.compareAndSet(State.NEW, State.STARTING)) {
            throw new IllegalStateException("the proxy is " + state.get() + ", not NEW");
        }
        if (http != null) {
            try {
                http.start();
            } catch (java.io.IOException e) {
                // said before any server was started: nothing to clean up but the host itself
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                throw new java.io.IOException("cannot listen on " + settings.host() + ":" + settings.port() + ": "
                        + cause.getMessage() + (cause instanceof java.net.BindException
                        ? " (is another proxy running there? choose another --port)" : ""), e);
            }
            log.info("serving MCP at {}", endpoint());
        }
        if (stdio != null) {
            stdio.start();
        }
        ensureNotClosed();
        AuthWiring.openIfNeeded(signIns, manager.configs()); // the token store, when some server signs in
        manager.initialize();
        if (!merged.awaitListings(options.startTimeout())) {
            log.warn("some servers were still listing their tools after {}; they join when done",
                    Durations.format(options.startTimeout()));
        }
        startupFinished.set(true);
        listed.complete(null);
        ensureNotClosed();
        state.compareAndSet(State.STARTING, State.RUNNING);
    }

    private void ensureNotClosed() {
        if (state.get() == State.CLOSED) {
            throw new IllegalStateException("the proxy was stopped while starting");
        }
    }

    public State state() {
        return state.get();
    }

    /** The Streamable HTTP endpoint, e.g. {@code http://127.0.0.1:8080/mcp}; null when not serving HTTP. */
    public URI endpoint() {
        return http == null || http.port() < 0 ? null : http.uri().resolve("/mcp");
    }

    /** The HTTP base, e.g. {@code http://127.0.0.1:8080/}; null when not serving HTTP. */
    public URI baseUri() {
        return http == null || http.port() < 0 ? null : http.uri().resolve("/");
    }

    public ServerManager manager() {
        return manager;
    }

    /** The one scheduler (time, timers, background work) everything of this proxy runs on; closed last. */
    public Scheduler scheduler() {
        return scheduler;
    }

    /** The merged server. */
    public ProxyServer merged() {
        return merged;
    }

    public List<ServerStatus> status() {
        return manager.status();
    }

    /** The merged tools as clients see them (names exposed by the proxy). */
    public List<ObjectNode> tools() {
        return merged.tools();
    }

    /** Tools each server contributes to the merged list. */
    public int exposedTools(String server) {
        return merged.exposedTools(server);
    }

    public int sessionCount() {
        return merged.sessionCount();
    }

    boolean startupFinished() {
        return startupFinished.get();
    }

    long uptimeNanos() {
        return scheduler.nanoTime() - startedNanos;
    }

    ConfigState configState() {
        return configState;
    }

    /** Completes when the stdio session ends (stdin closed); never for an HTTP-only proxy. */
    public CompletableFuture<Void> stdioDone() {
        return stdio == null ? new CompletableFuture<>() : stdio.done();
    }

    /** Adds a server at runtime; returns once registered. Clients are told through list_changed once it is READY. */
    public CompletableFuture<Void> addServer(ServerConfig config) {
        return manager.add(config);
    }

    /** Replaces a server's config at runtime (its calls drain, it reconnects in the background). */
    public CompletableFuture<Void> replaceServer(ServerConfig config) {
        return manager.replace(config);
    }

    public boolean removeServer(String name) {
        return manager.remove(name);
    }

    /**
     * Applies a changed config (both configs with the command line's overrides applied): removed servers are
     * closed, added ones connected, changed ones replaced, all without waiting for a connect; unchanged servers
     * keep running untouched. What the {@code proxy} section changed is applied when it can be (the token), and
     * logged as "restart needed" when not.
     */
    public void reload(ProxyConfig previous, ProxyConfig next) {
        keeper.apply(previous, next);
    }

    /**
     * Applies a config read from the file (overrides applied) against the running one — which includes what the
     * admin API changed. The watcher's and SIGHUP's way in.
     */
    public void applyConfig(ProxyConfig next) {
        keeper.applyFile(next);
    }

    /** The config in use now: the file's as last applied plus the admin API's changes, overrides applied. */
    public ProxyConfig runningConfig() {
        return keeper.current();
    }

    /**
     * The command line's settings, applied on top of every config read from the file later (reloads, the
     * watcher); set before {@link #start()}.
     */
    public void configOverrides(UnaryOperator<ProxySettings> overrides) {
        keeper.overrides(overrides);
    }

    /** Re-reads the config file now and applies it: empty when applied, else every problem (nothing changes). */
    public List<ConfigProblem> reloadFromFile() {
        return keeper.reloadFromFile();
    }

    /**
     * Watches the config file (polling every {@code interval}) and applies its changes; the proxy's own writes
     * (admin API) are recognised and not applied twice. Closed with the proxy, or earlier by the caller.
     */
    public ConfigWatcher watchConfig(Duration interval) {
        return keeper.watch(interval, scheduler);
    }

    /** The config file on disk is invalid; the running config stays (shown in {@code /status}). */
    public void configRejected(String problems) {
        configState.rejected(problems);
    }

    private boolean rotateAdminToken(String token) {
        if (http != null) {
            http.setAdminToken(token);
        }
        return true;
    }

    /** Rotates the HTTP bearer token; false when it cannot be done live (then a restart is needed). */
    private boolean rotateToken(String token) {
        if (http == null) {
            return true; // nothing serves HTTP: there is no token to rotate
        }
        try {
            http.setAuthToken(token);
            return true;
        } catch (IllegalArgumentException | IllegalStateException e) {
            log.warn("the new proxy token was not applied: {}", e.getMessage());
            return false;
        }
    }

    /**
     * Stops serving, closes every session and upstream connection (a connect in progress is cancelled and what it
     * started is killed), kills what does not exit within the shutdown timeout, then stops the scheduler.
     * Idempotent; safe while {@link #start()} is still running on another thread.
     */
    @Override
    public void close() {
        State before = state.getAndSet(State.CLOSED);
        if (before == State.CLOSED) {
            return;
        }
        log.info("shutting down{}", before == State.STARTING ? " (while starting)" : "");
        listed.complete(null);
        keeper.close();
        if (stdio != null) {
            stdio.close();
        }
        if (admin != null) {
            admin.close(); // ends the event streams, which would otherwise hold Jetty's stop
        }
        if (http != null) {
            http.close();
        }
        ShutdownReport report = manager.shutdown(options.shutdownTimeout());
        if (!report.clean()) {
            log.warn("shutdown: {} server(s) did not close in time {}, {} force-killed {}", report.timedOut().size(),
                    report.timedOut(), report.forceKilled().size(), report.forceKilled());
        }
        if (clientFactory[0] != null) {
            clientFactory[0].close();
        }
        signIns.close();
        registry.close();
        long uptime = uptimeNanos();
        scheduler.close(Duration.ofSeconds(2));
        log.info("stopped after {}", Durations.formatNanos(uptime));
    }
}
