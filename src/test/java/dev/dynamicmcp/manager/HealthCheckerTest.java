package dev.dynamicmcp.manager;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class HealthCheckerTest {
    @Test
    void healthCheckDelayIsTheIntervalSpreadByTenPercentAndZeroWhenOff() {
        Duration interval = Duration.ofSeconds(30);
        assertThat(HealthChecker.nextDelayNanos(interval, 0.0)).isEqualTo(TimeUnit.SECONDS.toNanos(27));
        assertThat(HealthChecker.nextDelayNanos(interval, 0.5)).isEqualTo(TimeUnit.SECONDS.toNanos(30));
        assertThat(HealthChecker.nextDelayNanos(interval, 0.999_999)).isBetween(TimeUnit.SECONDS.toNanos(32),
                TimeUnit.SECONDS.toNanos(33));
        assertThat(HealthChecker.nextDelayNanos(Duration.ZERO, 0.7)).isZero();
    }
}
