package dev.dynamicmcp.transport;

import dev.dynamicmcp.runtime.Backoff;
import dev.dynamicmcp.runtime.Scheduler;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The standalone GET stream of a Streamable HTTP session, which carries what the server starts by itself
 * (notifications, requests). When it ends it is opened again: after the server's {@code retry:} value on a
 * clean end, with a growing, jittered delay ({@link Backoff}) after failures; with {@code Last-Event-ID} so
 * nothing is missed. A server that offers none (405) is not asked again; a new session or the close stops it.
 */
final class GetStream {
    private static final Logger log = LoggerFactory.getLogger(GetStream.class);
    private static final double JITTER = 0.1;

    private final HttpStreams streams;
    private final Scheduler scheduler;
    /** Bumped whenever the stream must stop (new session, close), so an old run ends by itself. */
    private final AtomicInteger generation = new AtomicInteger();

    GetStream(HttpStreams streams, Scheduler scheduler) {
        this.streams = streams;
        this.scheduler = scheduler;
    }

    /** Opens the stream for the session just initialized (stopping the previous one). */
    void open() {
        Run run = new Run(generation.incrementAndGet());
        streams.startReader(run::attempt);
    }

    /** The session is over (a new initialize, an expiry, the close): the current run stops at its next step. */
    void stop() {
        generation.incrementAndGet();
    }

    /**
     * The server's retry value after a clean end; after failures, growing backoff (capped, jittered).
     *
     * @param random a uniform random number in [0, 1), from the scheduler
     */
    static Duration reconnectDelay(long retryMillis, int failures, double random) {
        Duration base = HttpStreams.retryDelay(retryMillis);
        if (failures == 0) {
            return base;
        }
        long nanos = Backoff.delayNanos(Math.min(failures - 1, 10), base.toNanos(), HttpStreams.MAX_RETRY.toNanos(),
                JITTER, random);
        return Duration.ofNanos(Math.max(Duration.ofMillis(1).toNanos(), nanos));
    }

    /** One life of the stream; its attempts run one after another, so its fields need no lock. */
    private final class Run {
        private final int generation;
        private String lastEventId;
        private long retryMillis = -1;
        private int failures;

        Run(int generation) {
            this.generation = generation;
        }

        private boolean current() {
            return streams.isOpen() && GetStream.this.generation.get() == generation;
        }

        void attempt() {
            if (!current()) {
                return;
            }
            String server = streams.session().serverName();
            HttpAnswer response = null;
            try {
                response = streams.get(lastEventId);
            } catch (IOException e) {
                log.debug("server '{}': GET stream failed to open: {}", server, e.toString());
            }
            if (response == null) {
                failures++;
            } else if (response.status() == 405) {
                response.close();
                log.debug("server '{}': no GET stream offered (HTTP 405)", server);
                return;
            } else if (response.status() == 404 && streams.session().sessionId() != null) {
                response.close();
                // keep the id: the next send gets the 404 too and tells its caller to initialize again
                log.info("server '{}': session {} expired (HTTP 404 on the GET stream)", server,
                        HttpSession.shortId(streams.session().sessionId()));
                return;
            } else if (response.status() == 200) {
                failures = 0;
                SseReader events = new SseReader(response.body(), HttpStreams.MAX_EVENT_BYTES);
                streams.readEvents(events, response, "the GET stream", null);
                lastEventId = events.lastEventId() != null ? events.lastEventId() : lastEventId;
                retryMillis = events.retryMillis() >= 0 ? events.retryMillis() : retryMillis;
            } else {
                response.close();
                failures++;
                log.warn("server '{}': GET stream answered HTTP {}", server, response.status());
            }
            if (current()) {
                streams.readLater("http-get", reconnectDelay(retryMillis, failures, scheduler.random()), this::attempt);
            }
        }
    }
}
