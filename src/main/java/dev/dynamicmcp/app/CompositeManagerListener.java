package dev.dynamicmcp.app;

import dev.dynamicmcp.manager.BreakerState;
import dev.dynamicmcp.manager.CallOutcome;
import dev.dynamicmcp.manager.ManagerListener;
import dev.dynamicmcp.manager.ServerState;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands each manager event to several listeners in order (metrics, then the admin feed). A listener that
 * breaks its contract and throws is logged and skipped, so it can never stop the others or the manager.
 */
final class CompositeManagerListener implements ManagerListener {
    private static final Logger log = LoggerFactory.getLogger(CompositeManagerListener.class);
    private final List<ManagerListener> listeners;

    CompositeManagerListener(ManagerListener... listeners) {
        this.listeners = List.of(listeners);
    }

    private void each(Consumer<ManagerListener> event) {
        for (ManagerListener listener : listeners) {
            try {
                event.accept(listener);
            } catch (RuntimeException e) {
                log.warn("manager listener {} failed; skipped", listener.getClass().getSimpleName(), e);
            }
        }
    }

    @Override
    public void stateChanged(String server, ServerState from, ServerState to, String reason) {
        each(l -> l.stateChanged(server, from, to, reason));
    }

    @Override
    public void connectAttempt(String server) {
        each(l -> l.connectAttempt(server));
    }

    @Override
    public void connected(String server, Duration took) {
        each(l -> l.connected(server, took));
    }

    @Override
    public void connectFailed(String server, Duration took, Throwable error) {
        each(l -> l.connectFailed(server, took, error));
    }

    @Override
    public void callCompleted(String server, String method, long nanos, CallOutcome outcome) {
        each(l -> l.callCompleted(server, method, nanos, outcome));
    }

    @Override
    public void breakerStateChanged(String server, BreakerState from, BreakerState to) {
        each(l -> l.breakerStateChanged(server, from, to));
    }

    @Override
    public void reconnectScheduled(String server, Duration delay, int attempt) {
        each(l -> l.reconnectScheduled(server, delay, attempt));
    }

    @Override
    public void serverRemoved(String server) {
        each(l -> l.serverRemoved(server));
    }
}
