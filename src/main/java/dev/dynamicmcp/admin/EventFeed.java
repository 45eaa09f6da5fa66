package dev.dynamicmcp.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.manager.BreakerState;
import dev.dynamicmcp.manager.CallOutcome;
import dev.dynamicmcp.manager.ServerState;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.runtime.Scheduler;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code /admin/events} Server-Sent Events feed: state changes, config changes, breaker changes and call
 * outcomes, each with a sequence number as its SSE {@code id}.
 *
 * <p>Publishing never blocks the manager: each subscriber has a bounded queue, filled without waiting, and its
 * own writer loop. A subscriber whose queue is full (it reads slower than events come) is dropped: its stream
 * is ended, and the console reconnects and re-reads the state. The last {@value #DEFAULT_HISTORY} state,
 * breaker and config events are kept and replayed to a new subscriber (after the {@code Last-Event-ID} it
 * sends, when it sends one), so a page opened late still shows the recent timeline. Call outcomes are live
 * only. An idle stream gets a comment line every keep-alive interval, which also finds vanished clients.
 */
final class EventFeed implements AdminListener {
    private static final Logger log = LoggerFactory.getLogger(EventFeed.class);
    static final int DEFAULT_BUFFER = 1024;
    static final int DEFAULT_HISTORY = 200;
    static final Duration DEFAULT_KEEP_ALIVE = Duration.ofSeconds(15);

    enum State { OPEN, CLOSED }

    /** One event, rendered once and shared by every subscriber. */
    private record Event(long seq, String type, String data) {
        static final Event KEEP_ALIVE = new Event(-1, null, null);
        static final Event END = new Event(-2, null, null);

        String frame() {
            return this == KEEP_ALIVE ? ": keep-alive\n\n"
                    : "id: " + seq + "\nevent: " + type + "\ndata: " + data + "\n\n";
        }
    }

    private final Scheduler scheduler;
    private final int buffer;
    private final int historySize;
    private final Duration keepAlive;
    private final ReentrantLock lock = new ReentrantLock();
    // Guarded by lock: the sequence, the history, and which subscribers an event is offered to.
    private long seq;
    private final ArrayDeque<Event> history = new ArrayDeque<>();
    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    private final AtomicInteger ids = new AtomicInteger();
    private volatile State state = State.OPEN;
    private volatile Scheduler.Cancellable keepAliveTimer = Scheduler.Cancellable.NONE;

    EventFeed(Scheduler scheduler) {
        this(scheduler, DEFAULT_BUFFER, DEFAULT_HISTORY, DEFAULT_KEEP_ALIVE);
    }

    EventFeed(Scheduler scheduler, int buffer, int historySize, Duration keepAlive) {
        this.scheduler = scheduler;
        this.buffer = buffer;
        this.historySize = historySize;
        this.keepAlive = keepAlive;
        armKeepAlive();
    }

    // ---- what is published

    @Override
    public void stateChanged(String server, ServerState from, ServerState to, String reason) {
        ObjectNode data = Json.object().put("server", server).put("from", from == null ? null : from.name())
                .put("to", to.name()).put("status", AdminServer.statusOf(to)).put("reason", reason);
        publish("state", data, true);
    }

    @Override
    public void breakerStateChanged(String server, BreakerState from, BreakerState to) {
        publish("breaker", Json.object().put("server", server).put("from", from == null ? null : from.name())
                .put("to", to.name()), true);
    }

    @Override
    public void callCompleted(String server, String method, long nanos, CallOutcome outcome) {
        if (subscribers.isEmpty()) {
            // once per proxied call, and not kept for replay: with nobody watching there is nothing to build (the
            // timestamp, the JSON and the lock were ~2% of the proxy's CPU per call); a subscriber that arrives
            // meanwhile misses it exactly as if it had subscribed a moment later
            return;
        }
        publish("call", Json.object().put("server", server).put("method", method)
                .put("ms", Math.round(nanos / 1_000.0) / 1_000.0).put("outcome", outcome.name()), false);
    }

    @Override
    public void configChanged(ConfigChange change) {
        ObjectNode data = Json.object().put("server", change.server())
                .put("change", change.kind().name().toLowerCase(Locale.ROOT)).put("source", change.source());
        if (change.profile() != null) {
            data.put("profile", change.profile());
        }
        publish("config", data, true);
    }

    private void publish(String type, ObjectNode data, boolean keep) {
        if (state != State.OPEN) {
            return;
        }
        data.put("at", scheduler.now().toString());
        List<Subscriber> slow = new ArrayList<>(0);
        lock.lock();
        try {
            long id = ++seq;
            ObjectNode body = Json.object().put("seq", id).put("type", type);
            body.setAll(data);
            Event event = new Event(id, type, Json.write(body));
            if (keep) {
                history.addLast(event);
                if (history.size() > historySize) {
                    history.removeFirst();
                }
            }
            // Offered under the lock (offer never waits) so every subscriber sees events in sequence order
            // and a new subscriber gets each event exactly once, from the replay or from here.
            for (Subscriber subscriber : subscribers) {
                if (!subscriber.queue.offer(event)) {
                    slow.add(subscriber);
                }
            }
        } finally {
            lock.unlock();
        }
        slow.forEach(subscriber -> subscriber.end("dropped: it read slower than events came (buffer of "
                + buffer + " full)"));
    }

    // ---- subscribers

    /** Serves one {@code GET /admin/events}: the stream stays open until the client leaves or is dropped. */
    boolean serve(Request request, Response response, Callback callback) {
        if (state != State.OPEN) {
            return AdminHttp.error(response, callback, 503, "the event feed is closed");
        }
        long after = lastEventId(request);
        Subscriber subscriber = new Subscriber(ids.incrementAndGet(), response, callback);
        List<Event> replay = new ArrayList<>();
        lock.lock();
        try {
            for (Event event : history) {
                if (event.seq > after) {
                    replay.add(event);
                }
            }
            subscriber.hello = new Event(seq, "hello", Json.write(Json.object().put("seq", seq)
                    .put("type", "hello").put("replayed", replay.size())));
            subscribers.add(subscriber);
        } finally {
            lock.unlock();
        }
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.getHeaders().put("X-Accel-Buffering", "no");
        request.addFailureListener(failure -> subscriber.end("connection failed: " + failure));
        subscriber.thread = scheduler.startLoop("admin-events-" + subscriber.id, () -> subscriber.run(replay));
        return true;
    }

    private static long lastEventId(Request request) {
        String header = request.getHeaders().get("Last-Event-ID");
        if (header == null || header.isBlank()) {
            return 0;
        }
        try {
            return Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    int subscriberCount() {
        return subscribers.size();
    }

    private void armKeepAlive() {
        if (state != State.OPEN) {
            return;
        }
        keepAliveTimer = scheduler.schedule("admin-events-keep-alive", keepAlive, () -> {
            for (Subscriber subscriber : subscribers) {
                if (!subscriber.queue.offer(Event.KEEP_ALIVE)) {
                    subscriber.end("dropped: its buffer stayed full for a keep-alive interval");
                }
            }
            armKeepAlive();
        });
    }

    /** Ends every stream; publishing does nothing afterwards. */
    void close() {
        state = State.CLOSED;
        keepAliveTimer.cancel();
        for (Subscriber subscriber : subscribers) {
            subscriber.end("the feed closed");
        }
    }

    /** One open stream: its queue and writer loop. Lifecycle: STREAMING, then ENDED (once). */
    private final class Subscriber {
        private final int id;
        private final Response response;
        private final Callback callback;
        private final BlockingQueue<Event> queue = new ArrayBlockingQueue<>(buffer);
        private final AtomicBoolean ended = new AtomicBoolean();
        private volatile Event hello;
        private volatile Thread thread;

        Subscriber(int id, Response response, Callback callback) {
            this.id = id;
            this.response = response;
            this.callback = callback;
        }

        void run(List<Event> replay) {
            try {
                write("retry: 2000\n\n" + hello.frame());
                for (Event event : replay) {
                    write(event.frame());
                }
                while (!ended.get()) {
                    Event event = queue.take();
                    if (event == Event.END) {
                        break;
                    }
                    write(event.frame());
                }
                end(null);
            } catch (InterruptedException e) {
                end(null);
            } catch (IOException | RuntimeException e) {
                end("write failed: " + e);
            }
        }

        private void write(String frame) throws IOException {
            try (Blocker.Callback blocker = Blocker.callback()) {
                response.write(false, ByteBuffer.wrap(frame.getBytes(StandardCharsets.UTF_8)), blocker);
                blocker.block();
            }
        }

        /** Ends the stream once: a normal end completes the response, a drop or failure aborts it. */
        void end(String why) {
            if (!ended.compareAndSet(false, true)) {
                return;
            }
            subscribers.remove(this);
            queue.clear();
            queue.offer(Event.END);
            if (why == null) {
                log.debug("admin events: subscriber {} ended", id);
                callback.succeeded();
            } else {
                log.info("admin events: subscriber {} ended: {}", id, why);
                callback.failed(new IOException(why));
                Thread loop = thread;
                if (loop != null && loop != Thread.currentThread()) {
                    loop.interrupt();
                }
            }
        }
    }
}
