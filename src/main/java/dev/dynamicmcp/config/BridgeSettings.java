package dev.dynamicmcp.config;

import java.time.Duration;

/**
 * The {@code proxy.bridge} section: the bounds of the MCP revision bridge, for calls that need the client's
 * input (a server's elicitation, sampling or roots request, or its {@code input_required} answer). The proxy's
 * own {@code proxy.bridge.BridgeLimits} adds what stays internal (how long a round gathers requests).
 *
 * @param inputTimeout how long a call waits for the client's input each round: a 2026-07-28 client's retry with
 *                     its {@code inputResponses}, or a 2025 client's answers to the server's requests; then the
 *                     call is ended and cancelled upstream
 * @param maxRounds    how many rounds of client input one call may need
 * @param maxParked    how many calls may wait for client input at once, over all clients
 */
public record BridgeSettings(Duration inputTimeout, int maxRounds, int maxParked) {

    /** 120 s to answer (within the 10 minutes a 2025-era client gives a request), 16 rounds, 1024 waiting calls. */
    public static final BridgeSettings DEFAULTS = new BridgeSettings(Duration.ofSeconds(120), 16, 1024);

    public BridgeSettings {
        if (maxRounds < 1 || maxParked < 1) {
            throw new IllegalArgumentException("maxRounds and maxParked must be at least 1: " + this);
        }
        if (inputTimeout == null || inputTimeout.isNegative() || inputTimeout.isZero()) {
            throw new IllegalArgumentException("inputTimeout must be positive, got " + inputTimeout);
        }
    }

    public BridgeSettings withInputTimeout(Duration value) {
        return new BridgeSettings(value, maxRounds, maxParked);
    }

    public BridgeSettings withMaxRounds(int value) {
        return new BridgeSettings(inputTimeout, value, maxParked);
    }

    public BridgeSettings withMaxParked(int value) {
        return new BridgeSettings(inputTimeout, maxRounds, value);
    }
}
