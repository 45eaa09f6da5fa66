package dev.dynamicmcp.manager;

import dev.dynamicmcp.client.McpClient;
import dev.dynamicmcp.config.ServerConfig;
import dev.dynamicmcp.runtime.Backoff;
import dev.dynamicmcp.transport.UpstreamAuthFailure;
import dev.dynamicmcp.runtime.Failures;
import dev.dynamicmcp.runtime.Scheduler;
import dev.dynamicmcp.transport.UpstreamFailure;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Everything known about one upstream connection (a server's shared one, or one downstream session's isolated
 * one), and the one place where its state transitions are decided. Each method takes the private lock, decides,
 * and returns what the caller must do or report once the lock is released; the lock is never held for I/O, a
 * listener call or a wait on another lock. A replaced server gets a new instance; the old one ends in CLOSED,
 * which is terminal.
 */
final class ConnectionState {
    /** A state change to report once the lock is released. */
    record Transition(ConnectionKey key, ServerState from, ServerState to, String reason) {
    }

    /** What {@link #beginConnect} decided: {@code start} true means the caller runs the connect. */
    record Connect(CompletableFuture<McpClient> future, boolean start, Transition transition) {
    }

    /** What {@link #planReconnect} decided; null from it means "no reconnect" (closed, or a connect is running). */
    record Reconnect(long delayNanos, int attempt, Transition transition) {
    }

    /**
     * What {@link #close} left to the caller: the client to drain and close, a connect still running and the
     * thread running it (the caller interrupts it, outside the lock, so the attempt ends now and closes what
     * it started instead of living on until its connect timeout).
     */
    record Closing(Transition transition, McpClient client, CompletableFuture<McpClient> connecting,
                   Thread connectThread) {
    }

    /** The call path's view, taken at once. */
    record Snapshot(ServerState state, McpClient client, CompletableFuture<McpClient> connecting, boolean firstAttempt) {
    }

    final ConnectionKey key;
    final ServerConfig config;
    final Breaker breaker;
    private final Scheduler scheduler;
    private final ReentrantLock lock = new ReentrantLock();

    // Guarded by lock.
    private final Backoff backoff;
    private ServerState state;
    private Instant since;
    private McpClient client;
    private CompletableFuture<McpClient> connecting;
    private Thread connectThread;
    /** The transport the last connect really used (an {@code http} server may have fallen back to legacy SSE). */
    private String effectiveTransport;
    private Scheduler.Cancellable reconnectTimer = Scheduler.Cancellable.NONE;
    private int consecutiveErrors;
    private int failedPings;
    private Throwable lastError;
    private Instant lastCheck;
    private Duration connectTime;
    private String revision; // guarded by lock: of the last connection, kept while it is down
    private long connects;
    private int inFlight;
    private int toolCount = -1;
    private final java.util.List<CompletableFuture<Boolean>> idleWaiters = new java.util.ArrayList<>();

    ConnectionState(ConnectionKey key, ServerConfig config, Scheduler scheduler, ManagerListener listener) {
        this.key = key;
        this.config = config;
        this.scheduler = scheduler;
        // the state and breaker gauges describe a server's shared connection; an isolated one only logs them
        this.breaker = new Breaker(key.toString(), config.options(), scheduler::nanoTime,
                key.isolated() ? ManagerListener.NONE : listener);
        this.backoff = new Backoff(config.options().backoffInitial(), config.options().backoffMax(),
                config.options().backoffJitter(), scheduler::random);
        this.state = config.disabled() ? ServerState.DISABLED : ServerState.NEW;
        this.since = scheduler.now();
    }

    String name() {
        return config.name();
    }

    /** Starts a connect unless one is running (its future is shared) or the connection is READY and open. */
    Connect beginConnect(String reason) {
        lock.lock();
        try {
            if (state == ServerState.CLOSED || state == ServerState.DISABLED) {
                return new Connect(CompletableFuture.failedFuture(
                        unavailableLocked(state, "is " + state.name().toLowerCase(), null)), false, null);
            }
            if (connecting != null) {
                return new Connect(connecting, false, null);
            }
            if (state == ServerState.READY && client != null && client.isOpen()) {
                return new Connect(CompletableFuture.completedFuture(client), false, null);
            }
            connecting = new CompletableFuture<>();
            cancelReconnectLocked();
            return new Connect(connecting, true, moveLocked(ServerState.CONNECTING, reason));
        } finally {
            lock.unlock();
        }
    }

