package dev.dynamicmcp.auth;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;

/**
 * Decides whether one downstream HTTP request may go on, from its {@code Authorization} header and path
 * alone: a pure function of its inputs (plus the verifier's cached keys), so the HTTP guard calls it before
 * any route and writes the challenge it returns as is.
 */
public interface Authenticator {
    /**
     * @param authorizationHeader the request's {@code Authorization} header, or {@code null}
     * @param path                the path in context, e.g. {@code /mcp}, {@code /mcp/dev}, {@code /admin/servers}
     */
    Result authenticate(String authorizationHeader, String path);

    /** The outcome: go on as {@code principal}, or answer with this status, header and JSON body. */
    sealed interface Result {
        record Allowed(Principal principal) implements Result {
        }

        /**
         * @param status          401, 403 or 503
         * @param wwwAuthenticate the {@code WWW-Authenticate} value to send, or {@code null}
         * @param body            {@code {"error": ..., "error_description": ...}} (RFC 6750 names)
         */
        record Challenge(int status, String wwwAuthenticate, ObjectNode body) implements Result {
            static Challenge of(int status, String wwwAuthenticate, String error, String description) {
                ObjectNode body = Json.object();
                body.put("error", error);
                body.put("error_description", description);
                return new Challenge(status, wwwAuthenticate, body);
            }
        }
    }

    /** No authentication (loopback development): everyone is {@link Principal#anonymous()}. */
    static Authenticator none() {
        Result anonymous = new Result.Allowed(Principal.anonymous());
        return (header, path) -> anonymous;
    }

    /**
     * The bearer token from an {@code Authorization} header ({@code Bearer} in any case, RFC 6750 §2.1), or
     * {@code null} when the header is missing or uses another scheme.
     */
    static String bearerToken(String authorizationHeader) {
        if (authorizationHeader == null) {
            return null;
        }
        String value = authorizationHeader.strip();
        if (value.length() < 7 || !value.regionMatches(true, 0, "Bearer", 0, 6) || value.charAt(6) != ' ') {
            return null;
        }
        String token = value.substring(7).strip();
        return token.isEmpty() || token.contains(" ") ? null : token;
    }
}
