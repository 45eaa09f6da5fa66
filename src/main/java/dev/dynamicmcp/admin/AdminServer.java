package dev.dynamicmcp.admin;

import dev.dynamicmcp.manager.BreakerState;
import dev.dynamicmcp.manager.ServerState;
import dev.dynamicmcp.manager.ServerStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * One server as the admin API shows it.
 *
 * @param transport   {@code stdio}, {@code http}, {@code sse}…
 * @param revision    the MCP protocol revision the server speaks (negotiated at initialize), or null before
 * @param since       when the server entered {@code state}
 * @param lastError   the last failure in full (the operator's view: not shortened, not hidden), or null
 * @param breaker     the circuit breaker's state, or null when the server has none
 * @param connectTime how long the last successful connect took, or null
 * @param reconnects  successful connects after the first
 * @param toolCount   tools seen at the last discovery, or -1 when not known
 * @param inFlight    upstream requests running now
 */
public record AdminServer(String name, String transport, String revision, ServerState state, Instant since,
                          String lastError, BreakerState breaker, Duration connectTime, long reconnects,
                          int toolCount, int inFlight) {

    public AdminServer {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(state, "state");
    }

    /** The manager's snapshot plus the revision the server speaks. */
    public static AdminServer of(ServerStatus status, String revision) {
        return new AdminServer(status.name(), status.transport(), revision, status.state(), status.since(),
                status.lastError(), status.breaker(), status.connectTime(), status.reconnects(),
                status.toolCount(), status.inFlight());
    }

    /**
     * The word people read next to the colour: {@code ready}, {@code connecting}, {@code down} (unhealthy,
     * waiting to reconnect, or closed), {@code disabled} or {@code idle} (configured, not connected yet).
     */
    public String status() {
        return statusOf(state);
    }

    static String statusOf(ServerState state) {
        return switch (state) {
            case READY -> "ready";
            case CONNECTING -> "connecting";
            case UNHEALTHY, BACKOFF, CLOSED -> "down";
            case DISABLED -> "disabled";
            case NEW -> "idle";
        };
    }
}
