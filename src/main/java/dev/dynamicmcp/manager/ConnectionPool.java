package dev.dynamicmcp.manager;

import dev.dynamicmcp.runtime.Backoff;
import dev.dynamicmcp.client.McpClient;
import dev.dynamicmcp.config.ServerConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine behind {@link ServerManager}: one {@link ConnectionState} per server, single-flight connects,
 * reconnects with backoff, and the reporting of every transition. Connects and closes run on virtual threads;
 * the scheduler thread only starts them. Transitions are made under the state's lock and reported after it
 * is released.
 */
final class ConnectionPool {
    private static final Logger log = LoggerFactory.getLogger(ConnectionPool.class);

    private final Map<String, ConnectionState> servers = new ConcurrentHashMap<>();
    private final ClientFactory factory;
    private final ManagerListener listener;
    private final List<ServerListener> serverListeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timer;
    private final Clock clock;
    private final LongSupplier ticker;
    private final DoubleSupplier random;
    private volatile HealthChecker healthChecker;

    ConnectionPool(ClientFactory factory, ManagerListener listener, ScheduledExecutorService timer, Clock clock,
                   LongSupplier ticker, DoubleSupplier random) {
        this.factory = factory;
        this.listener = listener;
        this.timer = timer;
        this.clock = clock;
        this.ticker = ticker;
        this.random = random;
    }

    void setHealthChecker(HealthChecker checker) {
        this.healthChecker = checker;
    }

    void addServerListener(ServerListener serverListener) {
        serverListeners.add(serverListener);
    }

    ConnectionState newState(ServerConfig config) {
        return new ConnectionState(config, listener, clock, random);
    }

    /** Registers the server; null when the name is taken (the existing state is kept). */
    ConnectionState add(ServerConfig config) {
        ConnectionState state = newState(config);
        return servers.putIfAbsent(config.name(), state) == null ? state : null;
    }

    /** Swaps in a new state for a server; returns the old one (to be drained and closed). */
    ConnectionState swap(ConnectionState next) {
        return servers.put(next.name(), next);
    }

    ConnectionState remove(String name) {
        return servers.remove(name);
    }

    ConnectionState get(String name) {
        return servers.get(name);
    }

    Collection<ConnectionState> all() {
        return List.copyOf(servers.values());
    }

    /**
     * Starts connecting unless a connect is already running (then its future is returned) or the server is
     * READY. Never blocks.
     */
    CompletableFuture<McpClient> connect(ConnectionState cs, String reason) {
        CompletableFuture<McpClient> future;
        ConnectionState.Transition transition;
        cs.lock.lock();
        try {
            ServerState state = cs.stateLocked();
            if (state == ServerState.CLOSED || state == ServerState.DISABLED) {
                return CompletableFuture.failedFuture(unavailable(cs, state, "is " + state.name().toLowerCase(), null));
            }
            if (cs.connectingLocked() != null) {
                return cs.connectingLocked();
            }
            McpClient current = cs.clientLocked();
            if (state == ServerState.READY && current != null && current.isOpen()) {
                return CompletableFuture.completedFuture(current);
            }
            future = new CompletableFuture<>();
            cs.setConnectingLocked(future);
            cs.setTimerLocked(null);
            transition = cs.moveLocked(ServerState.CONNECTING, reason);
        } finally {
            cs.lock.unlock();
        }
        report(transition);
        Thread.ofVirtual().name("mcp-connect-" + cs.name()).start(() -> runConnect(cs, future));
        return future;
    }

    private void runConnect(ConnectionState cs, CompletableFuture<McpClient> future) {
        listener.connectAttempt(cs.name());
        long start = ticker.getAsLong();
        McpClient client;
        try {
            client = factory.connect(cs.config);
        } catch (Throwable e) {
            connectFailed(cs, future, e, Duration.ofNanos(ticker.getAsLong() - start));
            return;
        }
        Duration took = Duration.ofNanos(ticker.getAsLong() - start);
        ConnectionState.Transition transition;
        boolean reconnect;
        cs.lock.lock();
        try {
            cs.setConnectingLocked(null);
            transition = cs.moveLocked(ServerState.READY, "connected in " + took.toMillis() + " ms");
            if (transition != null) {
                reconnect = cs.connectsLocked() > 0;
                cs.attachClientLocked(client, took);
            } else {
                reconnect = false;
            }
        } finally {
            cs.lock.unlock();
        }
        if (transition == null) {
            // Removed or shut down while we were connecting: this client belongs to nobody.
            client.close();
            future.completeExceptionally(unavailable(cs, ServerState.CLOSED, "was closed while connecting", null));
            return;
        }
        client.addCloseListener(cause -> connectionLost(cs, client, cause));
        report(transition);
        listener.connected(cs.name(), took);
        if (reconnect) {
            log.info("server \"{}\" reconnected in {} ms", cs.name(), took.toMillis());
        }
        if (!client.isOpen()) {
            // Closed before the listener was registered: its close event is gone, so act on it here.
            connectionLost(cs, client, new java.io.IOException("connection closed right after initialize"));
        } else {
            publish(new ServerEvent.Ready(cs.name(), client));
            HealthChecker checker = healthChecker;
            if (checker != null) {
                checker.schedule(cs, client);
            }
        }
        future.complete(client);
    }

