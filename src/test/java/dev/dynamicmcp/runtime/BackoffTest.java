package dev.dynamicmcp.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BackoffTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @Test
    void doublesFromInitialToTheCapWithoutJitterAtTheMidpoint() {
        Backoff backoff = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30), 0.2, () -> 0.5);
        List<Long> delays = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            delays.add(backoff.nextDelayNanos() / MS);
        }
        assertThat(delays).containsExactly(500L, 1000L, 2000L, 4000L, 8000L, 16000L, 30000L, 30000L, 30000L, 30000L);
        assertThat(backoff.attempts()).isEqualTo(10);
    }

    @Test
    void jitterStaysWithinItsFractionAndNeverExceedsTheCap() {
        for (int attempt = 0; attempt < 100; attempt++) {
            long base = Math.min(30_000, 500L << Math.min(attempt, 20)) * MS;
            long low = Backoff.delayNanos(attempt, 500 * MS, 30_000 * MS, 0.2, 0.0);
            long high = Backoff.delayNanos(attempt, 500 * MS, 30_000 * MS, 0.2, 0.999_999);
            assertThat(low).isEqualTo((long) (base * 0.8));
            assertThat(high).isLessThanOrEqualTo(30_000 * MS).isGreaterThanOrEqualTo(Math.min(base, (long) (base * 1.19)));
        }
    }

    @Test
    void hugeAttemptCountsDoNotOverflow() {
        assertThat(Backoff.delayNanos(63, 500 * MS, 30_000 * MS, 0.0, 0.5)).isEqualTo(30_000 * MS);
        assertThat(Backoff.delayNanos(Integer.MAX_VALUE, 1, Long.MAX_VALUE, 0.0, 0.5)).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void resetStartsOverFromInitial() {
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), 0.0, () -> 0.5);
        backoff.nextDelayNanos();
        backoff.nextDelayNanos();
        assertThat(backoff.nextDelayNanos()).isEqualTo(400 * MS);
        backoff.reset();
        assertThat(backoff.attempts()).isZero();
        assertThat(backoff.nextDelayNanos()).isEqualTo(100 * MS);
    }
}
