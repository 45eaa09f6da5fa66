package dev.dynamicmcp.manager;

import dev.dynamicmcp.auth.upstream.UpstreamAuthSource;
import dev.dynamicmcp.client.McpClient;
import dev.dynamicmcp.config.Isolation;
import dev.dynamicmcp.config.ServerConfig;
import dev.dynamicmcp.runtime.Durations;
import dev.dynamicmcp.runtime.Failures;
import dev.dynamicmcp.runtime.Scheduler;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry of upstream connections, keyed by {@link ConnectionKey} (a server's shared connection, and one
 * per downstream session for isolated servers), and their lifecycle: single-flight connects, reconnects with
 * backoff, loss, close and drain. It also owns the server configs and their order (file order; added servers at
 * the end; a replaced server keeps its place). Transitions are decided by {@link ConnectionState} and reported
 * here after its lock is released. Connects run as scheduler tasks; reconnect delays are scheduler timers.
 */
final class ConnectionPool {
    private static final Logger log = LoggerFactory.getLogger(ConnectionPool.class);
    /** Longest time remove/replace wait for in-flight calls before closing anyway. */
    static final Duration MAX_DRAIN = Duration.ofSeconds(10);

    /** The pool's own lifecycle (HikariCP's POOL_NORMAL / SHUTDOWN). */
    enum Lifecycle { NEW, RUNNING, SHUTTING_DOWN, TERMINATED }

    /** Internal hooks on every connection, isolated ones included (the health checker). */
    interface Events {
        void ready(ConnectionState cs, McpClient client);

        void down(ConnectionState cs);
    }

    final AtomicReference<Lifecycle> lifecycle = new AtomicReference<>(Lifecycle.NEW);
    private final Map<ConnectionKey, ConnectionState> connections = new ConcurrentHashMap<>();
    private final Map<String, Integer> order = new ConcurrentHashMap<>();
    private final AtomicInteger nextOrder = new AtomicInteger();
    private final ClientFactory factory;
    private final ManagerListener listener;
    private final Scheduler scheduler;
    private final List<ServerListener> serverListeners = new CopyOnWriteArrayList<>();
    private final List<Events> events = new CopyOnWriteArrayList<>();
    /**
     * Clients of removed or replaced connections still draining in the background (key name by client):
     * shutdown closes, and if need be kills, them with the rest.
     */
    private final Map<McpClient, String> retiring = new ConcurrentHashMap<>();

    ConnectionPool(ClientFactory factory, ManagerListener listener, Scheduler scheduler) {
        this.factory = factory;
        this.listener = listener;
        this.scheduler = scheduler;
    }

    void addServerListener(ServerListener serverListener) {
        serverListeners.add(serverListener);
    }

    void subscribe(Events hooks) {
        events.add(hooks);
    }

    Scheduler scheduler() {
        return scheduler;
    }

    // ---- registry ----

    /** Registers the server at the end of the order; null when the name is taken (the existing one is kept). */
    ConnectionState add(ServerConfig config) {
        ConnectionState state = newState(ConnectionKey.shared(config.name()), config);
        if (connections.putIfAbsent(state.key, state) != null) {
            return null;
        }
        order.computeIfAbsent(config.name(), name -> nextOrder.getAndIncrement());
        return state;
    }

    /** Swaps in a new state for a server (keeping its place in the order); returns the old one, or null. */
    ConnectionState swap(ServerConfig config) {
        ConnectionState next = newState(ConnectionKey.shared(config.name()), config);
        order.computeIfAbsent(config.name(), name -> nextOrder.getAndIncrement());
        return connections.put(next.key, next);
    }

    ConnectionState remove(String name) {
        ConnectionState removed = connections.remove(ConnectionKey.shared(name));
        if (removed != null) {
            order.remove(name);
        }
        return removed;
    }

    ConnectionState get(String name) {
        return connections.get(ConnectionKey.shared(name));
    }

    /**
     * The connection a call with this key uses: the shared one, or for an isolated server with a key that
     * session's own (created on first use). Null when the server is unknown.
     */
    ConnectionState resolve(ConnectionKey key) {
        ConnectionState shared = get(key.server());
        if (shared == null || !key.isolated() || !isolates(shared.config, key)
                || shared.state() == ServerState.DISABLED) {
            return shared;
        }
        return connections.computeIfAbsent(key, k -> newState(k, shared.config));
    }

