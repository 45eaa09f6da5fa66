package dev.dynamicmcp.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.protocol.PendingRequest;
import dev.dynamicmcp.protocol.RequestOptions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * What the proxy needs from the connection manager. The production implementation adapts
 * {@code ServerManager}; tests can fake it.
 */
interface Upstreams {
    /**
     * Sends a request to a server through its circuit breaker. When the server is unavailable (down,
     * connecting, breaker open) the returned request has already failed with an {@code McpException} whose
     * code is {@code SERVER_UNAVAILABLE} and whose message names the server, its state and its last error.
     */
    PendingRequest send(String server, String method, JsonNode params, RequestOptions options);

    /** Sends a notification to a READY server; false when it could not be sent. */
    boolean notify(String server, String method, JsonNode params);

    Duration requestTimeout(String server);

    /** READY servers, in config order. */
    List<String> readyServers();

    /** True when the READY server announced the capability ({@code logging}, {@code completions}, ...). */
    boolean hasCapability(String server, String capability);

    /**
     * A client session was initialized: connect the lazy servers not yet connected (in the background), so
     * their tools join the merged lists (clients hear list_changed).
     */
    default void clientArrived() {
    }

    /**
     * True when the server's last connection speaks a stateless revision (MCP 2026-07-28): its requests carry
     * the caller's envelope ({@code _meta} client capabilities, log level) and it may answer
     * {@code input_required} instead of asking the client mid-call.
     */
    default boolean isModern(String server) {
        return false;
    }

    /** True for a server configured with {@code "isolation": "session"}. */
    default boolean isolated(String server) {
        return false;
    }

    /**
     * True when a server configured with {@code "isolation": "session"} may hold sessions to close (asked once per
     * stateless call). The default asks the ready servers; {@link ManagerUpstreams} every configured one.
     */
    default boolean anyIsolated() {
        return readyServers().stream().anyMatch(this::isolated);
    }

    /**
     * Sends a request on the upstream session that belongs to one client session (opened on first use), for
     * servers with {@code "isolation": "session"}.
     */
    default PendingRequest sendIsolated(String sessionId, String server, String method, JsonNode params,
                                        RequestOptions options) {
        throw new UnsupportedOperationException("no isolated sessions here");
    }

    /** True for a server whose OAuth credential is each downstream user's own ({@code oauth.perUser}). */
    default boolean perUser(String server) {
        return false;
    }

    /** A client session ended: its isolated upstream sessions close. */
    default void sessionClosed(String sessionId) {
    }

    /**
     * Why a server that is not READY cannot take calls now: one sentence naming the server, its state, since
     * when and its last error, as the {@code SERVER_UNAVAILABLE} failures of {@link #send} say it. A call to a
     * name that only this server offered is answered with it (instead of "unknown tool"). Empty when the
     * server is READY or unknown here (removed): then the name is simply unknown.
     */
    default Optional<String> unavailableReason(String server) {
        return Optional.empty();
    }

    /**
     * The cache hints the server gave for its last answer to a list method ({@code tools/list}, ...,
     * {@code server/discover}); empty for a server of an earlier revision, which gives none (it then counts
     * as uncacheable). A merged list is only as cacheable as its least cacheable server.
     */
    default Optional<CacheHint> cacheHint(String server, String method) {
        return Optional.empty();
    }

    /** Lists everything the server offers again (after a list_changed), or fails. */
    CompletableFuture<ServerLists> discover(String server);
}
