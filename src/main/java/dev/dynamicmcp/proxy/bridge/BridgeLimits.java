package dev.dynamicmcp.proxy.bridge;

import java.time.Duration;

/**
 * The bounds of the bridge.
 *
 * @param inputTimeout how long a parked call waits for the client's retry after each {@code input_required}
 *                     answer; then the server's requests are answered with an error and the call is cancelled
 * @param maxRounds    how many {@code input_required} answers one call may need
 * @param maxParked    how many calls may wait for client input at once, over all clients
 * @param gatherWindow how long the first server request of a round waits for others to join it (a server
 *                     that asks for several things at once gets them in one {@code input_required})
 */
public record BridgeLimits(Duration inputTimeout, int maxRounds, int maxParked, Duration gatherWindow) {
    /** 120 s to answer (within the 10 minutes a 2025-era client gets), 16 rounds, 1024 parked calls, 20 ms. */
    public static final BridgeLimits DEFAULTS = new BridgeLimits(Duration.ofSeconds(120), 16, 1024,
            Duration.ofMillis(20));
}
