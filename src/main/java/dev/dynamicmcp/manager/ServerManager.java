package dev.dynamicmcp.manager;

import dev.dynamicmcp.client.McpClient;
import dev.dynamicmcp.config.ProxySettings;
import dev.dynamicmcp.config.ServerConfig;
import dev.dynamicmcp.runtime.Durations;
import dev.dynamicmcp.runtime.Scheduler;
import dev.dynamicmcp.runtime.SystemScheduler;
import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection manager: one MCP session per configured upstream server (and, for a server with {@code
 * "isolation": "session"}, one per downstream session), connected in parallel, health-checked, reconnected
 * with backoff, behind a circuit breaker; servers can be added, replaced and removed while it runs. It owns
 * the server configs and their order. Every upstream request should go through {@link #execute}; it never
 * waits for a server that is down (it fails at once with {@link ServerUnavailableException}), except for a
 * first connect. Thread-safe; listener calls happen outside every lock.
 *
 * <p>Engines (package-private): {@link ConnectionPool} (registry, connect, reconnect, drain),
 * {@link ConnectionState} (one connection's transitions), {@link CallPolicy} (breaker, retries, outcome),
 * {@link HealthChecker} (pings), {@link Shutdown} (ordered close and kill).
 */
public final class ServerManager {
    private static final Logger log = LoggerFactory.getLogger(ServerManager.class);
    /** How long closing one downstream session's isolated connections may take before they are killed. */
    static final Duration ISOLATED_CLOSE_BOUND = Duration.ofSeconds(5);

    private final ProxySettings settings;
    private final ManagerListener listener;
    private final Scheduler scheduler;
    private final boolean ownsScheduler;
    private final ConnectionPool pool;
    private final CallPolicy policy;
    private final HealthChecker health;

    public ServerManager(ProxySettings settings, Collection<ServerConfig> servers, ClientFactory factory,
                         ManagerListener listener) {
        this(builder(settings).servers(servers).clientFactory(factory).listener(listener));
    }

    private ServerManager(Builder builder) {
        this.settings = Objects.requireNonNull(builder.settings, "settings");
        this.listener = builder.listener;
        this.ownsScheduler = builder.scheduler == null;
        this.scheduler = ownsScheduler ? new SystemScheduler() : builder.scheduler;
        this.pool = new ConnectionPool(Objects.requireNonNull(builder.factory, "clientFactory"), listener, scheduler);
        this.policy = new CallPolicy(pool, listener);
        this.health = new HealthChecker(pool);
        for (ServerConfig config : builder.servers) {
            if (pool.add(config) == null) {
                throw new IllegalArgumentException("server \"" + config.name() + "\" is configured twice");
            }
        }
    }

    public static Builder builder(ProxySettings settings) {
        return new Builder(settings);
    }

    /** Connects every enabled, non-lazy server in parallel ({@code connectConcurrency} at once); one failure never fails the others. */
    public void initialize() {
        if (!pool.lifecycle.compareAndSet(ConnectionPool.Lifecycle.NEW, ConnectionPool.Lifecycle.RUNNING)) {
            throw new IllegalStateException("initialize() was already called (manager is " + pool.lifecycle.get() + ")");
        }
        long start = scheduler.nanoTime();
        health.start();
        List<ConnectionState> eager = pool.shared().stream()
                .filter(cs -> !cs.config.disabled() && !cs.config.options().lazy()).toList();
        pool.connectAll(eager, settings.connectConcurrency(), "initialize");
        long ready = eager.stream().filter(cs -> cs.state() == ServerState.READY).count();
        log.info("initialized {} of {} servers in {}", ready, eager.size(), Durations.formatNanos(scheduler.nanoTime() - start));
    }

    /** The server's live shared session; connects a lazy server on first use, otherwise never waits. */
    public McpClient client(String name) {
        ConnectionState cs = pool.get(name);
        if (cs == null) {
            throw CallPolicy.unknown(name);
        }
        return policy.client(cs, false);
    }

    /**
     * Runs one upstream request with breaker, retries (idempotent methods only) and metrics around it; see
     * {@link CallPolicy}. {@code call} sends the request on the given client and must not block.
     */
    public <T> CompletableFuture<T> execute(String server, String method, Function<McpClient, CompletableFuture<T>> call) {
        return execute(server, null, method, call);
    }

    /** As {@link #execute(String, String, Function)}, on the connection of {@code isolationKey} (a downstream session) for an isolated server. */
    public <T> CompletableFuture<T> execute(String server, String isolationKey, String method,
                                            Function<McpClient, CompletableFuture<T>> call) {
        return policy.execute(new ConnectionKey(server, isolationKey), method, call);
    }

    /** A downstream session ended: its isolated upstream connections close (awaited, bounded, logged); what happened. */
    public ShutdownReport closeIsolated(String isolationKey) {
        return pool.closeIsolated(isolationKey, "downstream session closed");
    }

    /**
     * Adds a server at runtime (at the end of the order) and starts connecting it unless lazy or disabled.
     * Returns once it is registered; the future completes when the first connect attempt ended (READY, or failed
     * and retrying in the background).
     */
    public CompletableFuture<Void> add(ServerConfig config) {
        ensureRunning();
        return pool.addServer(config);
    }

    /**
     * Swaps a server's configuration (it keeps its place) at once: the new connection starts, a connect of the
     * old one still running is cancelled, the old one drains (bounded) and closes in the background. The future
     * completes when the new connection's first attempt ended and the old one is closed.
     */
    public CompletableFuture<Void> replace(ServerConfig config) {
        ensureRunning();
        return pool.replaceServer(config);
    }

    /**
     * Removes a server at once: no new calls, a connect in progress is cancelled, in-flight calls may finish
     * (bounded) in the background, then it is closed. False when there is no such server.
     */
    public boolean remove(String name) {
        return pool.removeServer(name);
    }

    private void ensureRunning() {
        ConnectionPool.Lifecycle now = pool.lifecycle.get();
        if (now == ConnectionPool.Lifecycle.SHUTTING_DOWN || now == ConnectionPool.Lifecycle.TERMINATED) {
            throw new IllegalStateException("the server manager is " + now);
        }
    }

    /** Server configs in order: file order, added servers at the end, a replaced server in its old place. */
    public List<ServerConfig> configs() {
        return pool.shared().stream().map(cs -> cs.config).toList();
    }

    /** Whether any configured server matches: {@link #configs()} without building the list (asked per call). */
    public boolean anyConfig(Predicate<ServerConfig> test) {
        return pool.anySharedConfig(test);
    }

    public Optional<ServerConfig> config(String name) {
        return pool.config(name);
    }

    /** The server's place in {@link #configs()}; {@link Integer#MAX_VALUE} when unknown. */
    public int order(String name) {
        return pool.order(name);
    }

    /** Subscribes to READY / DOWN / REMOVED events of the servers' shared connections (see {@link ServerListener}). */
    public void addServerListener(ServerListener serverListener) {
        pool.addServerListener(serverListener);
    }

    /** The servers whose shared connection is READY, in config order; no status built. */
    public List<String> readyServers() {
        return pool.shared().stream().filter(cs -> cs.state() == ServerState.READY).map(ConnectionState::name).toList();
    }

    /** Every server's status, by name (the isolated connections counted in one walk, not one per server). */
    public List<ServerStatus> status() {
        Map<String, Integer> isolated = pool.isolatedCounts();
        return pool.shared().stream().map(cs -> cs.status(isolated.getOrDefault(cs.name(), 0)))
                .sorted(Comparator.comparing(ServerStatus::name)).toList();
    }

    /** One server's status, or null when there is no such server. */
    public ServerStatus status(String name) {
        ConnectionState cs = pool.get(name);
        return cs == null ? null : status(cs);
    }

    /**
     * The MCP revision the server's shared connection speaks (the last one's, while it is down); null for an
     * unknown server or one never connected. {@link #status(String)}'s field without building the status (asked
     * per call: the status counts the server's isolated connections).
     */
    public String revision(String name) {
        ConnectionState cs = pool.get(name);
        return cs == null ? null : cs.revision();
    }

    /** The status of one downstream session's isolated connection to the server, or null when it has none. */
    public ServerStatus status(String server, String isolationKey) {
        ConnectionState cs = isolationKey == null ? null : pool.existing(new ConnectionKey(server, isolationKey));
        return cs == null ? null : cs.status(0);
    }

    private ServerStatus status(ConnectionState cs) {
        return cs.status(pool.isolated(key -> key.server().equals(cs.name())).size());
    }

    /** Pings the server now (outside the schedule) and returns its status afterwards. */
    public ServerStatus checkServer(String name) {
        ConnectionState cs = pool.get(name);
        if (cs == null) {
            throw new IllegalArgumentException("no server named \"" + name + "\"");
        }
        health.checkNow(cs);
        return status(name);
    }

    /**
     * Connects the server now if it is waiting for its next attempt (BACKOFF or UNHEALTHY), e.g. because the
     * sign-in it needed has just completed; does nothing when it is connected, connecting, closed or unknown.
     */
    public void connectNow(String name, String reason) {
        ConnectionState cs = pool.get(name);
        if (cs != null && (cs.state() == ServerState.BACKOFF || cs.state() == ServerState.UNHEALTHY)) {
            pool.connect(cs, reason);
        }
    }

    /**
     * Like {@link #connectNow(String, String)} for one isolated connection (a per-user server's connection of
     * the user who just signed in); nothing when that connection does not exist or is not waiting.
     */
    public void connectNow(String name, String isolationKey, String reason) {
        ConnectionState cs = pool.existing(new ConnectionKey(name, isolationKey));
        if (cs != null && (cs.state() == ServerState.BACKOFF || cs.state() == ServerState.UNHEALTHY)) {
            pool.connect(cs, reason);
        }
    }

    /** Remembers how many tools the server listed (for {@code /status}); called by discovery. */
    public void recordToolCount(String server, int toolCount) {
        ConnectionState cs = pool.get(server);
        if (cs != null) {
            cs.setToolCount(toolCount);
        }
    }

    public List<String> serverNames() {
        return pool.shared().stream().map(ConnectionState::name).sorted().toList();
    }

    /** The scheduler every timer and background task of the manager runs on. */
    public Scheduler scheduler() {
        return scheduler;
    }

    /** Refuses new work, stops health checks, closes every connection in parallel within {@code timeout}, kills what is left. Idempotent. */
    public ShutdownReport shutdown(Duration timeout) {
        ConnectionPool.Lifecycle before = pool.lifecycle.getAndUpdate(now ->
                now == ConnectionPool.Lifecycle.TERMINATED ? now : ConnectionPool.Lifecycle.SHUTTING_DOWN);
        if (before == ConnectionPool.Lifecycle.SHUTTING_DOWN || before == ConnectionPool.Lifecycle.TERMINATED) {
            return new ShutdownReport(List.of(), List.of(), List.of(), Duration.ZERO);
        }
        log.info("shutting down: health checks stopped, closing {} connections", pool.all().size());
        health.stop();
        ShutdownReport report = Shutdown.closeAll(pool, pool.all(), pool.retiring(), "shutdown", timeout);
        pool.lifecycle.set(ConnectionPool.Lifecycle.TERMINATED);
        if (ownsScheduler) {
            scheduler.close(Duration.ofSeconds(1));
        }
        Shutdown.log("shut down", report);
        return report;
    }

    /** Options for tests and embedding. */
    public static final class Builder {
        private final ProxySettings settings;
        private Collection<ServerConfig> servers = List.of();
        private ClientFactory factory;
        private ManagerListener listener = ManagerListener.NONE;
        private Scheduler scheduler;

        private Builder(ProxySettings settings) {
            this.settings = settings;
        }

        public Builder servers(Collection<ServerConfig> servers) {
            this.servers = List.copyOf(servers);
            return this;
        }

        public Builder clientFactory(ClientFactory factory) {
            this.factory = factory;
            return this;
        }

        public Builder listener(ManagerListener listener) {
            this.listener = listener == null ? ManagerListener.NONE : listener;
            return this;
        }

        /** Time, randomness, timers and background work; the caller closes it. When not set the manager owns a {@link SystemScheduler}. */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = scheduler;
            return this;
        }

        public ServerManager build() {
            return new ServerManager(this);
        }
    }
}
