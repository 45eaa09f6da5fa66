package dev.dynamicmcp.manager;

import dev.dynamicmcp.client.McpClient;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.McpException;
import dev.dynamicmcp.protocol.McpMethods;
import dev.dynamicmcp.runtime.Failures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens around one upstream call: the breaker's fast refusal, the client (never waiting for a server
 * that is down), the breaker's permit, the outcome's classification, success or failure recorded on breaker and
 * connection, retries of idempotent methods, and the call metric. A call that fails to reach the server
 * (CONNECTION_FAILED) is a lost connection at once: the connection leaves READY and reconnects with backoff,
 * even when the transport still looks open (an HTTP server that refuses connections).
 */
final class CallPolicy {
    private static final Logger log = LoggerFactory.getLogger(CallPolicy.class);

    private final ConnectionPool pool;
    private final ManagerListener listener;

    CallPolicy(ConnectionPool pool, ManagerListener listener) {
        this.pool = pool;
        this.listener = listener;
    }

    <T> CompletableFuture<T> execute(ConnectionKey key, String method, Function<McpClient, CompletableFuture<T>> call) {
        ConnectionState cs = pool.resolve(key);
        if (cs == null) {
            return CompletableFuture.failedFuture(unknown(key.server()));
        }
        int attempts = McpMethods.isIdempotent(method) ? 1 + Math.max(0, cs.config.options().retries()) : 1;
        return attempt(key, method, call, attempts, false);
    }

    private <T> CompletableFuture<T> attempt(ConnectionKey key, String method, Function<McpClient, CompletableFuture<T>> call,
                                             int attemptsLeft, boolean retry) {
        long start = pool.scheduler().nanoTime();
        ConnectionState cs = pool.resolve(key);
        McpClient client;
        try {
            if (cs == null) {
                throw unknown(key.server());
            }
            client = acquire(cs, retry);
        } catch (ServerUnavailableException e) {
            listener.callCompleted(key.server(), method, pool.scheduler().nanoTime() - start, CallOutcome.REJECTED);
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
            Throwable cause = failure == null ? null : Failures.unwrap(failure);
            CallOutcome outcome = classify(cause);
            listener.callCompleted(key.server(), method, pool.scheduler().nanoTime() - start, outcome);
            switch (outcome) {
                case TIMEOUT, CONNECTION_FAILED -> {
                    if (outcome == CallOutcome.CONNECTION_FAILED || !client.isOpen()) {
                        pool.lost(cs, client, cause); // records the error
                    } else {
                        cs.callFailed(cause); // the breaker's reason shows in the status
                    }
                    cs.breaker.failure();
                    if (attemptsLeft > 1) {
                        log.debug("server \"{}\": retrying idempotent {} after {}", key, method, cause.toString());
                        return this.<T>attempt(key, method, call, attemptsLeft - 1, true);
                    }
                }
                case CANCELLED -> cs.breaker.inconclusive();
                case SUCCESS, ERROR_ANSWER -> {
                    cs.breaker.success();
                    cs.answered();
                }
                case REJECTED -> {
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

    /**
     * The connection's live client. Waits only for a first connect (a lazy server's first use, start-up, an
     * isolated session's first call) or, on a retry, for a reconnect under way; otherwise refuses at once.
     */
    McpClient client(ConnectionState cs, boolean waitForReconnect) {
        ConnectionState.Snapshot now = cs.snapshot();
        ServerState state = now.state();
        switch (state) {
            case READY -> {
                if (now.client() != null && now.client().isOpen()) {
                    return now.client();
                }
                if (now.client() != null) {
                    pool.lost(cs, now.client(), new IOException("connection found closed"));
                }
                throw cs.unavailable(state, "lost its connection; reconnecting", null);
            }
            case NEW -> {
                ConnectionPool.Lifecycle lifecycle = pool.lifecycle.get();
                if (lifecycle != ConnectionPool.Lifecycle.RUNNING && lifecycle != ConnectionPool.Lifecycle.NEW) {
                    throw cs.unavailable(state, "is not connected: the manager is shutting down", null);
                }
                return awaitConnect(cs, pool.connect(cs, cs.key.isolated() ? "first use by its session" : "first use"));
            }
            case CONNECTING -> {
                if (now.connecting() != null && (now.firstAttempt() || waitForReconnect)) {
                    return awaitConnect(cs, now.connecting());
                }
                throw cs.unavailable(state, "is reconnecting", null);
            }
            case BACKOFF, UNHEALTHY -> throw cs.unavailable(state, "is down; reconnecting with backoff", null);
            case DISABLED -> throw cs.unavailable(state, "is disabled in the configuration", null);
            case CLOSED -> throw cs.unavailable(state, "was removed or shut down", null);
            default -> throw new IllegalStateException("unexpected state " + state);
        }
    }

    /**
     * Waits for a connect, at most its connect timeout and a second. Real time on purpose: the connect is real
     * I/O bounded by the transport's own timeout; this bound only guards against a connect that never ends.
     */
    static McpClient awaitConnect(ConnectionState cs, CompletableFuture<McpClient> connecting) {
        Duration bound = cs.config.options().connectTimeout().plusSeconds(1);
        try {
            return connecting.get(bound.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ServerUnavailableException unavailable) {
                throw unavailable;
            }
            throw cs.unavailable(cs.state(), "could not connect: " + Failures.describe(e.getCause()), e.getCause());
        } catch (TimeoutException e) {
            throw cs.unavailable(cs.state(), "is still connecting after " + bound.toMillis() + " ms", null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw cs.unavailable(cs.state(), "was being connected when we were interrupted", null);
        }
    }

    private static ServerUnavailableException breakerOpen(ConnectionState cs) {
        Duration remaining = cs.breaker.remainingDelay();
        String when = remaining.isZero() ? "a probe call is under way" : "half-opens in " + remaining.toMillis() + " ms";
        return cs.unavailable(cs.state(), "is failing: circuit breaker " + cs.breaker.state()
                + " after " + cs.config.options().breakerFailureThreshold() + " failed calls in a row; " + when, null);
    }

    static ServerUnavailableException unknown(String server) {
        return new ServerUnavailableException(server, ServerState.CLOSED, "no server named \"" + server + "\"", null);
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
}
