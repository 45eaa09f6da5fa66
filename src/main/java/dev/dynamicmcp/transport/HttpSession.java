package dev.dynamicmcp.transport;

import dev.dynamicmcp.auth.upstream.UpstreamAuth;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every HTTP request of one client transport carries: the configured headers (checked once, here), the
 * {@code Mcp-Session-Id} the server gave on initialize and the negotiated {@code MCP-Protocol-Version}; and
 * the HTTP client (shared, or owned and stopped with the transport). Shared by {@link SseTransport} (which
 * has neither id nor version) and {@link StreamableHttpTransport}.
 *
 * <p>Credentials: the {@link UpstreamAuth}'s headers go on every request (POST, GET stream, DELETE), asked for
 * per request so a refreshed token is used at once; {@link #refusal} turns a 401 (or a 403 with a challenge)
 * into what to do next.
 *
 * <p>Redirects: {@link #send} follows them by {@link Redirects}' policy (same origin only), never Jetty.
 *
 * <p>Thread-safe: the id and version are volatile, and a new session or an expiry replaces them at once.
 */
final class HttpSession {
    private static final Logger log = LoggerFactory.getLogger(HttpSession.class);
    static final String SESSION_HEADER = "Mcp-Session-Id";
    static final String PROTOCOL_VERSION_HEADER = "MCP-Protocol-Version";

    private final String serverName;
    private final URI url;
    private final Map<String, String> headers;
    private final HttpClient client;
    private final boolean ownsClient;
    private final Duration connectTimeout;
    private final UpstreamAuth auth;

    private volatile String sessionId;
    private volatile String protocolVersion;

    /** @param client shared, started HTTP client; null to start one that {@link #release} stops */
    HttpSession(String serverName, URI url, Map<String, String> headers, HttpClient client, Duration connectTimeout) {
        this(serverName, url, headers, client, connectTimeout, UpstreamAuth.NONE);
    }

    /** @param auth the upstream's credentials ({@link UpstreamAuth#NONE}: only the configured headers) */
    HttpSession(String serverName, URI url, Map<String, String> headers, HttpClient client, Duration connectTimeout,
                UpstreamAuth auth) {
        this.auth = auth == null ? UpstreamAuth.NONE : auth;
        this.serverName = Objects.requireNonNull(serverName, "serverName");
        this.url = Objects.requireNonNull(url, "url");
        this.headers = headers == null ? Map.of() : Map.copyOf(headers);
        this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
        this.ownsClient = client == null;
        this.client = client != null ? client : UpstreamHttpClient.start();
        HeaderCheck.check(this.headers, serverName);
    }

    String serverName() {
        return serverName;
    }

    URI url() {
        return url;
    }

    HttpClient client() {
        return client;
    }

    Duration connectTimeout() {
        return connectTimeout;
    }

    /** A request to the configured URL with the current session's headers. */
    Request request() {
        return request(url, sessionId);
    }

    /**
     * A request to {@code target} with the configured headers, {@code withSessionId} (may be null) and version.
     * It has no idle timeout: an event stream may be silent for hours, a JSON-mode answer as slow as its tool.
     */
    Request request(URI target, String withSessionId) {
        Map<String, String> credentials = auth.headers(target);
        String version = protocolVersion;
        // redirects are ours to follow (send), whatever client this session was given
        return client.newRequest(target).followRedirects(false).idleTimeout(0, TimeUnit.MILLISECONDS).headers(fields -> {
            headers.forEach(fields::add);
            // after the configured headers, replacing theirs: the OAuth token is the fresher credential
            credentials.forEach(fields::put);
            if (withSessionId != null) {
                fields.add(SESSION_HEADER, withSessionId);
            }
            if (version != null) {
                fields.add(PROTOCOL_VERSION_HEADER, version);
            }
        });
    }

    /**
     * Sends a request made by {@link #request}, following the server's redirects as {@link Redirects} allows
     * (same origin only, never https to http); completes on a client thread once the final headers came.
     * Cancelling the future aborts the exchange.
     */
    CompletableFuture<HttpAnswer> send(Request request) {
        return Redirects.send(client, serverName, request);
    }

    /**
     * What to do about a refusal: null when {@code response} is not one the credentials can act on (not 401,
     * not 403 with {@code WWW-Authenticate}, or no OAuth configured: then it stays a plain HTTP error, as
     * before); otherwise the credentials' outcome. May block (a token request).
     */
    UpstreamAuth.Outcome refusal(HttpAnswer response) {
        int status = response.status();
        String challenge = response.header("WWW-Authenticate");
        if (auth == UpstreamAuth.NONE || !(status == 401 || status == 403 && challenge != null)) {
            return null;
        }
        UpstreamAuth.Outcome outcome = auth.onUnauthorized(status, challenge);
        log.debug("server '{}': HTTP {} answered with {}", serverName, status, outcome.kind());
        return outcome;
    }

    /** The failure for a refusal the credentials could not recover from (or a second one after a retry). */
    UpstreamAuthFailure refused(int status, String what, UpstreamAuth.Outcome outcome) {
        return new UpstreamAuthFailure(serverName, status, what, outcome);
    }

    /** The session id the server gave on initialize; null before, after expiry, or for a stateless server. */
    String sessionId() {
        return sessionId;
    }

    /** An initialize is on its way: the old id and version must not leak into the new session. */
    void startNew() {
        sessionId = null;
        protocolVersion = null;
    }

    /** The server's answer to initialize named this session (null: a stateless server). */
    void assigned(String id) {
        sessionId = id;
        log.debug("server '{}': session id {}", serverName, id == null ? "(none: stateless server)" : shortId(id));
    }

    /** Initialized: {@code MCP-Protocol-Version} goes on every later request. */
    void negotiated(String version) {
        protocolVersion = version;
    }

    /**
     * The server answered 404 for {@code expired}: forget it, unless a concurrent initialize already brought a
     * new one. True when it was forgotten now.
     */
    boolean expired(String expired) {
        if (expired == null || !Objects.equals(sessionId, expired)) {
            return false;
        }
        sessionId = null;
        protocolVersion = null;
        log.info("server '{}': session {} expired (HTTP 404); forgotten", serverName, shortId(expired));
        return true;
    }

    /** Stops the HTTP client (aborting what it still holds) if this session made it. */
    void release() {
        if (ownsClient) {
            UpstreamHttpClient.stop(client);
        }
    }

    /** A session id is a credential: logs carry a prefix only. */
    static String shortId(String id) {
        return id.length() <= 8 ? id : id.substring(0, 8) + "...";
    }
}
