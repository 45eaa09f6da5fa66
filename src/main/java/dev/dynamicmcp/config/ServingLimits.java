package dev.dynamicmcp.config;

import java.time.Duration;

/**
 * The {@code proxy.limits} section: how much of the HTTP endpoint one client, and all clients together, may
 * hold, so that no client can starve the others and memory stays bounded. A client is a remote address (all
 * local clients share 127.0.0.1) or, for requests, also one MCP session.
 *
 * @param maxSessions           Streamable HTTP sessions kept at once; at the cap, a new session evicts the one
 *                              idle longest that has no open stream or request, or else is refused (503)
 * @param sessionIdleTimeout    a session with no request and no open stream for this long is closed
 * @param maxOpenStreams        long-lived streams (GET and legacy {@code /sse}) open at once, all clients (503)
 * @param maxStreamsPerClient   long-lived streams open at once from one remote address (429)
 * @param maxConcurrentRequests POSTs carrying requests that are waiting for their answers, all clients (503)
 * @param maxRequestsPerClient  such POSTs from one remote address (429)
 * @param maxRequestsPerSession such POSTs in one session (429)
 * @param maxBufferedEvents     server messages kept for replay and for clients not connected, all sessions
 *                              together; beyond it, notifications to sessions that have no stream go first
 */
public record ServingLimits(int maxSessions, Duration sessionIdleTimeout, int maxOpenStreams,
                            int maxStreamsPerClient, int maxConcurrentRequests, int maxRequestsPerClient,
                            int maxRequestsPerSession, int maxBufferedEvents) {

    public static final ServingLimits DEFAULTS = new ServingLimits(10_000, Duration.ofMinutes(30), 4096, 1024,
            2048, 512, 128, 100_000);

    public ServingLimits {
        if (maxSessions < 1 || maxOpenStreams < 1 || maxStreamsPerClient < 1 || maxConcurrentRequests < 1
                || maxRequestsPerClient < 1 || maxRequestsPerSession < 1 || maxBufferedEvents < 1) {
            throw new IllegalArgumentException("every limit must be at least 1: " + this);
        }
        if (sessionIdleTimeout == null || sessionIdleTimeout.isNegative() || sessionIdleTimeout.isZero()) {
            throw new IllegalArgumentException("sessionIdleTimeout must be positive, got " + sessionIdleTimeout);
        }
    }

    public ServingLimits withMaxSessions(int value) {
        return new ServingLimits(value, sessionIdleTimeout, maxOpenStreams, maxStreamsPerClient,
                maxConcurrentRequests, maxRequestsPerClient, maxRequestsPerSession, maxBufferedEvents);
    }

    public ServingLimits withSessionIdleTimeout(Duration value) {
        return new ServingLimits(maxSessions, value, maxOpenStreams, maxStreamsPerClient,
                maxConcurrentRequests, maxRequestsPerClient, maxRequestsPerSession, maxBufferedEvents);
    }

    public ServingLimits withStreams(int global, int perClient) {
        return new ServingLimits(maxSessions, sessionIdleTimeout, global, perClient,
                maxConcurrentRequests, maxRequestsPerClient, maxRequestsPerSession, maxBufferedEvents);
    }

    public ServingLimits withRequests(int global, int perClient, int perSession) {
        return new ServingLimits(maxSessions, sessionIdleTimeout, maxOpenStreams, maxStreamsPerClient,
                global, perClient, perSession, maxBufferedEvents);
    }

    public ServingLimits withMaxBufferedEvents(int value) {
        return new ServingLimits(maxSessions, sessionIdleTimeout, maxOpenStreams, maxStreamsPerClient,
                maxConcurrentRequests, maxRequestsPerClient, maxRequestsPerSession, value);
    }
}