    /**
     * Whether a call with this key gets a connection of its own: each session of an {@code "isolation":
     * "session"} server, and each user ({@link UpstreamAuthSource#userKey}) of a per-user OAuth server (their own
     * token and their own upstream session).
     */
    static boolean isolates(ServerConfig config, ConnectionKey key) {
        return config.isolation() == Isolation.SESSION
                || config.perUser() && UpstreamAuthSource.principalOf(key.isolationKey()) != null;
    }

    /** The isolated connection of this key when it exists (no new one is made); null otherwise. */
    ConnectionState existing(ConnectionKey key) {
        return connections.get(key);
    }

    /** Shared connections in config order: looked up per configured server, not found among every connection. */
    List<ConnectionState> shared() {
        List<ConnectionState> shared = new ArrayList<>(order.size());
        for (String name : order.keySet()) {
            ConnectionState cs = get(name);
            if (cs != null) {
                shared.add(cs);
            }
        }
        shared.sort(Comparator.comparingInt(cs -> order(cs.name())));
        return shared;
    }

    /** The number of isolated connections each server has now, in one walk over the connections. */
    Map<String, Integer> isolatedCounts() {
        Map<String, Integer> counts = new HashMap<>();
        for (ConnectionKey key : connections.keySet()) {
            if (key.isolated()) {
                counts.merge(key.server(), 1, Integer::sum);
            }
        }
        return counts;
    }

    /**
     * Whether a shared connection's config matches; unordered and without a copy (asked per call). Walks the
     * configured servers, not every connection: the sessions' own connections may be thousands.
     */
    boolean anySharedConfig(Predicate<ServerConfig> test) {
        for (String name : order.keySet()) {
            ConnectionState cs = get(name);
            if (cs != null && test.test(cs.config)) {
                return true;
            }
        }
        return false;
    }

    /** Every connection, isolated ones included. */
    List<ConnectionState> all() {
        return List.copyOf(connections.values());
    }

    List<ConnectionState> isolated(java.util.function.Predicate<ConnectionKey> which) {
        return connections.values().stream().filter(cs -> cs.key.isolated() && which.test(cs.key)).toList();
    }

    /** Forgets an isolated connection (it was closed); true when it was still registered. */
    boolean forget(ConnectionState cs) {
        return connections.remove(cs.key, cs);
    }

    int order(String name) {
        return order.getOrDefault(name, Integer.MAX_VALUE);
    }

    Optional<ServerConfig> config(String name) {
        return Optional.ofNullable(get(name)).map(cs -> cs.config);
    }

    private ConnectionState newState(ConnectionKey key, ServerConfig config) {
        return new ConnectionState(key, config, scheduler, listener);
    }

    // ---- runtime changes ----

    /*
     * Runtime changes are registered at once, on the caller's thread, and the slow parts (connecting, draining,
     * closing) run in the background: a config reload never waits for a connect, and a removal that follows
     * an addition at once finds the server registered. The returned futures complete when that background
     * work is over (a connect attempt that fails completes them too: the server retries with backoff).
     */

    CompletableFuture<Void> addServer(ServerConfig config) {
        ConnectionState cs = add(config);
        if (cs == null) {
            throw new IllegalArgumentException("server \"" + config.name() + "\" already exists; use replace()");
        }
        log.info("server \"{}\" added ({})", config.name(), config.describe());
        return connectIfEager(cs, "added");
    }

    /**
     * The new connection starts while the old one drains; a connect of the old one still running is cancelled;
     * the server's isolated connections close (they reopen on use).
     */
    CompletableFuture<Void> replaceServer(ServerConfig config) {
        ConnectionState old = swap(config);
        ConnectionState next = get(config.name());
        if (old == null) {
            log.info("server \"{}\" added by replace ({})", config.name(), config.describe());
            return connectIfEager(next, "added");
        }
        log.info("server \"{}\" replaced ({} -> {})", config.name(), old.config.describe(), config.describe());
        CompletableFuture<Void> connected = connectIfEager(next, "configuration replaced");
        List<ConnectionState> isolated = detachIsolated(key -> key.server().equals(config.name()));
        McpClient client = close(old, "configuration replaced").client();
        CompletableFuture<Void> retired = retire(old, client, isolated, "configuration replaced");
        return CompletableFuture.allOf(connected, retired);
    }

