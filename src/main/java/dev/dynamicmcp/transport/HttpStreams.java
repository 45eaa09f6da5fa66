package dev.dynamicmcp.transport;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.auth.upstream.UpstreamAuth;
import dev.dynamicmcp.runtime.Scheduler;
import java.io.IOException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.eclipse.jetty.client.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open exchanges of one Streamable HTTP transport: it opens GET streams, reads event streams into the
 * listener, starts the reader loops and delays on the scheduler, and at close releases them all at once
 * (pending requests cancelled, open bodies aborted, readers interrupted, timers called off).
 */
final class HttpStreams {
    private static final Logger log = LoggerFactory.getLogger(HttpStreams.class);
    static final String LAST_EVENT_ID_HEADER = "Last-Event-ID";
    static final int MAX_EVENT_BYTES = 64 * 1024 * 1024;
    static final Duration DEFAULT_RETRY = Duration.ofSeconds(1);
    static final Duration MAX_RETRY = Duration.ofSeconds(30);

    private final HttpSession session;
    private final Scheduler scheduler;
    private final Set<CompletableFuture<?>> pendingExchanges = ConcurrentHashMap.newKeySet();
    private final Set<HttpAnswer> openBodies = ConcurrentHashMap.newKeySet();
    private final Set<Thread> readers = ConcurrentHashMap.newKeySet();
    private final Set<Scheduler.Cancellable> timers = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile ListenerGuard listener;

    HttpStreams(HttpSession session, Scheduler scheduler) {
        this.session = session;
        this.scheduler = scheduler;
    }

    void attach(ListenerGuard listener) {
        this.listener = listener;
    }

    ListenerGuard listener() {
        return listener;
    }

    HttpSession session() {
        return session;
    }

    boolean isOpen() {
        return !closed.get();
    }

    /** Runs a reader (of a body, or of a whole stream's life) on a loop of the scheduler; interrupted at close. */
    void startReader(Runnable task) {
        if (closed.get()) {
            return;
        }
        Thread thread = scheduler.startLoop("http-" + session.serverName(), () -> {
            try {
                task.run();
            } finally {
                readers.remove(Thread.currentThread());
            }
        });
        if (thread != null && thread.isAlive()) {
            readers.add(thread);
        }
    }

    /** Runs {@code reader} as a reader loop after {@code delay}, unless the transport closes first. */
    void readLater(String name, Duration delay, Runnable reader) {
        if (closed.get()) {
            return;
        }
        Scheduler.Cancellable[] handle = new Scheduler.Cancellable[1];
        Runnable task = () -> {
            timers.remove(handle[0]);
            startReader(reader);
        };
        handle[0] = scheduler.schedule(name + "-" + session.serverName(), delay, task);
        timers.add(handle[0]);
        if (closed.get()) {
            handle[0].cancel();
        }
    }

    /** Sends tracked, so {@link #close} cancels it; completes on a client thread once the headers came. */
    CompletableFuture<HttpAnswer> sendAsync(Request request) {
        CompletableFuture<HttpAnswer> future = session.send(request);
        pendingExchanges.add(future);
        future.whenComplete((r, e) -> pendingExchanges.remove(future));
        return future;
    }

    /**
     * A GET for the event stream of the current session, resuming after {@code lastEventId} (may be null); sent
     * once more when the credentials were refused and renewed, failed when they cannot be.
     */
    HttpAnswer get(String lastEventId) throws IOException {
        for (int attempt = 0; ; attempt++) {
            HttpAnswer response = getOnce(lastEventId);
            UpstreamAuth.Outcome refusal = session.refusal(response);
            if (refusal == null) {
                return response;
            }
            response.close();
            if (refusal.kind() != UpstreamAuth.Outcome.Kind.RETRY || attempt > 0) {
                throw session.refused(response.status(), "GET " + session.url(), refusal);
            }
        }
    }