    /**
     * The connect task runs on {@code thread}; false when the connection was closed before it began (the
     * task then gives up without connecting).
     */
    boolean connectRunning(Thread thread) {
        lock.lock();
        try {
            if (state == ServerState.CLOSED) {
                return false;
            }
            connectThread = thread;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** The connect succeeded. A null transition means the connection was closed meanwhile: close the client. */
    Transition connected(McpClient newClient, Duration took, String transport) {
        lock.lock();
        try {
            connecting = null;
            connectThread = null;
            Transition transition = moveLocked(ServerState.READY, "connected in " + took.toMillis() + " ms");
            if (transition != null) {
                client = newClient;
                effectiveTransport = transport;
                connectTime = took;
                revision = newClient.revision();
                connects++;
                consecutiveErrors = 0;
                failedPings = 0;
            }
            return transition;
        } finally {
            lock.unlock();
        }
    }

    /** The connect failed; true when it should be retried with backoff (it was not closed meanwhile). */
    boolean connectFailed(Throwable error) {
        lock.lock();
        try {
            connecting = null;
            connectThread = null;
            if (state == ServerState.CLOSED) {
                return false; // a superseded attempt: its failure is not this server's
            }
            recordErrorLocked(error);
            return state == ServerState.CONNECTING;
        } finally {
            lock.unlock();
        }
    }

    /** The client's connection is gone; null when {@code lostClient} is not the current one (old, or closed on purpose). */
    Transition lost(McpClient lostClient, Throwable cause) {
        lock.lock();
        try {
            if (client != lostClient) {
                return null;
            }
            client = null;
            recordErrorLocked(cause != null ? cause : new java.io.IOException("connection closed"));
            return moveLocked(ServerState.BACKOFF, "connection lost: " + (cause == null ? "closed" : Failures.describe(cause)));
        } finally {
            lock.unlock();
        }
    }

    /** Health pings failed too often: the client is dropped; null when it is no longer the current one. */
    Transition unhealthy(McpClient sickClient, String reason) {
        lock.lock();
        try {
            if (client != sickClient) {
                return null;
            }
            client = null;
            return moveLocked(ServerState.UNHEALTHY, reason);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Decides the next connect's delay. {@code immediate} asks for none, granted only when the backoff is at
     * its start (the server worked since the last failure), so a server that dies right after initialize is
     * not restarted in a tight loop.
     */
    Reconnect planReconnect(boolean immediate, String reason) {
        lock.lock();
        try {
            if (state == ServerState.CLOSED || state == ServerState.DISABLED || connecting != null) {
                return null;
            }
            boolean now = immediate && backoff.attempts() == 0;
            long computed = backoff.nextDelayNanos();
            if (UpstreamAuthFailure.waitsForSignIn(lastError)) {
                // Only a person can fix this: ask rarely; the completed sign-in connects at once (connectNow).
                computed = Math.max(computed, config.options().backoffMax().toNanos());
                now = false;
            }
            long delay = now ? 0 : computed;
            return new Reconnect(delay, backoff.attempts(), delay > 0 ? moveLocked(ServerState.BACKOFF, reason) : null);
        } finally {
            lock.unlock();
        }
    }

    /** Keeps the pending reconnect timer so a connect or close can call it off; cancels it when already closed. */
    void reconnectScheduled(Scheduler.Cancellable timer) {
        lock.lock();
        try {
            if (state == ServerState.CLOSED) {
                timer.cancel();
                return;
            }
            cancelReconnectLocked();
            reconnectTimer = timer;
        } finally {
            lock.unlock();
        }
    }

    /** Moves to CLOSED (terminal) and stops the reconnect timer. A running connect sees CLOSED and closes its client. */
    Closing close(String reason) {
        lock.lock();
        try {
            cancelReconnectLocked();
            McpClient detached = client;
            client = null;
            Thread running = connectThread;
            connectThread = null;
            return new Closing(moveLocked(ServerState.CLOSED, reason), detached, connecting, running);
        } finally {
            lock.unlock();
        }
    }

    /** The server answered a call: errors in a row and the backoff start over. */
    void answered() {
        lock.lock();
        try {
            aliveLocked();
        } finally {
            lock.unlock();
        }
    }

    /**
     * A call failed without an answer (timeout, connection failure) and the connection was not dropped for it:
     * counted like a failed ping, so a breaker opened by such calls shows why (errors in a row, the last one).
     */
    void callFailed(Throwable error) {
        lock.lock();
        try {
            recordErrorLocked(error);
        } finally {
            lock.unlock();
        }
    }

    /** A ping was answered; false when {@code pinged} is no longer the current client. */
    boolean pingAnswered(McpClient pinged) {
        lock.lock();
        try {
            if (client != pinged) {
                return false;
            }
            aliveLocked();
            lastCheck = scheduler.now();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Counts a failed ping; returns the failed pings in a row, or -1 when {@code pinged} is no longer the
     * current client.
     */
    int pingFailed(McpClient pinged, Throwable error) {
        lock.lock();
        try {
            if (client != pinged) {
                return -1;
            }
            recordErrorLocked(error);
            lastCheck = scheduler.now();
            return ++failedPings;
        } finally {
            lock.unlock();
        }
    }

    Snapshot snapshot() {
        lock.lock();
        try {
            // Never connected and nothing failed yet: the first connect (a lazy server's first use, or start-up).
            // A retry after failures is a server that is down, and callers are not held for it.
            return new Snapshot(state, client, connecting, connects == 0 && lastError == null);
        } finally {
            lock.unlock();
        }
    }

    boolean everConnected() {
        lock.lock();
        try {
            return connects > 0;
        } finally {
            lock.unlock();
        }
    }

    /** The client when READY, else null. */
    McpClient readyClient() {
        lock.lock();
        try {
            return state == ServerState.READY ? client : null;
        } finally {
            lock.unlock();
        }
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
        java.util.List<CompletableFuture<Boolean>> waiters = java.util.List.of();
        lock.lock();
        try {
            if (--inFlight == 0) {
                waiters = java.util.List.copyOf(idleWaiters);
                idleWaiters.clear();
            }
        } finally {
            lock.unlock();
        }
        waiters.forEach(waiter -> waiter.complete(true));
    }

    /** Completes with true once no call is in flight (at once when none is); the caller bounds the wait. */
    CompletableFuture<Boolean> whenIdle() {
        lock.lock();
        try {
            if (inFlight == 0) {
                return CompletableFuture.completedFuture(true);
            }
            CompletableFuture<Boolean> waiter = new CompletableFuture<>();
            idleWaiters.add(waiter);
            return waiter;
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

    /** The revision of the last connection (kept while it is down); null before the first. Asked per call. */
    String revision() {
        lock.lock();
        try {
            return revision;
        } finally {
            lock.unlock();
        }
    }

    ServerStatus status(int isolatedSessions) {
        lock.lock();
        try {
            String transport = config.transport().configName();
            if (effectiveTransport != null && !effectiveTransport.equals(transport)) {
                transport = config.transport() == dev.dynamicmcp.config.TransportKind.HTTP_AUTO
                        && effectiveTransport.equals("sse") ? "sse (fallback)" : effectiveTransport;
            }
            return new ServerStatus(name(), transport, state, since, lastCheck,
                    consecutiveErrors, lastError == null ? null : Failures.describe(lastError), breaker.state(),
                    connectTime, Math.max(0, connects - 1), inFlight, toolCount, isolatedSessions,
                    lastError == null ? null : UpstreamFailure.detailOf(lastError), revision);
        } finally {
            lock.unlock();
        }
    }

    /** A refusal that names the connection, its state and (unless {@code error} is given) its last error. */
    ServerUnavailableException unavailable(ServerState at, String what, Throwable error) {
        lock.lock();
        try {
            return unavailableLocked(at, what, error);
        } finally {
            lock.unlock();
        }
    }

    private ServerUnavailableException unavailableLocked(ServerState at, String what, Throwable error) {
        Throwable last = error != null ? error : lastError;
        String message = "server \"" + name() + "\"" + (key.isolated() ? " (isolated session)" : "") + " " + what
                + " (state " + at + (last != null && error == null ? ", last error: " + Failures.describe(last) : "") + ")";
        return new ServerUnavailableException(name(), at, message, last);
    }

    /** CLOSED is terminal: every later move is refused, which lets a connect that ends after close() clean up. */
    private Transition moveLocked(ServerState to, String reason) {
        if (state == to || state == ServerState.CLOSED) {
            return null;
        }
        Transition transition = new Transition(key, state, to, reason);
        state = to;
        since = scheduler.now();
        return transition;
    }

    private void recordErrorLocked(Throwable error) {
        consecutiveErrors++;
        lastError = error;
    }

    private void aliveLocked() {
        consecutiveErrors = 0;
        failedPings = 0;
        backoff.reset();
    }

    private void cancelReconnectLocked() {
        reconnectTimer.cancel();
        reconnectTimer = Scheduler.Cancellable.NONE;
    }
}
