package dev.dynamicmcp.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dynamicmcp.manager.CallOutcome;
import dev.dynamicmcp.testsupport.FakeScheduler;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CallStatsTest {
    private final FakeScheduler clock = new FakeScheduler();
    private final CallStats stats = new CallStats(clock);

    private void call(String server, long millis, CallOutcome outcome) {
        stats.callCompleted(server, "tools/call", Duration.ofMillis(millis).toNanos(), outcome);
    }

    @Test
    void percentilesAreNearestRankOverTheMeasuredCalls() {
        for (int i = 1; i <= 100; i++) {
            call("a", i, CallOutcome.SUCCESS);
        }
        CallStats.Window window = stats.window("a");
        assertThat(window.calls()).isEqualTo(100);
        assertThat(window.errors()).isZero();
        assertThat(window.p50()).isEqualTo(Duration.ofMillis(50));
        assertThat(window.p99()).isEqualTo(Duration.ofMillis(99));
        assertThat(stats.window("other")).isEqualTo(new CallStats.Window(CallStats.DEFAULT_WINDOW, 0, 0, null, null));
    }

    @Test
    void errorsCountEveryFailureButCancellationAndRefusalsAreNotMeasured() {
        call("a", 10, CallOutcome.SUCCESS);
        call("a", 20, CallOutcome.ERROR_ANSWER);
        call("a", 5000, CallOutcome.TIMEOUT);
        call("a", 0, CallOutcome.REJECTED);
        call("a", 1, CallOutcome.CONNECTION_FAILED);
        call("a", 3, CallOutcome.CANCELLED);
        CallStats.Window window = stats.window("a");
        assertThat(window.calls()).isEqualTo(6);
        assertThat(window.errors()).isEqualTo(4);
        assertThat(window.p50()).isEqualTo(Duration.ofMillis(20));
        assertThat(window.p99()).isEqualTo(Duration.ofMillis(5000));
    }

    @Test
    void oldCallsLeaveTheWindow() {
        call("a", 100, CallOutcome.TIMEOUT);
        clock.advance(Duration.ofMinutes(3));
        call("a", 10, CallOutcome.SUCCESS);
        assertThat(stats.window("a").calls()).isEqualTo(2);

        clock.advance(Duration.ofMinutes(2).plusSeconds(10));
        CallStats.Window window = stats.window("a");
        assertThat(window.calls()).isEqualTo(1);
        assertThat(window.errors()).isZero();
        assertThat(window.p99()).isEqualTo(Duration.ofMillis(10));

        clock.advance(Duration.ofMinutes(4));
        assertThat(stats.window("a").calls()).isZero();
        assertThat(stats.window("a").p50()).isNull();
    }

    @Test
    void latencyIsOverTheMostRecentSamplesOnly() {
        CallStats small = new CallStats(clock, Duration.ofMinutes(5), 10);
        for (int i = 0; i < 10; i++) {
            small.callCompleted("a", "m", Duration.ofSeconds(9).toNanos(), CallOutcome.SUCCESS);
        }
        for (int i = 0; i < 10; i++) {
            small.callCompleted("a", "m", Duration.ofMillis(1).toNanos(), CallOutcome.SUCCESS);
        }
        assertThat(small.window("a").calls()).isEqualTo(20);
        assertThat(small.window("a").p99()).isEqualTo(Duration.ofMillis(1));
    }

    @Test
    void aRemovedServerStartsAfresh() {
        call("a", 10, CallOutcome.SUCCESS);
        stats.serverRemoved("a");
        assertThat(stats.window("a").calls()).isZero();
    }
}
