package dev.dynamicmcp.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.protocol.JsonRpcPeer;
import dev.dynamicmcp.runtime.Scheduler;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The notifications on their way to one client, in the order they were posted. Posting never blocks and
 * never starts a thread of its own: one scheduler task drains the queue while it has messages (a client
 * whose writes block holds up only its own queue, not the upstream reader or the other clients).
 */
final class Outbox {
    private static final Logger log = LoggerFactory.getLogger(Outbox.class);
    /** A client that has not taken this many notifications is not reading; newer ones are dropped. */
    static final int MAX_QUEUED = 10_000;

    private record Message(String method, JsonNode params) {
    }

    private final String name;
    /** Sends one notification (method, params) to the client; may block. */
    private final java.util.function.BiConsumer<String, JsonNode> send;
    private final Scheduler scheduler;
    private final ConcurrentLinkedQueue<Message> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicBoolean overflowing = new AtomicBoolean();
    private volatile boolean closed;

    Outbox(String sessionId, JsonRpcPeer peer, Scheduler scheduler) {
        this("notify-" + sessionId, peer::sendNotification, scheduler);
    }

    /** An outbox for a stream that is not a session's peer (a 2026-07-28 listen stream). */
    Outbox(String name, java.util.function.BiConsumer<String, JsonNode> send, Scheduler scheduler) {
        this.name = name;
        this.send = send;
        this.scheduler = scheduler;
    }

    void post(String method, JsonNode params) {
        if (closed) {
            return;
        }
        if (size.incrementAndGet() > MAX_QUEUED) {
            size.decrementAndGet();
            if (overflowing.compareAndSet(false, true)) {
                log.warn("{}: the client has {} notifications it did not take; dropping new ones until it reads",
                        name, MAX_QUEUED);
            }
            return;
        }
        queue.add(new Message(method, params));
        if (draining.compareAndSet(false, true)) {
            scheduler.execute(name, this::drain);
        }
    }

    private void drain() {
        while (true) {
            Message message;
            while ((message = queue.poll()) != null) {
                size.decrementAndGet();
                if (!closed) {
                    send.accept(message.method(), message.params());
                }
            }
            overflowing.set(false);
            draining.set(false);
            // a post between the last poll and the flag reset found draining=true and left its message to us
            if (queue.isEmpty() || !draining.compareAndSet(false, true)) {
                return;
            }
        }
    }

    /** The session ended: what is queued is dropped. */
    void close() {
        closed = true;
        queue.clear();
    }
}
