package dev.dynamicmcp.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.protocol.JsonRpcPeer;
import dev.dynamicmcp.protocol.PendingRequest;
import dev.dynamicmcp.protocol.RequestOptions;
import dev.dynamicmcp.runtime.Failures;
import dev.dynamicmcp.transport.HttpStatusException;
import dev.dynamicmcp.transport.SessionExpiredException;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a client's requests going when a Streamable HTTP server forgets the session (HTTP 404): one caller
 * runs the handshake again and replays the {@link SessionState} onto the new session, and the request is
 * re-sent (the server never saw the first attempt, so this is safe even for {@code tools/call}). Requests
 * that went out without a session id while that happened (answered 400) are re-sent once it is done.
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

    /** Sends; when the server forgot our HTTP session, opens a new one and sends once more. */
    PendingRequest send(String method, JsonNode params, RequestOptions options, Consumer<PendingRequest> beforeSend) {
        long seen = generation.get();
        PendingRequest pending = peer.request(method, params, options, beforeSend);
        if (sessionExpired(pending)) {
            try {
                reopen(seen);
            } catch (IOException | RuntimeException e) {
                log.warn("server \"{}\" forgot our session and initializing again failed: {}", serverName,
                        Failures.describe(e));
                return pending;
            }
            pending = peer.request(method, params, options, beforeSend);
        } else if (refusedDuringReopen(pending, seen)) {
            handshakeLock.lock(); // wait for the new session, then send in it
            handshakeLock.unlock();
            pending = peer.request(method, params, options, beforeSend);
        }
        return pending;
    }

    /** True when the request failed because the server no longer knows our session. */
    static boolean sessionExpired(PendingRequest pending) {
        return failure(pending) instanceof SessionExpiredException;
    }

    /**
     * A request sent while another caller was opening a new session went out without a session id, and
     * servers answer that with 400: it is sent again once the new session exists.
     */
    private boolean refusedDuringReopen(PendingRequest pending, long seen) {
        if (!(handshakeLock.isLocked() || generation.get() != seen)) {
            return false;
        }
        return failure(pending) instanceof HttpStatusException status && status.status() == 400;
    }

    /** The failure of a request that already failed; null while it runs, after success or a cancel. */
    static Throwable failure(PendingRequest pending) {
        CompletableFuture<JsonNode> result = pending.result();
        if (!result.isCompletedExceptionally() || result.isCancelled()) {
            return null;
        }
        return Failures.unwrap(result.handle((value, failure) -> failure).join());
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
