package dev.dynamicmcp.manager;

/**
 * Lifecycle of one upstream server's connection.
 *
 * <pre>
 *   NEW ──connect──▶ CONNECTING ──ok──▶ READY ──N failed pings──▶ UNHEALTHY ──▶ BACKOFF
 *                       ▲   │                │ connection closed                  │
 *                       │   └──failed──▶ BACKOFF ◀────────────(or CONNECTING at once)
 *                       └────────────delay elapsed──────────────────────────────┘
 *   any ──remove/replace/shutdown──▶ CLOSED (terminal)
 *   DISABLED: configured {@code disabled}; never connects, never leaves except by remove
 * </pre>
 */
public enum ServerState {
    /** Configured, not connected yet (a lazy server stays here until first use). */
    NEW,
    /** Transport starting and initialize handshake running. */
    CONNECTING,
    /** Initialized and answering: calls are routed to it. */
    READY,
    /** {@code unhealthyAfter} consecutive pings failed; the connection is being dropped and rebuilt. */
    UNHEALTHY,
    /** Waiting for the next reconnect attempt (exponential backoff with jitter). */
    BACKOFF,
    /** Removed, replaced or shut down. Terminal: nothing leaves CLOSED. */
    CLOSED,
    /** Configured with {@code disabled: true}; never connected. */
    DISABLED;

    /** True when a call may be routed to the server right now. */
    public boolean accepting() {
        return this == READY;
    }
}
