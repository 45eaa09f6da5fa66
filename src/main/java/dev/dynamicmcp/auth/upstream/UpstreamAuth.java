package dev.dynamicmcp.auth.upstream;

import java.net.URI;
import java.util.Map;

/**
 * The seam between an HTTP transport (Streamable HTTP, legacy SSE) and the upstream's credentials. A transport
 * calls {@link #headers} before every request it sends, and {@link #onUnauthorized} when an answer is 401, or
 * 403 with a {@code WWW-Authenticate} header; on {@link Outcome.Kind#RETRY} it sends the same request once more
 * with fresh {@link #headers}, otherwise it fails the request with {@link Outcome#message()}.
 *
 * <p>Implementations are thread-safe, may block (token requests; call them from a virtual thread), and never
 * throw: failures are outcomes and {@link #status()}.
 */
public interface UpstreamAuth {
    /** No credentials: no headers, and a 401 is final. */
    UpstreamAuth NONE = new UpstreamAuth() {
        @Override
        public Map<String, String> headers(URI target) {
            return Map.of();
        }

        @Override
        public Outcome onUnauthorized(int status, String wwwAuthenticate) {
            return new Outcome(Outcome.Kind.FAILED, "the server answered HTTP " + status
                    + " and has no oauth settings (add \"oauth\": {} to its config to sign in)", null);
        }

        @Override
        public Status status() {
            return new Status(State.NOT_CONFIGURED, "no OAuth", null);
        }
    };

    /**
     * Headers to add to a request to {@code target} ({@code Authorization: Bearer ...}), refreshing an access
     * token that is about to expire. Empty when there is no token yet, or when {@code target} is not on the
     * origin the token was issued for (a token is never sent to another server, e.g. an SSE endpoint event
     * naming a foreign host).
     */
    Map<String, String> headers(URI target);

    /**
     * The upstream refused a request.
     *
     * @param status          401 or 403
     * @param wwwAuthenticate the {@code WWW-Authenticate} header, or {@code null}
     */
    Outcome onUnauthorized(int status, String wwwAuthenticate);

    /** For {@code check}, {@code /status} and the console: where this credential stands. */
    Status status();

    /** What to do after a refusal. */
    record Outcome(Kind kind, String message, URI signInUrl) {
        public enum Kind {
            /** New credentials are in place: send the request again, once. */
            RETRY,
            /** A person must sign in at {@code signInUrl}; fail the request, do not retry in a loop. */
            SIGN_IN_REQUIRED,
            /** Nothing to do (misconfiguration, the authorization server is down...): fail the request. */
            FAILED
        }
    }

    enum State {
        NOT_CONFIGURED,
        /** No token yet; nothing has been refused either (the upstream may not need one). */
        NO_TOKEN,
        AUTHORIZED,
        SIGN_IN_REQUIRED,
        FAILED
    }

    /** @param signInUrl where a person signs in, when {@code state} is {@link State#SIGN_IN_REQUIRED} */
    record Status(State state, String detail, URI signInUrl) {
    }
}
