package dev.dynamicmcp.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
    @Test
    void oneReadableFormatFromMillisecondsToHours() {
        assertThat(Durations.format(Duration.ofMillis(850))).isEqualTo("850 ms");
        assertThat(Durations.format(Duration.ofMillis(9_999))).isEqualTo("9999 ms");
        assertThat(Durations.format(Duration.ofMillis(12_345))).isEqualTo("12.3 s");
        assertThat(Durations.format(Duration.ofSeconds(22 * 60 + 25).plusMillis(100))).isEqualTo("22 min 25 s");
        assertThat(Durations.format(Duration.ofMinutes(127))).isEqualTo("2 h 07 min");
        assertThat(Durations.format(Duration.ofMillis(-5))).isEqualTo("0 ms");
    }
}
