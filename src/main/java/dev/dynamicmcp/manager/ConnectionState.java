package dev.dynamicmcp.manager;

import dev.dynamicmcp.runtime.Backoff;
import dev.dynamicmcp.client.McpClient;
import dev.dynamicmcp.config.ServerConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.DoubleSupplier;

/**
 * Everything the pool knows about one configured server. A replaced server gets a new instance; the old
 * one ends in CLOSED. All mutable fields are guarded by {@link #lock}, which is only ever held for field
 * updates: no I/O, no listener call, no waiting on another lock while holding it. Methods named
 * {@code ...Locked} assert that the caller holds it.
 */
final class ConnectionState {
    /** A state change to report once the lock is released. */
    record Transition(String server, ServerState from, ServerState to, String reason) {
    }

    final ServerConfig config;
    final Breaker breaker;
    final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();
    private final Clock clock;

    // Guarded by lock.
    private final Backoff backoff;
    private ServerState state;
    private Instant since;
    private McpClient client;
    private Instant clientSince;
    private CompletableFuture<McpClient> connecting;
    private Future<?> timer;
    private int consecutiveErrors;
    private int failedPings;
    private Throwable lastError;
    private Instant lastCheck;
    private Duration connectTime;
    private long connects;
    private int inFlight;
    private int toolCount = -1;

    ConnectionState(ServerConfig config, ManagerListener listener, Clock clock, DoubleSupplier random) {
        this.config = config;
        this.clock = clock;
        this.breaker = new Breaker(config.name(), config.options(), listener);
        this.backoff = new Backoff(config.options().backoffInitial(), config.options().backoffMax(),
                config.options().backoffJitter(), random);
        this.state = config.disabled() ? ServerState.DISABLED : ServerState.NEW;
        this.since = clock.instant();
    }

    String name() {
        return config.name();
    }

    /**
     * Moves to {@code to}; null when nothing changes. CLOSED is terminal: once there, every later
     * transition is refused, which is what lets a connect that finishes after remove() notice and clean up.
     */
    Transition moveLocked(ServerState to, String reason) {
        assert lock.isHeldByCurrentThread();
        if (state == to || state == ServerState.CLOSED) {
            return null;
        }
        Transition transition = new Transition(name(), state, to, reason);
        state = to;
        since = clock.instant();
        return transition;
    }

    ServerState stateLocked() {
        assert lock.isHeldByCurrentThread();
        return state;
    }

    McpClient clientLocked() {
        assert lock.isHeldByCurrentThread();
        return client;
    }

    /** Forgets the current client and returns it (to be closed outside the lock). */
    McpClient detachClientLocked() {
        assert lock.isHeldByCurrentThread();
        McpClient detached = client;
        client = null;
        clientSince = null;
        return detached;
    }

    void attachClientLocked(McpClient newClient, Duration took) {
        assert lock.isHeldByCurrentThread();
        client = newClient;
        clientSince = clock.instant();
        connectTime = took;
        connects++;
        consecutiveErrors = 0;
        failedPings = 0;
    }

    CompletableFuture<McpClient> connectingLocked() {
        assert lock.isHeldByCurrentThread();
        return connecting;
    }

    void setConnectingLocked(CompletableFuture<McpClient> future) {
        assert lock.isHeldByCurrentThread();
        connecting = future;
    }

    /** Replaces the pending timer (reconnect or health check), cancelling the previous one. */
    void setTimerLocked(Future<?> next) {
        assert lock.isHeldByCurrentThread();
        if (timer != null) {
            timer.cancel(false);
        }
        timer = next;
    }

    long connectsLocked() {
        assert lock.isHeldByCurrentThread();
        return connects;
    }

    void recordErrorLocked(Throwable error) {
        assert lock.isHeldByCurrentThread();
        consecutiveErrors++;
        lastError = error;
    }

    /** Counts a failed ping; true when this one makes the server unhealthy. */
    boolean recordPingFailureLocked(Throwable error, int unhealthyAfter) {
        assert lock.isHeldByCurrentThread();
        recordErrorLocked(error);
        lastCheck = clock.instant();
        failedPings++;
        return failedPings >= Math.max(1, unhealthyAfter) && state == ServerState.READY;
    }

    int failedPingsLocked() {
        assert lock.isHeldByCurrentThread();
        return failedPings;
    }

    /** The server answered (a ping or a call): errors in a row and the backoff start over. */
    void recordAliveLocked(boolean fromPing) {
        assert lock.isHeldByCurrentThread();
        consecutiveErrors = 0;
        failedPings = 0;
        backoff.reset();
        if (fromPing) {
            lastCheck = clock.instant();
        }
    }

    Backoff backoffLocked() {
        assert lock.isHeldByCurrentThread();
        return backoff;
    }

    Throwable lastErrorLocked() {
        assert lock.isHeldByCurrentThread();
        return lastError;
    }

    void callStarted() {
        lock.lock();
        try {
            inFlight++;
        } finally {
            lock.unlock();
        }
    }

    void callFinished() {
        lock.lock();
        try {
            if (--inFlight == 0) {
                idle.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Waits (the one wait on this lock's condition, which releases the lock) until no call is in flight. */
    boolean awaitIdle(Duration bound) throws InterruptedException {
        long remaining = bound.toNanos();
        lock.lock();
        try {
            while (inFlight > 0) {
                if (remaining <= 0) {
                    return false;
                }
                remaining = idle.awaitNanos(remaining);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    void setToolCount(int count) {
        lock.lock();
        try {
            toolCount = count;
        } finally {
            lock.unlock();
        }
    }

    ServerState state() {
        lock.lock();
        try {
            return state;
        } finally {
            lock.unlock();
        }
    }

    ServerStatus status() {
        lock.lock();
        try {
            return new ServerStatus(name(), config.transport().configName(), state, since, lastCheck,
                    consecutiveErrors, lastError == null ? null : describe(lastError), breaker.state(), connectTime,
                    Math.max(0, connects - 1), inFlight, toolCount);
        } finally {
            lock.unlock();
        }
    }

    static String describe(Throwable error) {
        Throwable t = error;
        while ((t instanceof java.util.concurrent.CompletionException
                || t instanceof java.util.concurrent.ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        String message = t.getMessage();
        return message == null || message.isBlank() ? t.getClass().getSimpleName() : message;
    }
}
