package dev.dynamicmcp.manager;

import dev.failsafe.CircuitBreaker;
import dev.dynamicmcp.config.ServerOptions;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One server's circuit breaker: a Failsafe {@link CircuitBreaker} used standalone (permit, then record).
 * Failsafe moves OPEN to HALF_OPEN lazily when a permit is asked for, so there is no timer thread. We report
 * transitions by comparing the state after each operation with the last one reported, which keeps our
 * listener calls out of Failsafe's own synchronized sections and reports each change exactly once.
 */
final class Breaker {
    private static final Logger log = LoggerFactory.getLogger(Breaker.class);

    private final String server;
    private final CircuitBreaker<Object> breaker;
    private final ManagerListener listener;
    private final AtomicReference<BreakerState> reported = new AtomicReference<>(BreakerState.CLOSED);

    Breaker(String server, ServerOptions options, ManagerListener listener) {
        this.server = server;
        this.listener = listener;
        this.breaker = CircuitBreaker.builder()
                .withFailureThreshold(Math.max(1, options.breakerFailureThreshold()))
                .withSuccessThreshold(1)
                .withDelay(options.breakerOpenDuration())
                .build();
    }

    /** True when a call may go out now; in HALF_OPEN only the one probe gets a permit. */
    boolean tryAcquire() {
        boolean permitted = breaker.tryAcquirePermit();
        report();
        return permitted;
    }

    void success() {
        breaker.recordSuccess();
        report();
    }

    void failure() {
        breaker.recordFailure();
        report();
    }

    /**
     * A call that took a permit ended without telling whether the server works (cancelled by its caller).
     * Failsafe has no way to hand a permit back, so a half-open breaker would wait for the lost probe forever:
     * it opens again instead, and probes anew after its delay.
     */
    void inconclusive() {
        if (state() == BreakerState.HALF_OPEN) {
            breaker.recordFailure();
            report();
        }
    }

    BreakerState state() {
        return map(breaker.getState());
    }

    /** Time until an open breaker lets a probe through; zero when not open. */
    Duration remainingDelay() {
        return breaker.isOpen() ? breaker.getRemainingDelay() : Duration.ZERO;
    }

    private void report() {
        BreakerState now = state();
        BreakerState before = reported.getAndSet(now);
        if (before != now) {
            log.info("server \"{}\": circuit breaker {} -> {}", server, before, now);
            listener.breakerStateChanged(server, before, now);
        }
    }

    private static BreakerState map(CircuitBreaker.State state) {
        return switch (state) {
            case CLOSED -> BreakerState.CLOSED;
            case OPEN -> BreakerState.OPEN;
            case HALF_OPEN -> BreakerState.HALF_OPEN;
        };
    }
}
