package dev.dynamicmcp.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dynamicmcp.manager.BreakerState;
import dev.dynamicmcp.manager.CallOutcome;
import dev.dynamicmcp.manager.ServerState;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MicrometerManagerListenerTest {
    @Test
    void publishesStateCallsBreakerAndRemovesAServersMeters() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MicrometerManagerListener listener = new MicrometerManagerListener(registry);
        listener.stateChanged("a", ServerState.NEW, ServerState.CONNECTING, "initialize");
        listener.stateChanged("a", ServerState.CONNECTING, ServerState.READY, "connected");
        listener.callCompleted("a", "tools/call", TimeUnit.MILLISECONDS.toNanos(12), CallOutcome.SUCCESS);
        listener.callCompleted("a", "tools/call", TimeUnit.MILLISECONDS.toNanos(8), CallOutcome.SUCCESS);
        listener.breakerStateChanged("a", BreakerState.CLOSED, BreakerState.OPEN);
        listener.reconnectScheduled("a", Duration.ofMillis(500), 1);

        assertThat(registry.get("mcp.upstream.state").tags("server", "a", "state", "READY").gauge().value()).isEqualTo(1);
        assertThat(registry.get("mcp.upstream.state").tags("server", "a", "state", "CONNECTING").gauge().value()).isZero();
        assertThat(registry.get("mcp.upstream.calls").tags("server", "a", "method", "tools/call", "outcome", "SUCCESS")
                .timer().count()).isEqualTo(2);
        assertThat(registry.get("mcp.upstream.breaker.open").tag("server", "a").gauge().value()).isEqualTo(1);
        assertThat(registry.get("mcp.upstream.breaker.transitions").tags("server", "a", "to", "OPEN").counter().count()).isEqualTo(1);
        assertThat(registry.get("mcp.upstream.reconnects.scheduled").tag("server", "a").counter().count()).isEqualTo(1);

        listener.serverRemoved("a");
        assertThat(registry.getMeters()).noneMatch(m -> "a".equals(m.getId().getTag("server")));
    }
}
