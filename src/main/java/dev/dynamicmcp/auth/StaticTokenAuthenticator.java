package dev.dynamicmcp.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * The simple mode: one shared bearer token ({@code proxy.authToken}), compared in constant time. Its holder
 * is the operator ({@link Principal#staticToken()}), allowed every path.
 */
public final class StaticTokenAuthenticator implements Authenticator {
    private final byte[] token;
    private final Result allowed = new Result.Allowed(Principal.staticToken());

    public StaticTokenAuthenticator(String token) {
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("the static token is empty");
        }
        this.token = token.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public Result authenticate(String authorizationHeader, String path) {
        if (authorizationHeader == null || authorizationHeader.isBlank()) {
            return Result.Challenge.of(401, "Bearer", "invalid_request",
                    "send Authorization: Bearer <proxy.authToken>");
        }
        String presented = Authenticator.bearerToken(authorizationHeader);
        // isEqual's time depends on the lengths only, never on where the bytes differ.
        byte[] given = presented == null ? new byte[0] : presented.getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(token, given)) {
            return Result.Challenge.of(401, "Bearer error=\"invalid_token\"", "invalid_token",
                    "the bearer token is wrong");
        }
        return allowed;
    }

    @Override
    public String toString() {
        return "StaticTokenAuthenticator[" + List.of("***") + "]";
    }
}
