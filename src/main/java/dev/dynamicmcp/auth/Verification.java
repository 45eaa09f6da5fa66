package dev.dynamicmcp.auth;

import java.util.List;

/** What {@link TokenVerifier} says of one access token. Reasons never contain the token. */
public sealed interface Verification {
    /** The token is good for this resource and has every scope asked for. */
    record Valid(Principal principal) implements Verification {
    }

    /** Not a token for us (bad signature, expired, other audience, malformed...): 401 invalid_token. */
    record Invalid(String reason) implements Verification {
    }

    /** A good token lacking scopes: 403 insufficient_scope, naming every scope the request needs. */
    record InsufficientScope(Principal principal, List<String> needed) implements Verification {
    }

    /** The authorization server's metadata or keys could not be fetched: 503, the token may be fine. */
    record Unavailable(String reason) implements Verification {
    }
}