    private HttpAnswer getOnce(String lastEventId) throws IOException {
        Request request = session.request().headers(fields -> {
            fields.put("Accept", "text/event-stream");
            if (lastEventId != null) {
                fields.put(LAST_EVENT_ID_HEADER, lastEventId);
            }
        });
        CompletableFuture<HttpAnswer> future = sendAsync(request);
        String what = "GET " + session.url();
        try {
            return future.get(session.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new UpstreamFailure(session.serverName(), "timed out", what + ": no response headers within "
                    + session.connectTimeout(), new HttpTimeoutException(what));
        } catch (InterruptedException | CancellationException e) {
            future.cancel(true);
            throw new IOException(what + " cancelled", e);
        } catch (ExecutionException e) {
            throw UpstreamFailure.ofHttp(session.serverName(), what, e.getCause());
        }
    }

    /** Reads an event stream to its end; true if it carried the response to {@code awaitedId}. */
    boolean readEvents(SseReader events, HttpAnswer body, String where, JsonNode awaitedId) {
        openBodies.add(body);
        boolean answered = false;
        try {
            SseEvent event;
            while ((event = events.next()) != null) {
                answered |= deliver(event, () -> where, awaitedId);
            }
        } catch (IOException e) {
            if (isOpen()) {
                log.debug("server '{}': {} broke: {}", session.serverName(), where, e.toString());
            }
        } finally {
            openBodies.remove(body);
            body.close();
        }
        return answered;
    }

    /** What {@link #readEventsAsync} tells at the end of a stream. */
    interface EventsEnded {
        /**
         * @param events   the stream's parser: its last event id and retry, for a resumption
         * @param answered whether the stream carried the response awaited
         */
        void ended(SseParser events, boolean answered);
    }

    /**
     * {@link #readEvents} without a thread: the body's bytes are parsed as Jetty delivers them (on a client thread,
     * so the listener must not block for long, as for a JSON answer); {@code ended} runs once, on the thread that
     * saw the end.
     *
     * @param where where the events come from, for the log (made only when one needs it)
     */
    void readEventsAsync(HttpAnswer body, Supplier<String> where, JsonNode awaitedId, EventsEnded ended) {
        openBodies.add(body);
        SseParser parser = new SseParser(MAX_EVENT_BYTES);
        boolean[] answered = {false};
        body.readAsync(bytes -> parser.feed(bytes, event -> answered[0] |= deliver(event, where, awaitedId)),
                failure -> {
                    openBodies.remove(body);
                    body.close();
                    if (failure != null && isOpen()) {
                        log.debug("server '{}': {} broke: {}", session.serverName(), where.get(), failure.toString());
                    }
                    ended.ended(parser, answered[0]);
                });
    }

    /** Delivers one event's message(s); true if one is the response to {@code awaitedId}. */
    private boolean deliver(SseEvent event, Supplier<String> where, JsonNode awaitedId) {
        if (!"message".equals(event.type())) {
            if (log.isDebugEnabled()) {
                log.debug("server '{}': ignoring SSE event '{}' on {}", session.serverName(), event.type(),
                        where.get());
            }
            return false;
        }
        if (event.blank()) {
            return false; // a priming event: only its id matters, for resuming
        }
        return listener.deliverJson(event.bytes(), where, awaitedId);
    }

    /** The server's {@code retry:} value (capped), or the default when it sent none. */
    static Duration retryDelay(long retryMillis) {
        return retryMillis < 0 ? DEFAULT_RETRY : Duration.ofMillis(Math.min(retryMillis, MAX_RETRY.toMillis()));
    }

    /** Releases everything; readers end by themselves once their bodies are closed. */
    void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        timers.forEach(Scheduler.Cancellable::cancel);
        pendingExchanges.forEach(future -> future.cancel(true));
        openBodies.forEach(HttpAnswer::abort); // from this thread: abort, never read another reader's body
        readers.forEach(thread -> {
            if (thread != Thread.currentThread()) {
                thread.interrupt();
            }
        });
    }
}
