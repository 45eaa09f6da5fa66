package dev.dynamicmcp.manager;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.client.InitializeResult;
import dev.dynamicmcp.client.McpClient;
import dev.dynamicmcp.config.ProxySettings;
import dev.dynamicmcp.config.ServerConfig;
import dev.dynamicmcp.discovery.DiscoveryResult;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.McpException;
import dev.dynamicmcp.protocol.McpMethods;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection manager: keeps one MCP session per configured upstream server, connects them in parallel,
 * checks their health, reconnects them with backoff, breaks the circuit to a failing server, and lets servers
 * be added, replaced and removed while the proxy runs.
 *
 * <p>Every upstream request of the proxy should go through {@link #execute}, so the circuit breaker and the
 * metrics see it. {@link #client} and {@link #execute} never wait for a server that is down: they fail at once
 * with {@link ServerUnavailableException}. The one wait is a lazy server's first connect (bounded by its
 * connect timeout).
 *
 * <p>Thread-safe. Listener calls happen outside every lock.
 */
public final class ServerManager {
    private static final Logger log = LoggerFactory.getLogger(ServerManager.class);
    /** Longest time remove/replace wait for in-flight calls before closing anyway. */
    static final Duration MAX_DRAIN = Duration.ofSeconds(10);

    private enum Lifecycle { NEW, RUNNING, SHUTTING_DOWN, TERMINATED }

    private final ProxySettings settings;
    private final ManagerListener listener;
    private final LongSupplier ticker;
    private final ScheduledThreadPoolExecutor timer;
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
    private final ConnectionPool pool;
    private final HealthChecker health;
    private final AtomicReference<Lifecycle> lifecycle = new AtomicReference<>(Lifecycle.NEW);

    public ServerManager(ProxySettings settings, Collection<ServerConfig> servers, ClientFactory factory,
                         ManagerListener listener) {
        this(builder(settings).servers(servers).clientFactory(factory).listener(listener));
    }

    private ServerManager(Builder builder) {
        this.settings = Objects.requireNonNull(builder.settings, "settings");
        this.listener = builder.listener;
        this.ticker = builder.ticker;
        this.timer = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "mcp-manager-timer");
            thread.setDaemon(true);
            return thread;
        });
        timer.setRemoveOnCancelPolicy(true);
        this.pool = new ConnectionPool(Objects.requireNonNull(builder.factory, "clientFactory"), listener, timer,
                builder.clock, ticker, builder.random);
        this.health = new HealthChecker(pool, timer, builder.random);
        pool.setHealthChecker(health);
        for (ServerConfig config : builder.servers) {
            if (pool.add(config) == null) {
                throw new IllegalArgumentException("server \"" + config.name() + "\" is configured twice");
            }
        }
    }

    public static Builder builder(ProxySettings settings) {
        return new Builder(settings);
    }

    /**
     * Connects every enabled, non-lazy server in parallel (at most {@code connectConcurrency} at once) and
     * returns when each is READY or has failed (then it keeps retrying in the background with backoff).
     * One failing server never fails the others. Starts the health checks.
     */
    public void initialize() {
        if (!lifecycle.compareAndSet(Lifecycle.NEW, Lifecycle.RUNNING)) {
            throw new IllegalStateException("initialize() was already called (manager is " + lifecycle.get() + ")");
        }
        long start = ticker.getAsLong();
        health.start();
        List<ConnectionState> eager = pool.all().stream()
                .filter(cs -> !cs.config.disabled() && !cs.config.options().lazy())
                .sorted(Comparator.comparing(ConnectionState::name))
                .toList();
        Semaphore permits = new Semaphore(Math.max(1, settings.connectConcurrency()));
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (ConnectionState cs : eager) {
            done.add(CompletableFuture.runAsync(() -> {
                try {
                    permits.acquire();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                try {
                    awaitConnect(cs, pool.connect(cs, "initialize"));
                } catch (ServerUnavailableException e) {
                    // logged by the pool; the server retries in the background
                } finally {
                    permits.release();
                }
            }, workers));
        }
        CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).join();
        long ready = pool.all().stream().filter(cs -> cs.state() == ServerState.READY).count();
        log.info("initialized {} of {} servers in {} ms", ready, eager.size(),
                TimeUnit.NANOSECONDS.toMillis(ticker.getAsLong() - start));
    }

    /**
     * The server's live session. Connects a lazy server on first use (waiting at most its connect timeout);
     * otherwise never waits.
     *
     * @throws ServerUnavailableException when the server is unknown, down, reconnecting, disabled, removed or
     *                                    its circuit breaker is open; the message says which and why
     */
    public McpClient client(String name) {
        return client(require(name), false);
    }

    /**
     * Runs one upstream request with the circuit breaker and metrics around it. An error <em>answer</em> from
     * the server ("unknown tool") counts as a working connection; timeouts, closed connections and transport
     * errors count against the breaker. Idempotent methods ({@link McpMethods#isIdempotent}) are retried
     * {@code options.retries()} times after such failures (waiting for a reconnect that is under way);
     * {@code tools/call} and other non-idempotent methods never are. A call that finds the connection dead
     * triggers a reconnect at once.
     *
     * @param call sends the request on the given client; must not block
     * @return the call's result, or a failure: {@link ServerUnavailableException} when not sent at all,
     *         otherwise what the call failed with
     */
    public <T> CompletableFuture<T> execute(String server, String method, Function<McpClient, CompletableFuture<T>> call) {
        ConnectionState cs = pool.get(server);
        if (cs == null) {
            return CompletableFuture.failedFuture(unknown(server));
        }
        int attempts = McpMethods.isIdempotent(method) ? 1 + Math.max(0, cs.config.options().retries()) : 1;
        return attempt(server, method, call, attempts, false);
    }

    private <T> CompletableFuture<T> attempt(String server, String method, Function<McpClient, CompletableFuture<T>> call,
                                             int attemptsLeft, boolean retry) {
        long start = ticker.getAsLong();
        ConnectionState cs = pool.get(server);
        McpClient client;
        try {
            if (cs == null) {
                throw unknown(server);
            }
            client = acquire(cs, retry);
        } catch (ServerUnavailableException e) {
            listener.callCompleted(server, method, ticker.getAsLong() - start, CallOutcome.REJECTED);
            return CompletableFuture.failedFuture(e);
        }
        cs.callStarted();
        CompletableFuture<T> sent;
        try {
            sent = Objects.requireNonNull(call.apply(client), "the call returned no future");
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        return sent.handle((result, failure) -> {
            cs.callFinished();
            Throwable cause = unwrap(failure);
            CallOutcome outcome = classify(cause);
            listener.callCompleted(server, method, ticker.getAsLong() - start, outcome);
            if (outcome.isFailure()) {
                cs.breaker.failure();
                if (!client.isOpen()) {
                    pool.connectionLost(cs, client, cause);
                }
                if (attemptsLeft > 1) {
                    log.debug("server \"{}\": retrying idempotent {} after {}", server, method, cause.toString());
                    return this.<T>attempt(server, method, call, attemptsLeft - 1, true);
                }
            } else if (outcome == CallOutcome.CANCELLED) {
                cs.breaker.inconclusive();
            } else if (outcome == CallOutcome.SUCCESS || outcome == CallOutcome.ERROR_ANSWER) {
                cs.breaker.success();
                cs.lock.lock();
                try {
                    cs.recordAliveLocked(false);
                } finally {
                    cs.lock.unlock();
                }
            }
            return failure == null ? CompletableFuture.completedFuture(result) : CompletableFuture.<T>failedFuture(cause);
        }).thenCompose(Function.identity());
    }

    /** Breaker first (fast refusal), then the client, then the breaker's permit (one probe when half-open). */
    private McpClient acquire(ConnectionState cs, boolean waitForReconnect) {
        if (cs.breaker.state() == BreakerState.OPEN && !cs.breaker.remainingDelay().isZero()) {
            throw breakerOpen(cs);
        }
        McpClient client = client(cs, waitForReconnect);
        if (!cs.breaker.tryAcquire()) {
            throw breakerOpen(cs);
        }
        return client;
    }

    private McpClient client(ConnectionState cs, boolean waitForReconnect) {
        ServerState state;
        McpClient client;
        CompletableFuture<McpClient> connecting;
        boolean firstAttempt;
        cs.lock.lock();
        try {
            state = cs.stateLocked();
            client = cs.clientLocked();
            connecting = cs.connectingLocked();
            // Never connected and nothing failed yet: the first connect (a lazy server's first use, or start-up).
            // A retry after failures is a server that is down, and callers are not held for it.
            firstAttempt = cs.connectsLocked() == 0 && cs.lastErrorLocked() == null;
        } finally {
            cs.lock.unlock();
        }
        switch (state) {
            case READY -> {
                if (client != null && client.isOpen()) {
                    return client;
                }
                if (client != null) {
                    pool.connectionLost(cs, client, new IOException("connection found closed"));
                }
                throw ConnectionPool.unavailable(cs, state, "lost its connection; reconnecting", null);
            }
            case NEW -> {
                if (lifecycle.get() != Lifecycle.RUNNING && lifecycle.get() != Lifecycle.NEW) {
                    throw ConnectionPool.unavailable(cs, state, "is not connected: the manager is shutting down", null);
                }
                return awaitConnect(cs, pool.connect(cs, "first use"));
            }
            case CONNECTING -> {
                if (connecting != null && (firstAttempt || waitForReconnect)) {
                    return awaitConnect(cs, connecting);
                }
                throw ConnectionPool.unavailable(cs, state, "is reconnecting", null);
            }
            case BACKOFF, UNHEALTHY -> throw ConnectionPool.unavailable(cs, state, "is down; reconnecting with backoff", null);
            case DISABLED -> throw ConnectionPool.unavailable(cs, state, "is disabled in the configuration", null);
            case CLOSED -> throw ConnectionPool.unavailable(cs, state, "was removed or shut down", null);
            default -> throw new IllegalStateException("unexpected state " + state);
        }
    }

    private McpClient awaitConnect(ConnectionState cs, CompletableFuture<McpClient> connecting) {
        Duration bound = cs.config.options().connectTimeout().plusSeconds(1);
        try {
            return connecting.get(bound.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ServerUnavailableException unavailable) {
                throw unavailable;
            }
            throw ConnectionPool.unavailable(cs, cs.state(), "could not connect: "
                    + ConnectionState.describe(e.getCause()), e.getCause());
        } catch (TimeoutException e) {
            throw ConnectionPool.unavailable(cs, cs.state(), "is still connecting after " + bound.toMillis() + " ms", null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ConnectionPool.unavailable(cs, cs.state(), "was being connected when we were interrupted", null);
        }
    }

    private static ServerUnavailableException breakerOpen(ConnectionState cs) {
        Duration remaining = cs.breaker.remainingDelay();
        String when = remaining.isZero() ? "a probe call is under way" : "half-opens in " + remaining.toMillis() + " ms";
        return ConnectionPool.unavailable(cs, cs.state(), "is failing: circuit breaker " + cs.breaker.state()
                + " after " + cs.config.options().breakerFailureThreshold() + " failed calls in a row; " + when, null);
    }

    private static ServerUnavailableException unknown(String server) {
        return new ServerUnavailableException(server, ServerState.CLOSED, "no server named \"" + server + "\"", null);
    }

    private ConnectionState require(String name) {
        ConnectionState cs = pool.get(name);
        if (cs == null) {
            throw unknown(name);
        }
        return cs;
    }

    static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    static CallOutcome classify(Throwable cause) {
        if (cause == null) {
            return CallOutcome.SUCCESS;
        }
        if (cause instanceof ServerUnavailableException) {
            return CallOutcome.REJECTED;
        }
        if (cause instanceof McpException mcp) {
            if (!mcp.isLocal()) {
                return CallOutcome.ERROR_ANSWER; // the server answered: the connection works, whatever the code
            }
            return mcp.code() == JsonRpc.REQUEST_TIMEOUT ? CallOutcome.TIMEOUT : CallOutcome.CONNECTION_FAILED;
        }
        if (cause instanceof TimeoutException) {
            return CallOutcome.TIMEOUT;
        }
        if (cause instanceof IOException || cause instanceof UncheckedIOException) {
            return CallOutcome.CONNECTION_FAILED;
        }
        if (cause instanceof CancellationException) {
            return CallOutcome.CANCELLED;
        }
        // Anything else is our own bug, not the server's fault: do not hold it against the connection.
        return CallOutcome.ERROR_ANSWER;
    }

    /** Lists what every server offers, all servers in parallel. Lazy servers not yet used and disabled ones are reported, not connected. */
    public List<DiscoveryResult> discoverAll() {
        List<CompletableFuture<DiscoveryResult>> results = pool.all().stream()
                .sorted(Comparator.comparing(ConnectionState::name))
                .map(cs -> CompletableFuture.supplyAsync(() -> {
                    ServerState state = cs.state();
                    if (state == ServerState.DISABLED || (state == ServerState.NEW && cs.config.options().lazy())) {
                        return DiscoveryResult.failure(cs.name(), null, "server \"" + cs.name() + "\" is "
                                + (state == ServerState.DISABLED ? "disabled" : "lazy and not used yet"));
                    }
                    return discover(cs.name());
                }, workers))
                .toList();
        return results.stream().map(CompletableFuture::join).toList();
    }

    /** Lists what one server offers (connecting a lazy server). Never throws: failures are in the result. */
    public DiscoveryResult discover(String name) {
        InitializeResult info = null;
        try {
            McpClient client = client(name);
            info = client.info();
            CompletableFuture<List<ObjectNode>> tools = list(name, info, "tools", McpMethods.TOOLS_LIST, McpClient::listTools);
            CompletableFuture<List<ObjectNode>> resources = list(name, info, "resources", McpMethods.RESOURCES_LIST, McpClient::listResources);
            CompletableFuture<List<ObjectNode>> templates = list(name, info, "resources", McpMethods.RESOURCES_TEMPLATES_LIST, McpClient::listResourceTemplates);
            CompletableFuture<List<ObjectNode>> prompts = list(name, info, "prompts", McpMethods.PROMPTS_LIST, McpClient::listPrompts);
            CompletableFuture.allOf(tools, resources, templates, prompts).join();
            ConnectionState cs = pool.get(name);
            if (cs != null) {
                cs.setToolCount(tools.join().size());
            }
            return DiscoveryResult.success(name, info, tools.join(), resources.join(), templates.join(), prompts.join());
        } catch (RuntimeException e) {
            return DiscoveryResult.failure(name, info, ConnectionState.describe(unwrap(e)));
        }
    }

    private CompletableFuture<List<ObjectNode>> list(String server, InitializeResult info, String capability,
                                                     String method, Function<McpClient, List<ObjectNode>> lister) {
        if (info != null && !info.hasCapability(capability)) {
            return CompletableFuture.completedFuture(List.of());
        }
        return execute(server, method, client -> CompletableFuture.supplyAsync(() -> lister.apply(client), workers));
    }

    /** Adds a server at runtime and connects it (unless lazy or disabled), waiting at most its connect timeout. */
    public void add(ServerConfig config) {
        ensureRunning();
        ConnectionState cs = pool.add(config);
        if (cs == null) {
            throw new IllegalArgumentException("server \"" + config.name() + "\" already exists; use replace()");
        }
        log.info("server \"{}\" added ({})", config.name(), config.describe());
        connectIfEager(cs, "added");
    }

    /**
     * Swaps a server's configuration: the new connection is started, calls in flight on the old one may finish
     * (bounded), then the old one is closed.
     */
    public void replace(ServerConfig config) {
        ensureRunning();
        ConnectionState next = pool.newState(config);
        ConnectionState old = pool.swap(next);
        if (old == null) {
            log.info("server \"{}\" added by replace ({})", config.name(), config.describe());
            connectIfEager(next, "added");
            return;
        }
        log.info("server \"{}\" replaced ({} -> {})", config.name(), old.config.describe(), config.describe());
        CompletableFuture<Void> connected = CompletableFuture.runAsync(() -> connectIfEager(next, "configuration replaced"), workers);
        drainAndClose(old, pool.close(old, "configuration replaced"));
        connected.join();
    }

    /** Removes a server: no new calls, in-flight calls may finish (bounded), then it is closed. */
    public boolean remove(String name) {
        ConnectionState cs = pool.remove(name);
        if (cs == null) {
            return false;
        }
        McpClient client = pool.close(cs, "removed");
        pool.publish(new ServerEvent.Removed(name));
        listener.serverRemoved(name);
        drainAndClose(cs, client);
        log.info("server \"{}\" removed", name);
        return true;
    }

    private void connectIfEager(ConnectionState cs, String reason) {
        if (!cs.config.disabled() && !cs.config.options().lazy()) {
            try {
                awaitConnect(cs, pool.connect(cs, reason));
            } catch (ServerUnavailableException e) {
                // reported by the pool; reconnects in the background
            }
        }
    }

    private void drainAndClose(ConnectionState cs, McpClient client) {
        if (client == null) {
            return;
        }
        Duration bound = cs.config.options().requestTimeout().compareTo(MAX_DRAIN) < 0
                ? cs.config.options().requestTimeout() : MAX_DRAIN;
        try {
            if (!cs.awaitIdle(bound)) {
                log.warn("server \"{}\": {} calls still in flight after {} ms; closing anyway", cs.name(),
                        cs.status().inFlight(), bound.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        client.close();
    }

    private void ensureRunning() {
        Lifecycle now = lifecycle.get();
        if (now == Lifecycle.SHUTTING_DOWN || now == Lifecycle.TERMINATED) {
            throw new IllegalStateException("the server manager is " + now);
        }
    }

    /** Subscribes to READY / DOWN / REMOVED events (see {@link ServerListener}). */
    public void addServerListener(ServerListener serverListener) {
        pool.addServerListener(serverListener);
    }

    public List<ServerStatus> status() {
        return pool.all().stream().map(ConnectionState::status).sorted(Comparator.comparing(ServerStatus::name)).toList();
    }

    /** One server's status, or null when there is no such server. */
    public ServerStatus status(String name) {
        return health.status(name);
    }

    /** Pings the server now (outside the schedule) and returns its status afterwards. */
    public ServerStatus checkServer(String name) {
        health.checkServer(name);
        return status(name);
    }

    public List<String> serverNames() {
        return pool.names().stream().sorted().toList();
    }

    /**
     * Closes everything, in order: refuse new work, stop health checks and timers, close every connection in
     * parallel, wait up to {@code timeout}, then kill any stdio process still alive. Idempotent.
     */
    public ShutdownReport shutdown(Duration timeout) {
        long start = ticker.getAsLong();
        Lifecycle before = lifecycle.getAndUpdate(now -> now == Lifecycle.TERMINATED ? now : Lifecycle.SHUTTING_DOWN);
        if (before == Lifecycle.SHUTTING_DOWN || before == Lifecycle.TERMINATED) {
            return new ShutdownReport(List.of(), List.of(), List.of(), Duration.ZERO);
        }
        log.info("shutting down: stopping health checks and timers");
        health.stop();
        timer.shutdownNow();
        List<ConnectionState> servers = pool.all().stream().sorted(Comparator.comparing(ConnectionState::name)).toList();
        List<String> closed = new ArrayList<>();
        List<String> timedOut = new ArrayList<>();
        List<String> killed = new ArrayList<>();
        record Closing(String server, long pid, CompletableFuture<Void> done) {
        }
        List<Closing> closing = new ArrayList<>();
        log.info("shutting down: closing {} servers", servers.size());
        for (ConnectionState cs : servers) {
            CompletableFuture<McpClient> connecting;
            cs.lock.lock();
            try {
                connecting = cs.connectingLocked();
            } finally {
                cs.lock.unlock();
            }
            McpClient client = pool.close(cs, "shutdown");
            if (client != null) {
                long pid = client.transport().pid();
                closing.add(new Closing(cs.name(), pid, CompletableFuture.runAsync(client::close, workers)));
            } else if (connecting != null) {
                // The connect closes its own client when it sees CLOSED; wait for that too.
                closing.add(new Closing(cs.name(), -1, connecting.handle((c, e) -> null)));
            }
        }
        long deadline = start + timeout.toNanos();
        for (Closing c : closing) {
            try {
                c.done().get(Math.max(0, deadline - ticker.getAsLong()), TimeUnit.NANOSECONDS);
                closed.add(c.server());
            } catch (TimeoutException e) {
                timedOut.add(c.server());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                timedOut.add(c.server());
            } catch (ExecutionException e) {
                log.warn("server \"{}\": close failed: {}", c.server(), ConnectionState.describe(e.getCause()));
                closed.add(c.server());
            }
            if (c.pid() > 0 && ProcessHandle.of(c.pid()).map(ProcessHandle::isAlive).orElse(false)) {
                ProcessHandle.of(c.pid()).ifPresent(process -> {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                });
                killed.add(c.server());
            }
        }
        workers.shutdownNow();
        lifecycle.set(Lifecycle.TERMINATED);
        ShutdownReport report = new ShutdownReport(closed, timedOut, killed,
                Duration.ofNanos(ticker.getAsLong() - start));
        if (report.clean()) {
            log.info("shut down: {} connections closed in {} ms", closed.size(), report.took().toMillis());
        } else {
            log.warn("shut down in {} ms: timed out {}, force-killed {}", report.took().toMillis(), timedOut, killed);
        }
        return report;
    }

    /** Options for tests and embedding: clock, ticker and random source are injectable. */
    public static final class Builder {
        private final ProxySettings settings;
        private Collection<ServerConfig> servers = List.of();
        private ClientFactory factory;
        private ManagerListener listener = ManagerListener.NONE;
        private Clock clock = Clock.systemUTC();
        private LongSupplier ticker = System::nanoTime;
        private DoubleSupplier random = () -> ThreadLocalRandom.current().nextDouble();

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

        /** Wall clock for the {@code since}/{@code lastCheck} timestamps. */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** Monotonic nanos for durations. */
        public Builder ticker(LongSupplier ticker) {
            this.ticker = ticker;
            return this;
        }

        /** Uniform [0, 1) source for backoff and health-check jitter. */
        public Builder random(DoubleSupplier random) {
            this.random = random;
            return this;
        }

        public ServerManager build() {
            return new ServerManager(this);
        }
    }
}
