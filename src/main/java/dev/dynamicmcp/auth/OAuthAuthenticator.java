package dev.dynamicmcp.auth;

import dev.dynamicmcp.auth.AccessPolicy.Decision;

/**
 * The proxy as an OAuth 2.1 resource server: bearer JWTs checked by {@link TokenVerifier}, the
 * {@link AccessPolicy} applied, and the MCP-shaped answers when they fail: 401 with
 * {@code resource_metadata} and {@code scope} (no token, or a bad one), 403 {@code insufficient_scope} for
 * step-up, 400 for a header that is not a bearer token, 503 when the identity provider cannot be reached.
 * The metadata documents themselves ({@code /.well-known/oauth-protected-resource...}) need no token.
 */
public final class OAuthAuthenticator implements Authenticator {
    private final TokenVerifier verifier;
    private final ResourceMetadata metadata;
    private final AccessPolicy policy;
    private final Result anonymous = new Result.Allowed(Principal.anonymous());

    public OAuthAuthenticator(TokenVerifier verifier, ResourceMetadata metadata, AccessPolicy policy) {
        this.verifier = verifier;
        this.metadata = metadata;
        this.policy = policy;
    }

    public static OAuthAuthenticator of(TokenVerifier verifier) {
        AuthSettings settings = verifier.settings();
        return new OAuthAuthenticator(verifier, ResourceMetadata.of(settings), AccessPolicy.of(settings));
    }

    public ResourceMetadata metadata() {
        return metadata;
    }

    @Override
    public Result authenticate(String authorizationHeader, String path) {
        if (ResourceMetadata.isMetadataPath(path)) {
            return anonymous;
        }
        var needed = policy.scopesFor(path);
        if (authorizationHeader == null || authorizationHeader.isBlank()) {
            return Result.Challenge.of(401, metadata.unauthorized(path, needed, null, null), "invalid_request",
                    "this resource needs an OAuth access token (see " + metadata.metadataUrl(path) + ")");
        }
        String token = Authenticator.bearerToken(authorizationHeader);
        if (token == null) {
            String description = "the Authorization header is not a Bearer token";
            return Result.Challenge.of(400, metadata.unauthorized(path, needed, "invalid_request", description),
                    "invalid_request", description);
        }
        Verification verification = verifier.verify(token, metadata.acceptedAudiences(path), needed);
        return switch (verification) {
            case Verification.Invalid invalid -> Result.Challenge.of(401,
                    metadata.unauthorized(path, needed, "invalid_token", invalid.reason()), "invalid_token",
                    invalid.reason());
            case Verification.InsufficientScope insufficient -> {
                String description = "this request needs scope " + String.join(" ", insufficient.needed());
                yield Result.Challenge.of(403, metadata.insufficientScope(path, insufficient.needed(), description),
                        "insufficient_scope", description);
            }
            case Verification.Unavailable unavailable -> Result.Challenge.of(503, null, "temporarily_unavailable",
                    unavailable.reason());
            case Verification.Valid valid -> switch (policy.check(valid.principal(), path)) {
                case Decision.Allow allow -> new Result.Allowed(valid.principal());
                case Decision.Deny deny when !deny.scopes().isEmpty() -> Result.Challenge.of(403,
                        metadata.insufficientScope(path, deny.scopes(), deny.reason()), "insufficient_scope",
                        deny.reason());
                case Decision.Deny deny -> Result.Challenge.of(403, null, "access_denied", deny.reason());
            };
        };
    }
}
