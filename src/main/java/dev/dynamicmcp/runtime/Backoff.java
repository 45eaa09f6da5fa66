package dev.dynamicmcp.runtime;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Reconnect delays: {@code initial} doubling up to {@code max}, each spread by ±{@code jitter} so a fleet of
 * proxies restarted together does not reconnect in lock-step. Pure apart from the attempt counter; the
 * random source is injected so tests can pin the jitter. Not thread-safe: guarded by its
 * owner's lock.
 */
public final class Backoff {
    private final long initialNanos;
    private final long maxNanos;
    private final double jitter;
    private final DoubleSupplier random;
    private int attempts;

    public Backoff(Duration initial, Duration max, double jitter, DoubleSupplier random) {
        this.initialNanos = Math.max(1, initial.toNanos());
        this.maxNanos = Math.max(initialNanos, max.toNanos());
        this.jitter = Math.clamp(jitter, 0.0, 1.0);
        this.random = random;
    }

    /**
     * The delay before attempt {@code attempt} (0-based): {@code min(max, initial * 2^attempt)} spread by
     * {@code (2r - 1) * jitter} of itself, never above {@code max} and never negative.
     *
     * @param r a uniform random number in [0, 1)
     */
    public static long delayNanos(int attempt, long initialNanos, long maxNanos, double jitter, double r) {
        long base = attempt >= 62 || initialNanos > (maxNanos >> Math.min(attempt, 62))
                ? maxNanos : Math.min(maxNanos, initialNanos << attempt);
        long spread = (long) (base * jitter * (2 * r - 1));
        return Math.clamp(base + spread, 0, maxNanos);
    }

    /** The delay for the next attempt; counts the attempt. */
    public long nextDelayNanos() {
        long delay = delayNanos(attempts, initialNanos, maxNanos, jitter, random.getAsDouble());
        if (attempts < Integer.MAX_VALUE) {
            attempts++;
        }
        return delay;
    }

    /** Attempts since the last {@link #reset}. */
    public int attempts() {
        return attempts;
    }

    /** The server proved itself (answered a ping or a call): the next failure starts from {@code initial}. */
    public void reset() {
        attempts = 0;
    }

    /** {@code nanos} spread by ±{@code fraction}; for periodic work (health checks use 10%). */
    public static long jitter(long nanos, double fraction, double r) {
        return Math.max(0, nanos + (long) (nanos * fraction * (2 * r - 1)));
    }
}
