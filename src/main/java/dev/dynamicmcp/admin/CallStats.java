package dev.dynamicmcp.admin;

import dev.dynamicmcp.manager.CallOutcome;
import dev.dynamicmcp.manager.ManagerListener;
import dev.dynamicmcp.runtime.Scheduler;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Calls, errors and latency percentiles of each server over a recent window (five minutes by default), for
 * the admin API and the console. Counts are kept in ten-second buckets, so the window slides in ten-second
 * steps; latencies are the most recent {@code samples} answered calls inside the window (percentiles of the
 * newest calls, which is what an operator looking at the page wants).
 *
 * <p>What counts: every finished call is a call; an error is any outcome but {@code SUCCESS} and
 * {@code CANCELLED} (an error answer, a timeout, a lost connection, a refusal); latency is measured over the
 * calls that reached the server and ended (success, error answer, timeout), not over refusals that took no
 * time. Time comes from the injected {@link Scheduler}.
 */
public final class CallStats implements ManagerListener {
    public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(5);
    static final int DEFAULT_SAMPLES = 1024;
    private static final int BUCKETS = 30;

    /** One server's figures over the window; percentiles are null when no call was measured. */
    public record Window(Duration window, long calls, long errors, Duration p50, Duration p99) {
    }

    private final Scheduler scheduler;
    private final Duration window;
    private final long windowNanos;
    private final long bucketNanos;
    private final int samples;
    private final Map<String, Series> series = new ConcurrentHashMap<>();

    public CallStats(Scheduler scheduler) {
        this(scheduler, DEFAULT_WINDOW, DEFAULT_SAMPLES);
    }

    CallStats(Scheduler scheduler, Duration window, int samples) {
        if (window.toNanos() < BUCKETS || samples < 1) {
            throw new IllegalArgumentException("window " + window + " / samples " + samples + " too small");
        }
        this.scheduler = scheduler;
        this.window = window;
        this.windowNanos = window.toNanos();
        this.bucketNanos = windowNanos / BUCKETS;
        this.samples = samples;
    }

    @Override
    public void callCompleted(String server, String method, long nanos, CallOutcome outcome) {
        series.computeIfAbsent(server, name -> new Series()).record(scheduler.nanoTime(), nanos, outcome);
    }

    @Override
    public void serverRemoved(String server) {
        series.remove(server);
    }

    /** The server's figures now (all zero for a server never called). */
    public Window window(String server) {
        Series of = series.get(server);
        return of == null ? new Window(window, 0, 0, null, null) : of.snapshot(scheduler.nanoTime());
    }

    /** One server's buckets and samples. Guarded by {@code lock}; nothing under it blocks or calls out. */
    private final class Series {
        private final ReentrantLock lock = new ReentrantLock();
        private final long[] bucketIndex = new long[BUCKETS];
        private final long[] bucketCalls = new long[BUCKETS];
        private final long[] bucketErrors = new long[BUCKETS];
        private final long[] sampleAt = new long[samples];
        private final long[] sampleNanos = new long[samples];
        private int nextSample;
        private int sampleCount;

        Series() {
            Arrays.fill(bucketIndex, Long.MIN_VALUE);
        }

        void record(long now, long nanos, CallOutcome outcome) {
            long index = Math.floorDiv(now, bucketNanos);
            int slot = (int) Math.floorMod(index, (long) BUCKETS);
            boolean error = outcome != CallOutcome.SUCCESS && outcome != CallOutcome.CANCELLED;
            boolean measured = outcome == CallOutcome.SUCCESS || outcome == CallOutcome.ERROR_ANSWER
                    || outcome == CallOutcome.TIMEOUT;
            lock.lock();
            try {
                if (bucketIndex[slot] != index) {
                    bucketIndex[slot] = index;
                    bucketCalls[slot] = 0;
                    bucketErrors[slot] = 0;
                }
                bucketCalls[slot]++;
                if (error) {
                    bucketErrors[slot]++;
                }
                if (measured) {
                    sampleAt[nextSample] = now;
                    sampleNanos[nextSample] = nanos;
                    nextSample = (nextSample + 1) % samples;
                    sampleCount = Math.min(sampleCount + 1, samples);
                }
            } finally {
                lock.unlock();
            }
        }

        Window snapshot(long now) {
            long current = Math.floorDiv(now, bucketNanos);
            long calls = 0;
            long errors = 0;
            long[] latencies;
            int n = 0;
            lock.lock();
            try {
                for (int slot = 0; slot < BUCKETS; slot++) {
                    if (bucketIndex[slot] > current - BUCKETS && bucketIndex[slot] <= current) {
                        calls += bucketCalls[slot];
                        errors += bucketErrors[slot];
                    }
                }
                latencies = new long[sampleCount];
                for (int i = 0; i < sampleCount; i++) {
                    if (now - sampleAt[i] < windowNanos) {
                        latencies[n++] = sampleNanos[i];
                    }
                }
            } finally {
                lock.unlock();
            }
            if (n == 0) {
                return new Window(window, calls, errors, null, null);
            }
            Arrays.sort(latencies, 0, n);
            return new Window(window, calls, errors, Duration.ofNanos(rank(latencies, n, 0.50)),
                    Duration.ofNanos(rank(latencies, n, 0.99)));
        }
    }

    /** Nearest-rank percentile of the first {@code n} sorted values. */
    private static long rank(long[] sorted, int n, double quantile) {
        int index = (int) Math.ceil(quantile * n) - 1;
        return sorted[Math.max(0, Math.min(n - 1, index))];
    }
}