    /** Unregisters the server at once (a connect in progress is cancelled); its client drains in the background. */
    boolean removeServer(String name) {
        ConnectionState cs = remove(name);
        if (cs == null) {
            return false;
        }
        List<ConnectionState> isolated = detachIsolated(key -> key.server().equals(name));
        McpClient client = close(cs, "removed").client();
        publish(new ServerEvent.Removed(name));
        listener.serverRemoved(name);
        log.info("server \"{}\" removed", name);
        retire(cs, client, isolated, "server removed");
        return true;
    }

    /** Drains and closes a retired connection's client, and closes its isolated connections, on the scheduler. */
    private CompletableFuture<Void> retire(ConnectionState cs, McpClient client, List<ConnectionState> isolated,
                                           String reason) {
        if (client == null && isolated.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        if (client != null) {
            retiring.put(client, cs.key.toString());
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        scheduler.execute("mcp-retire-" + cs.key, () -> {
            try {
                if (!isolated.isEmpty()) {
                    Shutdown.log("closed isolated sessions (" + reason + ")",
                            Shutdown.closeAll(this, isolated, reason, ServerManager.ISOLATED_CLOSE_BOUND));
                }
                drainAndClose(cs, client);
            } finally {
                if (client != null) {
                    retiring.remove(client);
                }
                done.complete(null);
            }
        });
        return done;
    }

    /** Clients still draining after a remove or replace (shutdown closes them too). */
    Map<McpClient, String> retiring() {
        return Map.copyOf(retiring);
    }

    private List<ConnectionState> detachIsolated(java.util.function.Predicate<ConnectionKey> which) {
        List<ConnectionState> detached = isolated(which);
        detached.forEach(this::forget);
        return detached;
    }

    /**
     * The isolated connections of one session's (or user's) key: looked up per configured server, not found by a
     * walk over every connection (a stateless call asks it when it ends; the sessions' connections may be
     * thousands). A removed server's isolated connections were detached with it.
     */
    List<ConnectionState> isolatedOf(String isolationKey) {
        List<ConnectionState> found = new ArrayList<>();
        for (String name : order.keySet()) {
            ConnectionState cs = connections.get(new ConnectionKey(name, isolationKey));
            if (cs != null) {
                found.add(cs);
            }
        }
        return found;
    }

    /** Closes (and forgets) the isolated connections of the key, bounded, and logs what happened. */
    ShutdownReport closeIsolated(String isolationKey, String reason) {
        List<ConnectionState> connections = isolatedOf(isolationKey);
        if (connections.isEmpty()) {
            return new ShutdownReport(List.of(), List.of(), List.of(), Duration.ZERO);
        }
        connections.forEach(this::forget);
        ShutdownReport report = Shutdown.closeAll(this, connections, reason, ServerManager.ISOLATED_CLOSE_BOUND);
        Shutdown.log("closed isolated sessions (" + reason + ")", report);
        return report;
    }

    /** Starts the connect of an eager server (never blocks); completes when that attempt ended either way. */
    private CompletableFuture<Void> connectIfEager(ConnectionState cs, String reason) {
        if (cs.config.disabled() || cs.config.options().lazy()) {
            return CompletableFuture.completedFuture(null);
        }
        return connect(cs, reason).handle((client, failure) -> null);
    }

    // ---- lifecycle ----

    /**
     * Connects the given connections in parallel, at most {@code concurrency} at once, and returns when each is
     * READY or has failed (it then retries in the background with backoff).
     */
    void connectAll(List<ConnectionState> which, int concurrency, String reason) {
        java.util.concurrent.Semaphore permits = new java.util.concurrent.Semaphore(Math.max(1, concurrency));
        List<CompletableFuture<Void>> done = which.stream().map(cs -> CompletableFuture.runAsync(() -> {
            try {
                permits.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            try {
                CallPolicy.awaitConnect(cs, connect(cs, reason));
            } catch (ServerUnavailableException e) {
                // logged by connectFailed; the server retries in the background
            } finally {
                permits.release();
            }
        }, scheduler.executor("mcp-" + reason + "-" + cs.key))).toList();
        CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).join();
    }

    /** Starts connecting unless a connect is running (its future is returned) or the connection is READY. Never blocks. */
    CompletableFuture<McpClient> connect(ConnectionState cs, String reason) {
        ConnectionState.Connect connect = cs.beginConnect(reason);
        report(connect.transition());
        if (connect.start()) {
            scheduler.execute("mcp-connect-" + cs.key, () -> runConnect(cs, connect.future()));
        }
        return connect.future();
    }

    private void runConnect(ConnectionState cs, CompletableFuture<McpClient> future) {
        if (!cs.connectRunning(Thread.currentThread())) {
            future.completeExceptionally(cs.unavailable(ServerState.CLOSED, "was closed before it connected", null));
            return;
        }
        listener.connectAttempt(cs.name());
        long start = scheduler.nanoTime();
        McpClient client;
        try {
            client = factory.connect(cs.config, cs.key.isolationKey());
        } catch (Throwable e) {
            connectFailed(cs, future, e, Duration.ofNanos(scheduler.nanoTime() - start));
            return;
        }
        Duration took = Duration.ofNanos(scheduler.nanoTime() - start);
        boolean reconnect = cs.everConnected();
        ConnectionState.Transition transition = cs.connected(client, took, transportName(client));
        if (transition == null) {
            // Removed or shut down while we were connecting: this client belongs to nobody.
            client.close();
            future.completeExceptionally(cs.unavailable(ServerState.CLOSED, "was closed while connecting", null));
            return;
        }
        client.addCloseListener(cause -> lost(cs, client, cause));
        report(transition);
        listener.connected(cs.name(), took);
        if (reconnect) {
            log.info("server \"{}\" reconnected in {}", cs.key, Durations.format(took));
        } else if (cs.key.isolated()) {
            log.info("server \"{}\": isolated upstream session opened", cs.key);
        }
        if (!client.isOpen()) {
            // Closed before the listener was registered: its close event is gone, so act on it here.
            lost(cs, client, new IOException("connection closed right after initialize"));
        } else {
            for (Events hooks : events) {
                hooks.ready(cs, client);
            }
            if (!cs.key.isolated()) {
                publish(new ServerEvent.Ready(cs.name(), client));
            }
        }
        future.complete(client);
    }

    /** The transport a connected client really uses, or null when it is none of ours (a test fake). */
    private static String transportName(McpClient client) {
        return switch (client.transport()) {
            case dev.dynamicmcp.transport.SseTransport sse -> "sse";
            case dev.dynamicmcp.transport.StreamableHttpTransport http -> "streamable-http";
            case dev.dynamicmcp.transport.StdioTransport stdio -> "stdio";
            case null, default -> null;
        };
    }

    private void connectFailed(ConnectionState cs, CompletableFuture<McpClient> future, Throwable error, Duration took) {
        String message = Failures.describe(error);
        boolean retry = cs.connectFailed(error);
        if (!retry && cs.state() == ServerState.CLOSED) {
            // Removed, replaced or shut down while connecting: the attempt was cancelled, and its failure is not
            // the server's (which may well be READY on its new connection).
            log.info("server \"{}\": connect attempt abandoned after {} (the connection was closed)", cs.key,
                    Durations.format(took));
            future.completeExceptionally(cs.unavailable(ServerState.CLOSED, "was closed while connecting", null));
            return;
        }
        log.warn("server \"{}\": connect failed after {}: {}", cs.key, Durations.format(took), message);
        listener.connectFailed(cs.name(), took, error);
        if (retry) {
            scheduleReconnect(cs, false, "connect failed: " + message);
        }
        future.completeExceptionally(cs.unavailable(cs.state(), "could not connect: " + message, error));
    }

    /**
     * The client's connection is gone (process died, stream broke, or a call failed to reach the server). The
     * first loss after a working period reconnects at once; losses in a row go through the backoff.
     */
    void lost(ConnectionState cs, McpClient client, Throwable cause) {
        ConnectionState.Transition down = cs.lost(client, cause);
        if (down == null) {
            return;
        }
        wentDown(cs, down);
        client.close();
        scheduleReconnect(cs, true, down.reason());
    }

    /** Health pings failed {@code unhealthyAfter} times: drop the connection and reconnect with backoff. */
    void unhealthy(ConnectionState cs, McpClient client, String reason) {
        ConnectionState.Transition unhealthy = cs.unhealthy(client, reason);
        if (unhealthy == null) {
            return;
        }
        wentDown(cs, unhealthy);
        client.close();
        scheduleReconnect(cs, false, reason);
    }

    private void wentDown(ConnectionState cs, ConnectionState.Transition transition) {
        report(transition);
        for (Events hooks : events) {
            hooks.down(cs);
        }
        if (!cs.key.isolated()) {
            publish(new ServerEvent.Down(cs.name(), transition.reason()));
        }
    }

    private void scheduleReconnect(ConnectionState cs, boolean immediate, String reason) {
        ConnectionState.Reconnect plan = cs.planReconnect(immediate, reason);
        if (plan == null) {
            return;
        }
        report(plan.transition());
        listener.reconnectScheduled(cs.name(), Duration.ofNanos(plan.delayNanos()), plan.attempt());
        if (plan.delayNanos() == 0) {
            connect(cs, "reconnecting at once after: " + reason);
            return;
        }
        Duration delay = Duration.ofNanos(plan.delayNanos());
        log.info("server \"{}\": reconnect attempt {} in {}", cs.key, plan.attempt(), Durations.format(delay));
        cs.reconnectScheduled(scheduler.schedule("mcp-reconnect-" + cs.key, delay,
                () -> connect(cs, "backoff elapsed (attempt " + plan.attempt() + ")")));
    }

    /**
     * Moves the connection to CLOSED and stops its timers. Returns what is left to close: the client (to be
     * drained and closed by the caller) and a connect still running (it closes its own client when it ends).
     */
    ConnectionState.Closing close(ConnectionState cs, String reason) {
        ConnectionState.Closing closing = cs.close(reason);
        if (closing.connectThread() != null && closing.connectThread() != Thread.currentThread()) {
            // Cancels the attempt: the client's wait ends, and it closes (kills) what it started right away.
            closing.connectThread().interrupt();
        }
        report(closing.transition());
        if (closing.transition() != null) {
            for (Events hooks : events) {
                hooks.down(cs);
            }
            if (!cs.key.isolated() && closing.transition().from() == ServerState.READY) {
                publish(new ServerEvent.Down(cs.name(), reason));
            }
        }
        return closing;
    }

    /** Lets calls in flight finish (bounded by the request timeout, at most {@link #MAX_DRAIN}), then closes. */
    void drainAndClose(ConnectionState cs, McpClient client) {
        if (client == null) {
            return;
        }
        Duration timeout = cs.config.options().requestTimeout();
        Duration bound = timeout.compareTo(MAX_DRAIN) < 0 ? timeout : MAX_DRAIN;
        CompletableFuture<Boolean> idle = cs.whenIdle();
        Scheduler.Cancellable timer = scheduler.schedule("mcp-drain-" + cs.key, bound, () -> idle.complete(false));
        if (!idle.join()) {
            log.warn("server \"{}\": {} calls still in flight after {}; closing anyway", cs.key,
                    cs.status(0).inFlight(), Durations.format(bound));
        }
        timer.cancel();
        client.close();
    }

    void publish(ServerEvent event) {
        for (ServerListener serverListener : serverListeners) {
            try {
                serverListener.onServerEvent(event);
            } catch (RuntimeException e) {
                log.warn("server listener failed on {}", event, e);
            }
        }
    }

    void report(ConnectionState.Transition transition) {
        if (transition == null) {
            return;
        }
        log.info("server \"{}\": {} -> {} ({})", transition.key(), transition.from(), transition.to(), transition.reason());
        if (!transition.key().isolated()) {
            listener.stateChanged(transition.key().server(), transition.from(), transition.to(), transition.reason());
        }
    }
}
