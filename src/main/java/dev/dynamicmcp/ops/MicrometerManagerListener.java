package dev.dynamicmcp.ops;

import dev.dynamicmcp.manager.BreakerState;
import dev.dynamicmcp.manager.CallOutcome;
import dev.dynamicmcp.manager.ManagerListener;
import dev.dynamicmcp.manager.ServerState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Publishes the connection manager's events as Micrometer meters:
 * <ul>
 *   <li>{@code mcp.upstream.state{server,state}}: 1 for the server's current state, 0 for the others</li>
 *   <li>{@code mcp.upstream.breaker.open{server}}: 1 while the breaker is open or half-open</li>
 *   <li>{@code mcp.upstream.calls{server,method,outcome}}: timer per upstream request</li>
 *   <li>{@code mcp.upstream.connects{server,result}}: timer of connect attempts (success / failure)</li>
 *   <li>{@code mcp.upstream.reconnects.scheduled{server}}, {@code mcp.upstream.breaker.transitions{server,to}}</li>
 * </ul>
 * Timers publish histogram buckets (percentiles computable in Prometheus); every meter has a description
 * ({@code # HELP}). Meters of a removed server are removed with it.
 */
public final class MicrometerManagerListener implements ManagerListener {
    private final MeterRegistry registry;
    private final Map<String, AtomicReference<ServerState>> states = new ConcurrentHashMap<>();
    private final Map<String, AtomicReference<BreakerState>> breakers = new ConcurrentHashMap<>();
    private final Map<String, Set<Meter>> meters = new ConcurrentHashMap<>();
    /** The call timers, found per call without building (and registering) the timer again. */
    private final Map<CallKey, Timer> calls = new ConcurrentHashMap<>();

    private record CallKey(String server, String method, CallOutcome outcome) {
    }

    public MicrometerManagerListener(MeterRegistry registry) {
        this.registry = registry;
    }

    private AtomicReference<ServerState> state(String server) {
        return states.computeIfAbsent(server, s -> {
            AtomicReference<ServerState> current = new AtomicReference<>(ServerState.NEW);
            for (ServerState each : ServerState.values()) {
                track(s, Gauge.builder("mcp.upstream.state", current, ref -> ref.get() == each ? 1 : 0)
                        .tag("server", s).tag("state", each.name()).description("1 for the server's current state")
                        .register(registry));
            }
            return current;
        });
    }

    /** Remembers the meter for removal with its server; registering returns the same instance each time. */
    private <M extends Meter> M track(String server, M meter) {
        meters.computeIfAbsent(server, s -> ConcurrentHashMap.newKeySet()).add(meter);
        return meter;
    }

    @Override
    public void stateChanged(String server, ServerState from, ServerState to, String reason) {
        state(server).set(to);
    }

    @Override
    public void connected(String server, Duration took) {
        track(server, timer("mcp.upstream.connects", server, "result", "success")).record(took);
    }

    @Override
    public void connectFailed(String server, Duration took, Throwable error) {
        track(server, timer("mcp.upstream.connects", server, "result", "failure")).record(took);
    }

    @Override
    public void callCompleted(String server, String method, long nanos, CallOutcome outcome) {
        Timer timer = calls.computeIfAbsent(new CallKey(server, method, outcome), key -> track(server,
                Timer.builder("mcp.upstream.calls").tag("server", server).tag("method", method)
                        .tag("outcome", outcome.name()).description("upstream requests by server, method and outcome")
                        .publishPercentileHistogram().register(registry)));
        timer.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void breakerStateChanged(String server, BreakerState from, BreakerState to) {
        breakers.computeIfAbsent(server, s -> {
            AtomicReference<BreakerState> current = new AtomicReference<>(BreakerState.CLOSED);
            track(s, Gauge.builder("mcp.upstream.breaker.open", current, ref -> ref.get() == BreakerState.CLOSED ? 0 : 1)
                    .tag("server", s).description("1 while the server's circuit breaker is open or half-open")
                    .register(registry));
            return current;
        }).set(to);
        Counter counter = Counter.builder("mcp.upstream.breaker.transitions").tag("server", server).tag("to", to.name())
                .description("circuit breaker state changes by server and new state").register(registry);
        track(server, counter);
        counter.increment();
    }

    @Override
    public void reconnectScheduled(String server, Duration delay, int attempt) {
        Counter counter = Counter.builder("mcp.upstream.reconnects.scheduled").tag("server", server)
                .description("reconnects scheduled after a lost connection or a failed connect").register(registry);
        track(server, counter);
        counter.increment();
    }

    @Override
    public void serverRemoved(String server) {
        states.remove(server);
        breakers.remove(server);
        Set<Meter> removed = meters.remove(server);
        if (removed != null) {
            removed.forEach(registry::remove);
        }
        // after the meters: a timer found meanwhile is dropped here, and the next call registers a new one
        calls.keySet().removeIf(key -> key.server().equals(server));
    }

    private Timer timer(String name, String server, String tag, String value) {
        return Timer.builder(name).tag("server", server).tag(tag, value)
                .description("connect attempts (transport start and initialize) by server and result")
                .publishPercentileHistogram().register(registry);
    }
}
