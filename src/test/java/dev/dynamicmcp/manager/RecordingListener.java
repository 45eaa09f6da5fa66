package dev.dynamicmcp.manager;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records manager and server events as short strings ("a: READY -> BACKOFF", "breaker a: CLOSED -> OPEN"). */
final class RecordingListener implements ManagerListener, ServerListener {
    final List<String> transitions = new CopyOnWriteArrayList<>();
    final List<String> breaker = new CopyOnWriteArrayList<>();
    final List<ServerEvent> events = new CopyOnWriteArrayList<>();
    final List<String> calls = new CopyOnWriteArrayList<>();
    final List<Duration> reconnectDelays = new CopyOnWriteArrayList<>();

    @Override
    public void stateChanged(String server, ServerState from, ServerState to, String reason) {
        transitions.add(server + ": " + from + " -> " + to);
    }

    @Override
    public void breakerStateChanged(String server, BreakerState from, BreakerState to) {
        breaker.add(server + ": " + from + " -> " + to);
    }

    @Override
    public void callCompleted(String server, String method, long nanos, CallOutcome outcome) {
        calls.add(server + " " + method + " " + outcome);
    }

    @Override
    public void reconnectScheduled(String server, Duration delay, int attempt) {
        reconnectDelays.add(delay);
    }

    @Override
    public void onServerEvent(ServerEvent event) {
        events.add(event);
    }
}
