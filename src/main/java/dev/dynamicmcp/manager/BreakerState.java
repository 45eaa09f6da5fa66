package dev.dynamicmcp.manager;

/** State of a server's circuit breaker. */
public enum BreakerState {
    /** Calls flow; consecutive failures are counted. */
    CLOSED,
    /** Calls fail fast until the open duration has passed. */
    OPEN,
    /** One probe call is let through: success closes the breaker, failure opens it again. */
    HALF_OPEN
}
