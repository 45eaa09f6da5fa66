package dev.dynamicmcp.auth;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The proxy as an OAuth 2.1 resource server ({@code proxy.auth} in the config file).
 *
 * <pre>{@code
 * "auth": {
 *   "issuer": "https://idp.example.com",          // required: the authorization server's issuer identifier
 *   "audience": "https://proxy.example.com/mcp",  // required: this proxy's resource URI (RFC 8707); aud must contain it
 *   "requiredScopes": ["mcp"],                    // every call needs all of these
 *   "adminScope": "mcp:admin",                    // /admin needs this one (default "mcp:admin")
 *   "profileClaim": "scope",                      // the claim whose values select profiles (default "scope")
 *   "profiles": {"ops": ["profile:ops"]},         // profile -> claim values, any one of which lets a caller in
 *   "clockSkewSeconds": 60,                       // leeway on exp / nbf / iat (0..300, default 60)
 *   "jwksUri": "https://idp.example.com/keys"     // optional: overrides the jwks_uri of the issuer's metadata
 * }
 * }</pre>
 *
 * A profile not named in {@code profiles} is open to every caller whose token passes the other checks.
 *
 * @param issuer         the authorization server's issuer identifier; tokens must carry exactly this {@code iss}
 * @param audience       this proxy's resource URI; tokens must name it (or the profile's own URI) in {@code aud}
 * @param requiredScopes scopes every request needs
 * @param adminScope     the scope {@code /admin} needs
 * @param profileClaim   the claim whose values name the profiles a caller may use
 * @param profiles       profile name to the claim values that open it
 * @param clockSkew      leeway on time claims
 * @param jwksUri        the key set URL, or {@code null} to take it from the issuer's metadata
 */
public record AuthSettings(URI issuer, String audience, List<String> requiredScopes, String adminScope,
                           String profileClaim, Map<String, List<String>> profiles, Duration clockSkew,
                           URI jwksUri) {
    public static final String DEFAULT_ADMIN_SCOPE = "mcp:admin";
    private static final Set<String> KEYS = Set.of("issuer", "audience", "requiredScopes", "adminScope",
            "profileClaim", "profiles", "clockSkewSeconds", "jwksUri");

    public AuthSettings {
        requiredScopes = List.copyOf(requiredScopes);
        profiles = Map.copyOf(profiles);
    }

    /** Reads {@code proxy.auth}; key paths in the problems start with {@code proxy.auth}. */
    public static Parsed<AuthSettings> fromJson(ObjectNode node) {
        return fromJson(node, "proxy.auth");
    }

    public static Parsed<AuthSettings> fromJson(ObjectNode node, String path) {
        SettingsReader read = new SettingsReader(node, null, path);
        read.onlyKeys(KEYS);
        URI issuer = read.url("issuer", true);
        URI audience = read.url("audience", true);
        List<String> required = read.words("requiredScopes");
        String admin = read.string("adminScope", false);
        if (admin != null && admin.contains(" ")) {
            read.problem("adminScope", "must be one scope, without spaces");
        }
        String claim = read.string("profileClaim", false);
        Map<String, List<String>> profiles = read.wordLists("profiles");
        int skew = read.integer("clockSkewSeconds", 60, 0, 300);
        URI jwks = read.url("jwksUri", false);
        if (!read.problems().isEmpty()) {
            return new Parsed<>(null, read.problems());
        }
        return new Parsed<>(new AuthSettings(issuer, ResourceUris.canonical(audience.toString()), required,
                admin == null ? DEFAULT_ADMIN_SCOPE : admin, claim == null ? "scope" : claim, profiles,
                Duration.ofSeconds(skew), jwks), List.of());
    }
}
