package dev.dynamicmcp.manager;

import dev.dynamicmcp.runtime.Backoff;
import dev.dynamicmcp.client.McpClient;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pings every READY server at its {@code healthCheckInterval}, spread by ±10% so many servers (and many
 * proxies) do not ping in step. After {@code unhealthyAfter} failed pings in a row the pool drops the
 * connection and reconnects with backoff. One pending timer per server, owned by its {@link ConnectionState};
 * the ping itself runs on a virtual thread.
 */
final class HealthChecker {
    private static final Logger log = LoggerFactory.getLogger(HealthChecker.class);
    static final double INTERVAL_JITTER = 0.10;

    /** What one health check found. */
    enum Result { HEALTHY, FAILED, UNHEALTHY, NOT_CONNECTED }

    private final ConnectionPool pool;
    private final ScheduledExecutorService timer;
    private final DoubleSupplier random;
    private volatile boolean running;

    HealthChecker(ConnectionPool pool, ScheduledExecutorService timer, DoubleSupplier random) {
        this.pool = pool;
        this.timer = timer;
        this.random = random;
    }

    /** Starts checking every server that is READY now; servers that become READY later are scheduled by the pool. */
    void start() {
        running = true;
        for (ConnectionState cs : pool.all()) {
            McpClient client;
            cs.lock.lock();
            try {
                client = cs.stateLocked() == ServerState.READY ? cs.clientLocked() : null;
            } finally {
                cs.lock.unlock();
            }
            if (client != null) {
                schedule(cs, client);
            }
        }
    }

    void stop() {
        running = false;
    }

    /** The delay until the next check: the interval spread by ±10%; 0 when health checks are off. */
    static long nextDelayNanos(Duration interval, double r) {
        return interval.isZero() || interval.isNegative() ? 0 : Backoff.jitter(interval.toNanos(), INTERVAL_JITTER, r);
    }

    void schedule(ConnectionState cs, McpClient client) {
        long delay = nextDelayNanos(cs.config.options().healthCheckInterval(), random.getAsDouble());
        if (!running || delay == 0) {
            return;
        }
        cs.lock.lock();
        try {
            if (cs.clientLocked() != client || cs.stateLocked() != ServerState.READY) {
                return;
            }
            cs.setTimerLocked(timer.schedule(() -> Thread.ofVirtual().name("mcp-health-" + cs.name()).start(() -> {
                check(cs, client);
                schedule(cs, client);
            }), delay, TimeUnit.NANOSECONDS));
        } finally {
            cs.lock.unlock();
        }
    }

    /** Runs one check of the named server now (also used by the CLI and tests). */
    Result checkServer(String name) {
        ConnectionState cs = pool.get(name);
        if (cs == null) {
            throw new IllegalArgumentException("no server named \"" + name + "\"");
        }
        McpClient client;
        cs.lock.lock();
        try {
            client = cs.stateLocked() == ServerState.READY ? cs.clientLocked() : null;
        } finally {
            cs.lock.unlock();
        }
        return client == null ? Result.NOT_CONNECTED : check(cs, client);
    }

    ServerStatus status(String name) {
        ConnectionState cs = pool.get(name);
        return cs == null ? null : cs.status();
    }

    private Result check(ConnectionState cs, McpClient client) {
        Duration timeout = pingTimeout(cs);
        Throwable failure = null;
        try {
            client.ping(timeout);
        } catch (Exception e) {
            failure = e;
        }
        boolean unhealthy;
        int failed;
        cs.lock.lock();
        try {
            if (cs.clientLocked() != client) {
                return Result.NOT_CONNECTED; // replaced or lost while we pinged
            }
            if (failure == null) {
                cs.recordAliveLocked(true);
                return Result.HEALTHY;
            }
            unhealthy = cs.recordPingFailureLocked(failure, cs.config.options().unhealthyAfter());
            failed = cs.failedPingsLocked();
        } finally {
            cs.lock.unlock();
        }
        String why = ConnectionState.describe(failure);
        if (!unhealthy) {
            log.warn("server \"{}\": ping failed ({} of {}): {}", cs.name(), failed,
                    cs.config.options().unhealthyAfter(), why);
            return Result.FAILED;
        }
        pool.markUnhealthy(cs, client, failed + " failed pings: " + why);
        return Result.UNHEALTHY;
    }

    /** A ping that takes longer than the interval is as bad as a lost one; but give slow links a second. */
    private static Duration pingTimeout(ConnectionState cs) {
        Duration interval = cs.config.options().healthCheckInterval();
        Duration request = cs.config.options().requestTimeout();
        Duration bound = interval.isZero() ? request : interval;
        Duration timeout = request.compareTo(bound) < 0 ? request : bound;
        return timeout.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : timeout;
    }
}
