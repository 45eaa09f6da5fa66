package dev.dynamicmcp.manager;

import dev.dynamicmcp.client.McpClient;
import dev.dynamicmcp.runtime.Backoff;
import dev.dynamicmcp.runtime.Failures;
import dev.dynamicmcp.runtime.Scheduler;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks every READY connection with what its revision offers: {@code ping} for the 2025 revisions,
 * {@code server/discover} for MCP 2026-07-28, which has no ping ({@link McpClient#ping} picks). It pings every READY connection (isolated ones too) at its {@code healthCheckInterval}, spread by ±10% so many
 * servers (and many proxies) do not ping in step. After {@code unhealthyAfter} failed pings in a row the pool
 * drops the connection and reconnects with backoff. It hears connections come and go from the pool's events,
 * and keeps one pending scheduler timer per connection.
 */
final class HealthChecker implements ConnectionPool.Events {
    private static final Logger log = LoggerFactory.getLogger(HealthChecker.class);
    static final double INTERVAL_JITTER = 0.10;

    /** What one health check found. */
    enum Result { HEALTHY, FAILED, UNHEALTHY, NOT_CONNECTED }

    private final ConnectionPool pool;
    private final Scheduler scheduler;
    private final Map<ConnectionState, Scheduler.Cancellable> timers = new ConcurrentHashMap<>();
    private volatile boolean running;

    HealthChecker(ConnectionPool pool) {
        this.pool = pool;
        this.scheduler = pool.scheduler();
        pool.subscribe(this);
    }

    /** Starts checking every connection that is READY now; later ones are scheduled when they become READY. */
    void start() {
        running = true;
        for (ConnectionState cs : pool.all()) {
            McpClient client = cs.readyClient();
            if (client != null) {
                schedule(cs, client);
            }
        }
    }

    void stop() {
        running = false;
        timers.values().forEach(Scheduler.Cancellable::cancel);
        timers.clear();
    }

    @Override
    public void ready(ConnectionState cs, McpClient client) {
        schedule(cs, client);
    }

    @Override
    public void down(ConnectionState cs) {
        Scheduler.Cancellable timer = timers.remove(cs);
        if (timer != null) {
            timer.cancel();
        }
    }

    /** The delay until the next check: the interval spread by ±10%; 0 when health checks are off. */
    static long nextDelayNanos(Duration interval, double r) {
        return interval.isZero() || interval.isNegative() ? 0 : Backoff.jitter(interval.toNanos(), INTERVAL_JITTER, r);
    }

    private void schedule(ConnectionState cs, McpClient client) {
        long delay = nextDelayNanos(cs.config.options().healthCheckInterval(), scheduler.random());
        if (!running || delay == 0 || cs.readyClient() != client) {
            return;
        }
        Scheduler.Cancellable timer = scheduler.schedule("mcp-health-" + cs.key, Duration.ofNanos(delay), () -> {
            if (running && check(cs, client) != Result.NOT_CONNECTED) {
                schedule(cs, client);
            }
        });
        Scheduler.Cancellable previous = timers.put(cs, timer);
        if (previous != null) {
            previous.cancel();
        }
    }

    /** Runs one check of the connection now (also for {@code checkServer}). */
    Result checkNow(ConnectionState cs) {
        McpClient client = cs.readyClient();
        return client == null ? Result.NOT_CONNECTED : check(cs, client);
    }

    private Result check(ConnectionState cs, McpClient client) {
        Throwable failure = null;
        try {
            client.ping(pingTimeout(cs));
        } catch (Exception e) {
            failure = e;
        }
        if (failure == null) {
            return cs.pingAnswered(client) ? Result.HEALTHY : Result.NOT_CONNECTED;
        }
        int failed = cs.pingFailed(client, failure);
        if (failed < 0) {
            return Result.NOT_CONNECTED; // replaced or lost while we pinged
        }
        int unhealthyAfter = Math.max(1, cs.config.options().unhealthyAfter());
        String why = Failures.describe(failure);
        if (failed < unhealthyAfter) {
            log.warn("server \"{}\": ping failed ({} of {}): {}", cs.key, failed, unhealthyAfter, why);
            return Result.FAILED;
        }
        pool.unhealthy(cs, client, failed + " failed pings: " + why);
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
