package dev.dynamicmcp.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class GetStreamTest {

    @Test
    void aCleanEndWaitsTheServersRetryAndFailuresBackOffWithJitterUpToTheCap() {
        assertThat(GetStream.reconnectDelay(-1, 0, 0.9)).isEqualTo(Duration.ofSeconds(1));
        assertThat(GetStream.reconnectDelay(250, 0, 0.9)).isEqualTo(Duration.ofMillis(250));
        assertThat(GetStream.reconnectDelay(250, 1, 0.5)).isEqualTo(Duration.ofMillis(250));
        assertThat(GetStream.reconnectDelay(250, 3, 0.5)).isEqualTo(Duration.ofMillis(1000));
        // ±10 % jitter from the scheduler's random number
        assertThat(GetStream.reconnectDelay(250, 3, 0.0)).isEqualTo(Duration.ofMillis(900));
        assertThat(GetStream.reconnectDelay(250, 3, 1.0)).isEqualTo(Duration.ofMillis(1100));
        assertThat(GetStream.reconnectDelay(-1, 40, 1.0)).as("capped").isEqualTo(Duration.ofSeconds(30));
        assertThat(GetStream.reconnectDelay(600_000, 0, 0.5)).as("the server's retry is capped too")
                .isEqualTo(Duration.ofSeconds(30));
    }
}
