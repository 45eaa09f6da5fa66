package dev.dynamicmcp.manager;

import java.time.Duration;
import java.time.Instant;

/**
 * A consistent snapshot of one server's connection, for {@code /status} and the CLI.
 *
 * @param since             when the server entered {@code state}
 * @param lastCheck         when the last health ping finished, or null
 * @param consecutiveErrors failed pings or connect attempts in a row (0 once it works again)
 * @param lastError         the last failure's message, or null
 * @param connectTime       how long the last successful connect took, or null
 * @param reconnects        successful connects after the first
 * @param toolCount         tools seen at the last discovery, or -1 when not known
 * @param isolatedSessions  open upstream connections of single downstream sessions ({@code "isolation": "session"});
 *                          always 0 for a shared server
 * @param lastErrorDetail   the last failure in full (a stdio server's stderr tail, an HTTP body, the exception
 *                          class), for logs and the operator only: never sent to MCP clients, which get
 *                          {@code lastError}
 * @param revision          the MCP revision the last connection spoke ({@code 2026-07-28}, {@code 2025-11-25}, ...),
 *                          or null before the first connect
 */
public record ServerStatus(String name, String transport, ServerState state, Instant since, Instant lastCheck,
                           int consecutiveErrors, String lastError, BreakerState breaker, Duration connectTime,
                           long reconnects, int inFlight, int toolCount, int isolatedSessions,
                           String lastErrorDetail, String revision) {

    public ServerStatus(String name, String transport, ServerState state, Instant since, Instant lastCheck,
                        int consecutiveErrors, String lastError, BreakerState breaker, Duration connectTime,
                        long reconnects, int inFlight, int toolCount, int isolatedSessions, String lastErrorDetail) {
        this(name, transport, state, since, lastCheck, consecutiveErrors, lastError, breaker, connectTime, reconnects,
                inFlight, toolCount, isolatedSessions, lastErrorDetail, null);
    }

    public ServerStatus(String name, String transport, ServerState state, Instant since, Instant lastCheck,
                        int consecutiveErrors, String lastError, BreakerState breaker, Duration connectTime,
                        long reconnects, int inFlight, int toolCount, int isolatedSessions) {
        this(name, transport, state, since, lastCheck, consecutiveErrors, lastError, breaker, connectTime, reconnects,
                inFlight, toolCount, isolatedSessions, lastError);
    }

    public ServerStatus(String name, String transport, ServerState state, Instant since, Instant lastCheck,
                        int consecutiveErrors, String lastError, BreakerState breaker, Duration connectTime,
                        long reconnects, int inFlight, int toolCount) {
        this(name, transport, state, since, lastCheck, consecutiveErrors, lastError, breaker, connectTime, reconnects,
                inFlight, toolCount, 0);
    }
}
