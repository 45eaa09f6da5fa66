package dev.dynamicmcp.manager;

import dev.dynamicmcp.config.ServerOptions;
import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection's circuit breaker, three states on an injected monotonic clock (Failsafe's ClosedState /
 * OpenState / HalfOpenState are the model; Failsafe itself reads {@code System.nanoTime()} and cannot be
 * driven by a test clock):
 * <ul>
 *   <li>CLOSED counts failed calls in a row; {@code failureThreshold} of them open it, a success resets the count.</li>
 *   <li>OPEN refuses every permit until {@code openDuration} has passed. There is no timer: the elapsed time is
 *       checked when a permit is asked for, and then the breaker moves to HALF_OPEN.</li>
 *   <li>HALF_OPEN grants one permit (the probe): its success closes the breaker, its failure opens it again.</li>
 * </ul>
 * Transitions are decided under a private lock; the listener hears them after the lock is released.
 */
final class Breaker {
    private static final Logger log = LoggerFactory.getLogger(Breaker.class);

    private record Change(BreakerState from, BreakerState to) {
    }

    private final String server;
    private final int failureThreshold;
    private final long openNanos;
    private final LongSupplier nanoTime;
    private final ManagerListener listener;
    private final ReentrantLock lock = new ReentrantLock();

    // Guarded by lock.
    private BreakerState state = BreakerState.CLOSED;
    private int failures;
    private long openedAt;
    private boolean probeOut;

    Breaker(String server, ServerOptions options, LongSupplier nanoTime, ManagerListener listener) {
        this.server = server;
        this.failureThreshold = Math.max(1, options.breakerFailureThreshold());
        this.openNanos = Math.max(0, options.breakerOpenDuration().toNanos());
        this.nanoTime = nanoTime;
        this.listener = listener;
    }

    /** True when a call may go out now; in HALF_OPEN only the one probe gets a permit. */
    boolean tryAcquire() {
        Change change = null;
        boolean permitted;
        lock.lock();
        try {
            if (state == BreakerState.OPEN && nanoTime.getAsLong() - openedAt >= openNanos) {
                change = moveLocked(BreakerState.HALF_OPEN);
            }
            permitted = switch (state) {
                case CLOSED -> true;
                case OPEN -> false;
                case HALF_OPEN -> {
                    boolean first = !probeOut;
                    probeOut = true;
                    yield first;
                }
            };
        } finally {
            lock.unlock();
        }
        report(change);
        return permitted;
    }

    void success() {
        Change change = null;
        lock.lock();
        try {
            failures = 0;
            if (state == BreakerState.HALF_OPEN) {
                change = moveLocked(BreakerState.CLOSED);
            }
        } finally {
            lock.unlock();
        }
        report(change);
    }

    void failure() {
        Change change = null;
        lock.lock();
        try {
            failures++;
            if (state == BreakerState.HALF_OPEN || (state == BreakerState.CLOSED && failures >= failureThreshold)) {
                change = moveLocked(BreakerState.OPEN);
            }
        } finally {
            lock.unlock();
        }
        report(change);
    }

    /**
     * A call that took a permit ended without telling whether the server works (cancelled by its caller). A
     * half-open breaker would otherwise wait for the lost probe forever: it opens again instead, and probes
     * anew after its delay.
     */
    void inconclusive() {
        Change change = null;
        lock.lock();
        try {
            if (state == BreakerState.HALF_OPEN) {
                change = moveLocked(BreakerState.OPEN);
            }
        } finally {
            lock.unlock();
        }
        report(change);
    }

    BreakerState state() {
        lock.lock();
        try {
            return state;
        } finally {
            lock.unlock();
        }
    }

    /** Time until an open breaker lets a probe through; zero when not open (or when the probe is due). */
    Duration remainingDelay() {
        lock.lock();
        try {
            return state != BreakerState.OPEN ? Duration.ZERO
                    : Duration.ofNanos(Math.max(0, openedAt + openNanos - nanoTime.getAsLong()));
        } finally {
            lock.unlock();
        }
    }

    private Change moveLocked(BreakerState to) {
        Change change = new Change(state, to);
        state = to;
        probeOut = false;
        if (to == BreakerState.OPEN) {
            openedAt = nanoTime.getAsLong();
        } else if (to == BreakerState.CLOSED) {
            failures = 0;
        }
        return change;
    }

    private void report(Change change) {
        if (change == null) {
            return;
        }
        log.info("server \"{}\": circuit breaker {} -> {}", server, change.from(), change.to());
        listener.breakerStateChanged(server, change.from(), change.to());
    }
}
