package dev.dynamicmcp.auth.upstream;

import java.time.Instant;

/**
 * What the proxy holds for one (server, principal): the client registration it used at the authorization
 * server {@code issuer}, and the tokens it got. Bound to its {@link Binding}: {@link TokenStore} refuses to
 * hand it out for any other. Secrets never appear in {@link #toString()}.
 *
 * @param clientSecret  a dynamically registered client's secret, or {@code null}
 * @param accessToken   or {@code null} before sign-in
 * @param refreshToken  or {@code null} (client credentials, or the server issued none)
 * @param expiresAt     when the access token expires, or {@code null} when the server did not say
 */
public record StoredCredential(Binding binding, String issuer, String clientId, String clientSecret,
                               String accessToken, String refreshToken, Instant expiresAt, String scope) {

    /** One upstream resource as seen by one downstream principal ({@value #SHARED} when not per-user). */
    public record Binding(String server, String resource, String principal) {
        public static final String SHARED = "shared";
    }

    public static final String SHARED = Binding.SHARED;

    public StoredCredential withTokens(String access, String refresh, Instant expires, String grantedScope) {
        return new StoredCredential(binding, issuer, clientId, clientSecret, access, refresh, expires, grantedScope);
    }

    /** The same registration, no tokens: after a refresh token is refused. */
    public StoredCredential signedOut() {
        return withTokens(null, null, null, scope);
    }

    @Override
    public String toString() {
        return "StoredCredential[" + binding + ", issuer=" + issuer + ", clientId=" + clientId
                + ", clientSecret=" + mask(clientSecret) + ", accessToken=" + mask(accessToken)
                + ", refreshToken=" + mask(refreshToken) + ", expiresAt=" + expiresAt + ", scope=" + scope + "]";
    }

    private static String mask(String secret) {
        return secret == null ? "none" : "***";
    }
}
