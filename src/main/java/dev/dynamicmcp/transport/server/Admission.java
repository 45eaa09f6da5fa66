package dev.dynamicmcp.transport.server;

import dev.dynamicmcp.config.ServingLimits;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts what clients hold (long-lived streams, POSTs waiting for answers) against {@link ServingLimits}, per
 * remote address, per session and in total, and refuses beyond: 429 when the client is over its own share,
 * 503 when everyone together is at the limit. Shared by the Streamable HTTP and the legacy SSE handlers.
 */
final class Admission {
    /** Seconds a refused client is told to wait ({@code Retry-After}). */
    static final int RETRY_AFTER_CLIENT = 1;
    static final int RETRY_AFTER_GLOBAL = 5;

    /** What a refused client is told: the HTTP status, the message, the Retry-After seconds. */
    static final class Refused extends RuntimeException {
        final int status;
        final int retryAfterSeconds;

        Refused(int status, String message, int retryAfterSeconds) {
            super(message, null, false, false);
            this.status = status;
            this.retryAfterSeconds = retryAfterSeconds;
        }
    }

    /** Something held; {@link #release} is idempotent. */
    static final class Permit {
        private final Runnable onRelease;
        private final AtomicBoolean released = new AtomicBoolean();

        private Permit(Runnable onRelease) {
            this.onRelease = onRelease;
        }

        void release() {
            if (released.compareAndSet(false, true)) {
                onRelease.run();
            }
        }
    }

    private final ServingLimits limits;
    private final AtomicInteger streams = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private final ConcurrentHashMap<String, AtomicInteger> streamsByClient = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, AtomicInteger> requestsByClient = new ConcurrentHashMap<>();

    Admission(ServingLimits limits) {
        this.limits = limits;
    }

    ServingLimits limits() {
        return limits;
    }

    int openStreams() {
        return streams.get();
    }

    int runningRequests() {
        return requests.get();
    }

    /** A long-lived stream (GET, legacy {@code /sse}) for {@code client}, or {@link Refused}. */
    Permit stream(String client) {
        if (!increment(streamsByClient, client, limits.maxStreamsPerClient())) {
            throw new Refused(429, "too many open streams from " + client + ": the limit is "
                    + limits.maxStreamsPerClient() + " per client (proxy.limits.maxStreamsPerClient); close one "
                    + "(a new GET in the same session replaces that session's stream) or retry later",
                    RETRY_AFTER_CLIENT);
        }
        if (!increment(streams, limits.maxOpenStreams())) {
            decrement(streamsByClient, client);
            throw new Refused(503, "the proxy has " + limits.maxOpenStreams() + " streams open, its limit "
                    + "(proxy.limits.maxOpenStreams); retry later", RETRY_AFTER_GLOBAL);
        }
        return new Permit(() -> {
            streams.decrementAndGet();
            decrement(streamsByClient, client);
        });
    }

    /**
     * A POST carrying requests, for {@code client} in a session whose count is {@code inSession}, or
     * {@link Refused}.
     */
    Permit request(String client, AtomicInteger inSession) {
        if (!increment(inSession, limits.maxRequestsPerSession())) {
            throw new Refused(429, "too many requests waiting for answers in this session: the limit is "
                    + limits.maxRequestsPerSession() + " (proxy.limits.maxRequestsPerSession); wait for answers "
                    + "before sending more", RETRY_AFTER_CLIENT);
        }
        if (!increment(requestsByClient, client, limits.maxRequestsPerClient())) {
            inSession.decrementAndGet();
            throw new Refused(429, "too many requests waiting for answers from " + client + ": the limit is "
                    + limits.maxRequestsPerClient() + " per client (proxy.limits.maxRequestsPerClient); wait for "
                    + "answers before sending more", RETRY_AFTER_CLIENT);
        }
        if (!increment(requests, limits.maxConcurrentRequests())) {
            inSession.decrementAndGet();
            decrement(requestsByClient, client);
            throw new Refused(503, "the proxy has " + limits.maxConcurrentRequests() + " requests waiting for "
                    + "answers, its limit (proxy.limits.maxConcurrentRequests); retry later", RETRY_AFTER_GLOBAL);
        }
        return new Permit(() -> {
            requests.decrementAndGet();
            decrement(requestsByClient, client);
            inSession.decrementAndGet();
        });
    }

    private static boolean increment(AtomicInteger counter, int max) {
        while (true) {
            int now = counter.get();
            if (now >= max) {
                return false;
            }
            if (counter.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }

    private static boolean increment(ConcurrentHashMap<String, AtomicInteger> counters, String client, int max) {
        boolean[] admitted = new boolean[1];
        counters.compute(client, (key, count) -> {
            AtomicInteger value = count == null ? new AtomicInteger() : count;
            admitted[0] = value.get() < max;
            if (admitted[0]) {
                value.incrementAndGet();
            }
            return value.get() == 0 ? null : value;
        });
        return admitted[0];
    }

    private static void decrement(ConcurrentHashMap<String, AtomicInteger> counters, String client) {
        counters.computeIfPresent(client, (key, count) -> count.decrementAndGet() <= 0 ? null : count);
    }
}
