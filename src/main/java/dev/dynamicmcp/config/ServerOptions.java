package dev.dynamicmcp.config;

import java.time.Duration;

/**
 * Connection-management options of one server. The {@code proxy.defaults} section gives proxy-wide
 * values; a server's own keys override them one by one.
 *
 * @param connectTimeout      how long connecting plus the initialize handshake may take
 * @param requestTimeout      how long one upstream request may take before it is cancelled upstream
 * @param healthCheckInterval time between MCP pings (jittered); zero turns health checks off
 * @param unhealthyAfter      consecutive failed pings before the server is marked UNHEALTHY
 * @param backoffInitial      first reconnect delay
 * @param backoffMax          cap of the exponentially growing reconnect delay
 * @param backoffJitter       fraction (0..1) of random spread applied to each delay
 * @param breakerFailureThreshold consecutive failed calls that open the circuit breaker
 * @param breakerOpenDuration how long the breaker stays open before it lets one probe through
 * @param retries             extra attempts for idempotent requests (never for tools/call)
 * @param lazy                connect on first use instead of at start
 * @param inheritEnv          stdio only: the child gets the proxy's whole environment instead of the small
 *                            default set (HOME, PATH, ...) plus its {@code env}
 */
public record ServerOptions(
        Duration connectTimeout,
        Duration requestTimeout,
        Duration healthCheckInterval,
        int unhealthyAfter,
        Duration backoffInitial,
        Duration backoffMax,
        double backoffJitter,
        int breakerFailureThreshold,
        Duration breakerOpenDuration,
        int retries,
        boolean lazy,
        boolean inheritEnv) {

    public static final ServerOptions DEFAULTS = new ServerOptions(
            Duration.ofSeconds(30),
            Duration.ofSeconds(60),
            Duration.ofSeconds(30),
            3,
            Duration.ofMillis(500),
            Duration.ofSeconds(30),
            0.2,
            5,
            Duration.ofSeconds(30),
            2,
            false,
            false);

    /** Without {@code inheritEnv} (off): the form written before the option existed. */
    public ServerOptions(Duration connectTimeout, Duration requestTimeout, Duration healthCheckInterval,
                         int unhealthyAfter, Duration backoffInitial, Duration backoffMax, double backoffJitter,
                         int breakerFailureThreshold, Duration breakerOpenDuration, int retries, boolean lazy) {
        this(connectTimeout, requestTimeout, healthCheckInterval, unhealthyAfter, backoffInitial, backoffMax,
                backoffJitter, breakerFailureThreshold, breakerOpenDuration, retries, lazy, false);
    }
}
