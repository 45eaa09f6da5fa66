package dev.dynamicmcp.auth;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who is calling: the subject of a validated access token (or the holder of the static token), with the
 * scopes it was granted and its claims. Carries no token: nothing downstream can pass it on (MCP forbids
 * token passthrough).
 *
 * @param subject the {@code sub} claim ({@value #STATIC_SUBJECT} for the static token, {@value #ANONYMOUS_SUBJECT}
 *                when no authentication is configured)
 * @param issuer  the {@code iss} claim, or {@code null} outside OAuth
 * @param scopes  granted scopes
 * @param claims  every claim of the token (JSON values as Java lists, maps, strings, numbers)
 */
public record Principal(String subject, String issuer, Set<String> scopes, Map<String, Object> claims) {
    public static final String STATIC_SUBJECT = "static-token";
    public static final String ANONYMOUS_SUBJECT = "anonymous";

    public Principal {
        scopes = Set.copyOf(scopes);
        claims = Map.copyOf(claims);
    }

    /** The holder of the static bearer token: the operator, allowed everything. */
    public static Principal staticToken() {
        return new Principal(STATIC_SUBJECT, null, Set.of(), Map.of());
    }

    /** No authentication configured (loopback development). */
    public static Principal anonymous() {
        return new Principal(ANONYMOUS_SUBJECT, null, Set.of(), Map.of());
    }

    /** True for a token holder identified by an authorization server (per-user upstream credentials need one). */
    public boolean isUser() {
        return issuer != null;
    }

    /** A stable key for per-user state: issuer and subject (a subject is unique only within its issuer). */
    public String key() {
        return issuer == null ? subject : issuer + "#" + subject;
    }

    /** The values of one claim as strings: a space-separated string (like {@code scope}) or an array. */
    public List<String> claimValues(String claim) {
        if (claim.equals("scope") || claim.equals("scp")) {
            return List.copyOf(scopes);
        }
        Object value = claims.get(claim);
        if (value instanceof String text) {
            return List.of(text.trim().split("\\s+"));
        }
        if (value instanceof List<?> list) {
            return list.stream().map(String::valueOf).toList();
        }
        return value == null ? List.of() : List.of(String.valueOf(value));
    }

    @Override
    public String toString() {
        return "Principal[" + subject + (issuer == null ? "" : " from " + issuer) + ", scopes=" + scopes + "]";
    }
}
