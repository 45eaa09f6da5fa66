package dev.dynamicmcp.proxy.bridge;

import dev.dynamicmcp.config.BridgeSettings;
import java.time.Duration;

/**
 * The bounds of the bridge: the configured ones ({@code proxy.bridge}, {@link BridgeSettings}) and the gather
 * window, which stays internal.
 *
 * @param inputTimeout how long a parked call waits for the client's retry after each {@code input_required}
 *                     answer; then the server's requests are answered with an error and the call is cancelled
 * @param maxRounds    how many {@code input_required} answers one call may need
 * @param maxParked    how many calls may wait for client input at once, over all clients
 * @param gatherWindow how long the first server request of a round waits for others to join it (a server
 *                     that asks for several things at once gets them in one {@code input_required})
 */
public record BridgeLimits(Duration inputTimeout, int maxRounds, int maxParked, Duration gatherWindow) {
    /** Gathering longer would delay every round; 20 ms catches requests a server sends together. */
    private static final Duration GATHER_WINDOW = Duration.ofMillis(20);

    /** {@link BridgeSettings#DEFAULTS} (120 s, 16 rounds, 1024 parked calls) and a 20 ms gather window. */
    public static final BridgeLimits DEFAULTS = from(BridgeSettings.DEFAULTS);

    /** The configured bounds with the internal gather window. */
    public static BridgeLimits from(BridgeSettings settings) {
        return new BridgeLimits(settings.inputTimeout(), settings.maxRounds(), settings.maxParked(), GATHER_WINDOW);
    }
}
