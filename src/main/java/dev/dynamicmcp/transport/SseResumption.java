package dev.dynamicmcp.transport;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resumes the SSE answer to one POST that ended before the response: GETs with {@code Last-Event-ID} after the
 * server's {@code retry:} delay, until the response comes. A request whose stream cannot be resumed (no
 * progress in {@value #MAX_RESUMES_WITHOUT_PROGRESS} attempts, or an HTTP error) is failed in the transport,
 * so its caller does not wait for the timeout. Attempts run one after another: the fields need no lock.
 */
final class SseResumption {
    private static final Logger log = LoggerFactory.getLogger(SseResumption.class);
    /** Resumption attempts in a row that bring no new event before a request is given up. */
    static final int MAX_RESUMES_WITHOUT_PROGRESS = 3;

    private final HttpStreams streams;
    private final String what;
    private final JsonNode requestId;
    private String lastEventId;
    private Duration delay;
    private int withoutProgress;

    private SseResumption(HttpStreams streams, String what, JsonNode requestId, String lastEventId, Duration delay) {
        this.streams = streams;
        this.what = what;
        this.requestId = requestId;
        this.lastEventId = lastEventId;
        this.delay = delay;
    }

    /**
     * The POST's stream ended without the answer to {@code requestId}: resume it when it had event ids (the
     * last {@code lastEventId}, the server's {@code retryMillis} or -1), fail the request otherwise.
     */
    static void afterEarlyEnd(HttpStreams streams, String what, JsonNode requestId, String lastEventId,
                              long retryMillis) {
        if (lastEventId == null) {
            streams.listener().failRequest(requestId, "the stream answering " + what
                    + " ended before the response, and had no event ids to resume from");
            return;
        }
        new SseResumption(streams, what, requestId, lastEventId, HttpStreams.retryDelay(retryMillis)).next();
    }

    private void next() {
        if (withoutProgress == MAX_RESUMES_WITHOUT_PROGRESS) {
            streams.listener().failRequest(requestId, "the stream answering " + what + " could not be resumed after"
                    + " event " + lastEventId + " (" + withoutProgress + " attempts)");
            return;
        }
        streams.readLater("http-resume", delay, this::attempt);
    }

    private void attempt() {
        if (!streams.isOpen()) {
            return;
        }
        log.debug("server '{}': resuming the stream of {} after event {}", streams.session().serverName(), what,
                lastEventId);
        HttpAnswer response;
        try {
            response = streams.get(lastEventId);
        } catch (IOException e) {
            withoutProgress++;
            next();
            return;
        }
        if (response.status() != 200) {
            response.close();
            streams.listener().failRequest(requestId, "resuming the stream of " + what + " was answered HTTP "
                    + response.status());
            return;
        }
        SseReader events = new SseReader(response.body(), HttpStreams.MAX_EVENT_BYTES);
        if (streams.readEvents(events, response, "the resumed stream of " + what, requestId)
                || !streams.isOpen()) {
            return;
        }
        boolean progressed = events.lastEventId() != null && !events.lastEventId().equals(lastEventId);
        withoutProgress = progressed ? 0 : withoutProgress + 1;
        lastEventId = events.lastEventId() != null ? events.lastEventId() : lastEventId;
        delay = HttpStreams.retryDelay(events.retryMillis() >= 0 ? events.retryMillis() : delay.toMillis());
        next();
    }
}
