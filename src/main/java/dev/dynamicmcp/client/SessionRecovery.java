package dev.dynamicmcp.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.JsonRpcPeer;
import dev.dynamicmcp.protocol.McpException;
import dev.dynamicmcp.protocol.PendingRequest;
import dev.dynamicmcp.protocol.RequestOptions;
import dev.dynamicmcp.runtime.Failures;
import dev.dynamicmcp.transport.HttpStatusException;
import dev.dynamicmcp.transport.SessionExpiredException;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a client's requests going when a Streamable HTTP server forgets the session (HTTP 404): one caller
 * runs the handshake again and replays the {@link SessionState} onto the new session, and the request is
 * re-sent (the server never saw the first attempt, so this is safe even for {@code tools/call}). Requests
 * that went out without a session id while that happened (answered 400) are re-sent once it is done.
 *
 * <p>Threads: requests are sent asynchronously ({@link JsonRpcPeer#requestAsync}), so the 404 usually comes on
 * the HTTP client's thread, which must not block: the handshake and the re-send run on a scheduler task.
 */
final class SessionRecovery {
    private static final Logger log = LoggerFactory.getLogger(SessionRecovery.class);

    /** Runs the handshake on the connection (the client's {@code openSession}). */
    @FunctionalInterface
    interface Reopen {
        void run(Duration timeout) throws IOException;
    }

    private final String serverName;
    private final JsonRpcPeer peer;
    private final SessionState state;
    private final Reopen reopen;
    private final Duration requestTimeout;
    /** Held while a new session is being opened; requests that need it wait on it. */
    private final ReentrantLock handshakeLock = new ReentrantLock();
    private final AtomicLong generation = new AtomicLong();
    /** Requests between two attempts (waiting for a new session); failed if the client closes meanwhile. */
    private final Set<BoundRequest> resending = ConcurrentHashMap.newKeySet();

    SessionRecovery(String serverName, JsonRpcPeer peer, SessionState state, Reopen reopen, Duration requestTimeout) {
        this.serverName = serverName;
        this.peer = peer;
        this.state = state;
        this.reopen = reopen;
        this.requestTimeout = requestTimeout;
    }

    /** A session was opened (at connect or again): requests sent before belong to an older one. */
    void opened() {
        generation.incrementAndGet();
    }

    /**
     * Sends without waiting; when the server forgot our HTTP session, opens a new one and sends once more. The
     * returned request is the caller's across both attempts.
     */
    PendingRequest send(String method, JsonNode params, RequestOptions options) {
        BoundRequest bound = new BoundRequest(method);
        attempt(new Attempt(bound, method, params, options), true);
        return bound;
    }

    private record Attempt(BoundRequest bound, String method, JsonNode params, RequestOptions options) {
    }

    private void attempt(Attempt attempt, boolean first) {
        long seen = generation.get();
        PendingRequest pending = peer.requestAsync(attempt.method, attempt.params, attempt.options);
        attempt.bound.bind(pending, cause -> first && recover(attempt, cause, seen));
    }

    /**
     * True when the first attempt's failure is one to recover from: a scheduler task then opens a new session
     * (or waits for the one being opened) and sends again.
     */
    private boolean recover(Attempt attempt, Throwable cause, long seen) {
        Runnable recovery;
        if (cause instanceof SessionExpiredException) {
            recovery = () -> {
                try {
                    reopen(seen);
                } catch (IOException | RuntimeException e) {
                    log.warn("server \"{}\" forgot our session and initializing again failed: {}", serverName,
                            Failures.describe(e));
                    attempt.bound.fail(cause); // the caller gets the 404's story
                    return;
                }
                resend(attempt);
            };
        } else if (refusedDuringReopen(cause, seen)) {
            recovery = () -> {
                handshakeLock.lock(); // wait for the new session, then send in it
                handshakeLock.unlock();
                resend(attempt);
            };
        } else {
            return false;
        }
        resending.add(attempt.bound);
        attempt.bound.result().whenComplete((value, failure) -> resending.remove(attempt.bound));
        try {
            peer.scheduler().execute("resend-" + serverName, recovery);
        } catch (RuntimeException e) {
            attempt.bound.fail(cause);
        }
        if (peer.isClosed()) { // closed while handing over: the task may never run
            closed();
        }
        return true;
    }

    private void resend(Attempt attempt) {
        resending.remove(attempt.bound);
        attempt(attempt, false);
    }

    /**
     * A request sent while another caller was opening a new session went out without a session id, and
     * servers answer that with 400: it is sent again once the new session exists.
     */
    private boolean refusedDuringReopen(Throwable cause, long seen) {
        if (!(handshakeLock.isLocked() || generation.get() != seen)) {
            return false;
        }
        return cause instanceof HttpStatusException status && status.status() == 400;
    }

    /** The client closed: requests waiting to be sent again fail. */
    void closed() {
        for (BoundRequest bound : List.copyOf(resending)) {
            resending.remove(bound);
            bound.fail(McpException.local(JsonRpc.CONNECTION_CLOSED, "connection to server \"" + serverName
                    + "\" closed before " + bound.method() + " was sent", null));
        }
    }

    private void reopen(long seen) throws IOException {
        handshakeLock.lock();
        try {
            if (generation.get() != seen) {
                return; // another caller already opened a new session
            }
            log.info("server \"{}\" forgot our session (HTTP 404); initializing again", serverName);
            reopen.run(requestTimeout);
            try {
                state.replay((method, params) -> McpClient.await(
                        peer.request(method, params, RequestOptions.timeout(requestTimeout)), requestTimeout));
            } catch (Exception e) {
                // the new session works; a subscription that did not come back must not fail this request
                log.warn("server \"{}\": replaying {} onto the new session failed: {}", serverName, state,
                        Failures.describe(e));
            }
        } finally {
            handshakeLock.unlock();
        }
    }
}
