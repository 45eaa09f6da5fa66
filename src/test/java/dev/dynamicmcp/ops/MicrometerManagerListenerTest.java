package dev.dynamicmcp.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dynamicmcp.manager.BreakerState;
import dev.dynamicmcp.manager.CallOutcome;
import dev.dynamicmcp.manager.ServerState;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
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

    /** The call timer is found per call, not rebuilt: a server removed and added again must count in the registry. */
    @Test
    void aServerAddedAgainAfterItsRemovalCountsItsCallsInTheRegistryAgain() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MicrometerManagerListener listener = new MicrometerManagerListener(registry);
        listener.callCompleted("a", "tools/call", 1_000, CallOutcome.SUCCESS);
        listener.callCompleted("a", "tools/call", 1_000, CallOutcome.ERROR_ANSWER);
        listener.serverRemoved("a");

        listener.callCompleted("a", "tools/call", 1_000, CallOutcome.SUCCESS);
        listener.callCompleted("a", "tools/call", 1_000, CallOutcome.SUCCESS);

        assertThat(registry.get("mcp.upstream.calls").tags("server", "a", "outcome", "SUCCESS").timer().count())
                .as("the new timer, registered, not the removed one").isEqualTo(2);
        assertThat(registry.find("mcp.upstream.calls").tags("server", "a", "outcome", "ERROR_ANSWER").timer()).isNull();
        listener.serverRemoved("a");
        assertThat(registry.getMeters()).isEmpty();
    }

    /** Issue 9 item 13: latency histograms (percentiles in Prometheus) and a # HELP line for every mcp_ family. */
    @Test
    void thePrometheusScrapeHasBucketsForLatenciesAndHelpForEveryFamily() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        MicrometerManagerListener listener = new MicrometerManagerListener(registry);
        listener.stateChanged("a", ServerState.NEW, ServerState.READY, "connected");
        listener.connected("a", Duration.ofMillis(40));
        listener.connectFailed("a", Duration.ofMillis(5), new java.io.IOException("refused"));
        listener.callCompleted("a", "tools/call", TimeUnit.MILLISECONDS.toNanos(12), CallOutcome.SUCCESS);
        listener.breakerStateChanged("a", BreakerState.CLOSED, BreakerState.OPEN);
        listener.reconnectScheduled("a", Duration.ofMillis(500), 1);
        String scrape = registry.scrape();

        assertThat(scrape).contains("mcp_upstream_calls_seconds_bucket{")
                .contains("mcp_upstream_connects_seconds_bucket{");
        assertThat(scrape).containsPattern("mcp_upstream_calls_seconds_bucket\\{[^}]*le=\"\\+Inf\"[^}]*} 1");
        Set<String> families = Arrays.stream(scrape.split("\n")).filter(line -> line.startsWith("# TYPE mcp_"))
                .map(line -> line.split(" ")[2]).collect(Collectors.toSet());
        assertThat(families).contains("mcp_upstream_state", "mcp_upstream_calls_seconds", "mcp_upstream_connects_seconds",
                "mcp_upstream_breaker_open", "mcp_upstream_breaker_transitions_total",
                "mcp_upstream_reconnects_scheduled_total");
        for (String family : families) {
            assertThat(scrape).as("# HELP of " + family).containsPattern("(?m)^# HELP " + family + " \\S");
        }
        registry.close();
    }
}