    private void connectFailed(ConnectionState cs, CompletableFuture<McpClient> future, Throwable error, Duration took) {
        String message = ConnectionState.describe(error);
        ConnectionState.Transition transition;
        ServerState state;
        cs.lock.lock();
        try {
            cs.setConnectingLocked(null);
            cs.recordErrorLocked(error);
            state = cs.stateLocked();
        } finally {
            cs.lock.unlock();
        }
        log.warn("server \"{}\": connect failed after {} ms: {}", cs.name(), took.toMillis(), message);
        listener.connectFailed(cs.name(), took, error);
        if (state == ServerState.CONNECTING) {
            scheduleReconnect(cs, false, "connect failed: " + message);
        }
        future.completeExceptionally(unavailable(cs, state, "could not connect: " + message, error));
    }

    /**
     * The client's connection is gone (process died, stream broke, or a call found it dead). The first loss
     * after a working period reconnects at once; losses in a row go through the backoff, so a server that
     * dies right after initialize is not restarted in a tight loop.
     */
    void connectionLost(ConnectionState cs, McpClient client, Throwable cause) {
        ConnectionState.Transition down;
        cs.lock.lock();
        try {
            if (cs.clientLocked() != client) {
                return; // an old client, or one we closed on purpose after detaching it
            }
            cs.detachClientLocked();
            cs.recordErrorLocked(cause != null ? cause : new java.io.IOException("connection closed"));
            down = cs.moveLocked(ServerState.BACKOFF, "connection lost: "
                    + (cause == null ? "closed" : ConnectionState.describe(cause)));
        } finally {
            cs.lock.unlock();
        }
        if (down == null) {
            return;
        }
        report(down);
        publish(new ServerEvent.Down(cs.name(), down.reason()));
        client.close();
        scheduleReconnect(cs, true, down.reason());
    }

    /**
     * Schedules the next connect. {@code immediate} asks for no delay, granted only when the backoff is at
     * its start (the server worked since the last failure).
     */
    void scheduleReconnect(ConnectionState cs, boolean immediate, String reason) {
        long delayNanos;
        int attempt;
        ConnectionState.Transition transition = null;
        cs.lock.lock();
        try {
            ServerState state = cs.stateLocked();
            if (state == ServerState.CLOSED || state == ServerState.DISABLED || cs.connectingLocked() != null) {
                return;
            }
            Backoff backoff = cs.backoffLocked();
            boolean now = immediate && backoff.attempts() == 0;
            long computed = backoff.nextDelayNanos();
            delayNanos = now ? 0 : computed;
            attempt = backoff.attempts();
            if (delayNanos > 0) {
                transition = cs.moveLocked(ServerState.BACKOFF, reason);
                cs.setTimerLocked(timer.schedule(() -> Thread.ofVirtual().start(
                        () -> connect(cs, "backoff elapsed (attempt " + attempt + ")")), delayNanos, TimeUnit.NANOSECONDS));
            }
        } finally {
            cs.lock.unlock();
        }
        report(transition);
        listener.reconnectScheduled(cs.name(), Duration.ofNanos(delayNanos), attempt);
        if (delayNanos == 0) {
            connect(cs, "reconnecting at once after: " + reason);
        } else {
            log.info("server \"{}\": reconnect attempt {} in {} ms", cs.name(), attempt,
                    TimeUnit.NANOSECONDS.toMillis(delayNanos));
        }
    }

    /** Health pings failed {@code unhealthyAfter} times: drop the connection and reconnect with backoff. */
    void markUnhealthy(ConnectionState cs, McpClient client, String reason) {
        ConnectionState.Transition unhealthy;
        cs.lock.lock();
        try {
            if (cs.clientLocked() != client) {
                return;
            }
            cs.detachClientLocked();
            unhealthy = cs.moveLocked(ServerState.UNHEALTHY, reason);
        } finally {
            cs.lock.unlock();
        }
        if (unhealthy == null) {
            return;
        }
        report(unhealthy);
        publish(new ServerEvent.Down(cs.name(), reason));
        client.close();
        scheduleReconnect(cs, false, reason);
    }

    /**
     * Moves the server to CLOSED and stops its timers. Returns the client to close (after draining), or null.
     * A connect still running sees CLOSED when it finishes and closes its own client.
     */
    McpClient close(ConnectionState cs, String reason) {
        ConnectionState.Transition transition;
        McpClient client;
        cs.lock.lock();
        try {
            cs.setTimerLocked(null);
            client = cs.detachClientLocked();
            transition = cs.moveLocked(ServerState.CLOSED, reason);
        } finally {
            cs.lock.unlock();
        }
        report(transition);
        if (transition != null && transition.from() == ServerState.READY) {
            publish(new ServerEvent.Down(cs.name(), reason));
        }
        return client;
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
        log.info("server \"{}\": {} -> {} ({})", transition.server(), transition.from(), transition.to(),
                transition.reason());
        listener.stateChanged(transition.server(), transition.from(), transition.to(), transition.reason());
    }

    static ServerUnavailableException unavailable(ConnectionState cs, ServerState state, String what, Throwable error) {
        Throwable last = error;
        if (last == null) {
            cs.lock.lock();
            try {
                last = cs.lastErrorLocked();
            } finally {
                cs.lock.unlock();
            }
        }
        String message = "server \"" + cs.name() + "\" " + what + " (state " + state
                + (last != null && error == null ? ", last error: " + ConnectionState.describe(last) : "") + ")";
        return new ServerUnavailableException(cs.name(), state, message, last);
    }

    List<String> names() {
        return new ArrayList<>(servers.keySet());
    }
}
