package dev.dynamicmcp.manager;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dynamicmcp.testsupport.FakeScheduler;
import dev.dynamicmcp.testsupport.TestOptions;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The three-state breaker on a fake clock: no sleeping, exact open durations. */
class BreakerTest {
    final FakeScheduler clock = new FakeScheduler();
    final RecordingListener recorder = new RecordingListener();
    final Breaker breaker = new Breaker("a", TestOptions.fast().breaker(3, Duration.ofMillis(300)).build(),
            clock::nanoTime, recorder);

    @Test
    void opensAfterTheThresholdInARowAndASuccessResetsTheCount() {
        breaker.failure();
        breaker.failure();
        breaker.success();
        breaker.failure();
        breaker.failure();
        assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
        breaker.failure();
        assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);
        assertThat(breaker.tryAcquire()).isFalse();
        assertThat(recorder.breaker).containsExactly("a: CLOSED -> OPEN");
    }

    @Test
    void staysOpenForTheOpenDurationThenLetsOneProbeThrough() {
        open();
        clock.advance(Duration.ofMillis(299));
        assertThat(breaker.remainingDelay()).isEqualTo(Duration.ofMillis(1));
        assertThat(breaker.tryAcquire()).as("no probe at 299 ms").isFalse();
        clock.advance(Duration.ofMillis(1));
        assertThat(breaker.remainingDelay()).isZero();
        assertThat(breaker.tryAcquire()).as("the probe at 300 ms").isTrue();
        assertThat(breaker.state()).isEqualTo(BreakerState.HALF_OPEN);
        assertThat(breaker.tryAcquire()).as("only one probe").isFalse();
        breaker.success();
        assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
        assertThat(breaker.tryAcquire()).isTrue();
        assertThat(recorder.breaker).containsExactly("a: CLOSED -> OPEN", "a: OPEN -> HALF_OPEN", "a: HALF_OPEN -> CLOSED");
    }

    @Test
    void aFailedProbeOpensAgainForAFullDuration() {
        open();
        clock.advance(Duration.ofMillis(300));
        assertThat(breaker.tryAcquire()).isTrue();
        breaker.failure();
        assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);
        assertThat(breaker.remainingDelay()).isEqualTo(Duration.ofMillis(300));
    }

    @Test
    void anInconclusiveProbeReopensAHalfOpenBreakerButLeavesAClosedOneAlone() {
        breaker.inconclusive();
        assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
        open();
        clock.advance(Duration.ofMillis(300));
        assertThat(breaker.tryAcquire()).isTrue();
        breaker.inconclusive();
        assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);
        clock.advance(Duration.ofMillis(300));
        assertThat(breaker.tryAcquire()).as("a new probe after the delay").isTrue();
    }

    private void open() {
        for (int i = 0; i < 3; i++) {
            breaker.failure();
        }
        assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);
    }
}
