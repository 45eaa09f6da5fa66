package dev.dynamicmcp.app;

import dev.dynamicmcp.admin.AdminListener;
import dev.dynamicmcp.admin.ConfigChange;
import dev.dynamicmcp.manager.BreakerState;
import dev.dynamicmcp.manager.CallOutcome;
import dev.dynamicmcp.manager.ServerState;
import java.time.Duration;

/**
 * The manager's listener slot for the admin side, filled once the admin routes exist (they are built after the
 * manager, whose listener is fixed at construction). Until then, and without HTTP, events go nowhere.
 */
final class AdminRelay implements AdminListener {
    private static final AdminListener NONE = new AdminListener() {
    };
    private volatile AdminListener target = NONE;

    void subscribe(AdminListener listener) {
        target = listener;
    }

    @Override
    public void configChanged(ConfigChange change) {
        target.configChanged(change);
    }

    @Override
    public void stateChanged(String server, ServerState from, ServerState to, String reason) {
        target.stateChanged(server, from, to, reason);
    }

    @Override
    public void connectAttempt(String server) {
        target.connectAttempt(server);
    }

    @Override
    public void connected(String server, Duration took) {
        target.connected(server, took);
    }

    @Override
    public void connectFailed(String server, Duration took, Throwable error) {
        target.connectFailed(server, took, error);
    }

    @Override
    public void callCompleted(String server, String method, long nanos, CallOutcome outcome) {
        target.callCompleted(server, method, nanos, outcome);
    }

    @Override
    public void breakerStateChanged(String server, BreakerState from, BreakerState to) {
        target.breakerStateChanged(server, from, to);
    }

    @Override
    public void reconnectScheduled(String server, Duration delay, int attempt) {
        target.reconnectScheduled(server, delay, attempt);
    }

    @Override
    public void serverRemoved(String server) {
        target.serverRemoved(server);
    }
}
