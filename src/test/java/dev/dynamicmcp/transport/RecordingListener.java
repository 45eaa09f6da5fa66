package dev.dynamicmcp.transport;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records what a transport reports, and waits for it. */
final class RecordingListener implements Transport.Listener {
    final List<ObjectNode> messages = new CopyOnWriteArrayList<>();
    final List<String> badInputs = new CopyOnWriteArrayList<>();
    final List<Throwable> closes = new CopyOnWriteArrayList<>();
    /** The thread each message of {@link #messages} was delivered on. */
    final List<Thread> deliveredOn = new CopyOnWriteArrayList<>();
    private volatile boolean closedWithNull;

    @Override
    public void onMessage(ObjectNode message) {
        deliveredOn.add(Thread.currentThread());
        messages.add(message);
    }

    @Override
    public void onBadInput(String description) {
        badInputs.add(description);
    }

    @Override
    public void onClosed(Throwable cause) {
        if (cause == null) {
            closedWithNull = true;
        }
        closes.add(cause == null ? new NullCause() : cause);
    }

    /** Number of onClosed calls, whatever their cause. */
    int closeCount() {
        return closes.size();
    }

    boolean closedOnRequest() {
        return closedWithNull;
    }

    /** The response to the request with this numeric id, waiting for it. */
    ObjectNode awaitResponse(int id) {
        return await().atMost(Duration.ofSeconds(30)).until(() -> response(id), r -> r != null);
    }

    ObjectNode response(int id) {
        return messages.stream()
                .filter(m -> !m.has("method") && m.path("id").asInt(-1) == id)
                .findFirst()
                .orElse(null);
    }

    /** Marks a close with a null cause in {@link #closes} (the list cannot hold null). */
    static final class NullCause extends Throwable {
        NullCause() {
            super("closed on request", null, false, false);
        }
    }
}
