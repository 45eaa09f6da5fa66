package dev.dynamicmcp.manager;

import java.time.Duration;

/**
 * Metrics and event hooks of the connection manager. Every method is called without a manager lock held;
 * implementations must be fast and must not throw. {@link #NONE} does nothing. Micrometer lives in an
 * adapter ({@code dev.dynamicmcp.ops.MicrometerManagerListener}); the engine never imports it.
 */
public interface ManagerListener {
    ManagerListener NONE = new ManagerListener() {
    };

    default void stateChanged(String server, ServerState from, ServerState to, String reason) {
    }

    default void connectAttempt(String server) {
    }

    default void connected(String server, Duration took) {
    }

    default void connectFailed(String server, Duration took, Throwable error) {
    }

    /** One upstream request finished (or was refused) after {@code nanos}. */
    default void callCompleted(String server, String method, long nanos, CallOutcome outcome) {
    }

    default void breakerStateChanged(String server, BreakerState from, BreakerState to) {
    }

    /** A reconnect was scheduled {@code delay} from now; {@code attempt} counts from 1 since the last success. */
    default void reconnectScheduled(String server, Duration delay, int attempt) {
    }

    /** The server is gone from the configuration; drop its per-server meters. */
    default void serverRemoved(String server) {
    }
}
