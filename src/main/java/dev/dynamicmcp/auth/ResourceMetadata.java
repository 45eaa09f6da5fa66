package dev.dynamicmcp.auth;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import java.net.URI;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * This proxy's OAuth 2.0 Protected Resource Metadata (RFC 9728) and the {@code WWW-Authenticate} challenges
 * that point to it (RFC 6750 §3, RFC 9728 §5.1).
 *
 * <p>The configured audience is the base resource, e.g. {@code https://proxy.example.com/mcp}. Its document is
 * served at {@code /.well-known/oauth-protected-resource} and at the path-suffixed form
 * {@code /.well-known/oauth-protected-resource/mcp}; each profile endpoint {@code /mcp/{profile}} is a
 * resource of its own ({@code https://proxy.example.com/mcp/{profile}}), with its document at
 * {@code /.well-known/oauth-protected-resource/mcp/{profile}}. A client that follows the MCP spec asks its
 * authorization server for a token for exactly the endpoint it calls; the verifier accepts either.
 */
public final class ResourceMetadata {
    public static final String WELL_KNOWN = "/.well-known/oauth-protected-resource";
    public static final String MCP_PATH = "/mcp";

    private final String audience;
    private final String origin;
    private final List<String> authorizationServers;
    private final List<String> scopesSupported;

    /**
     * @param audience             the base resource URI (canonical)
     * @param authorizationServers issuer identifiers clients may get tokens from
     * @param scopesSupported      the scopes a client should ask for at first (the required ones)
     */
    public ResourceMetadata(String audience, List<String> authorizationServers, List<String> scopesSupported) {
        this.audience = ResourceUris.canonical(audience);
        this.origin = ResourceUris.origin(URI.create(this.audience));
        this.authorizationServers = List.copyOf(authorizationServers);
        this.scopesSupported = List.copyOf(scopesSupported);
    }

    public static ResourceMetadata of(AuthSettings settings) {
        return new ResourceMetadata(settings.audience(), List.of(settings.issuer().toString()), settings.requiredScopes());
    }

    public String audience() {
        return audience;
    }

    /** True for the paths of the metadata documents, which need no token. */
    public static boolean isMetadataPath(String path) {
        return path.equals(WELL_KNOWN) || path.startsWith(WELL_KNOWN + "/");
    }

    /**
     * The resource URI a request path belongs to: the base audience, or for {@code /mcp/{profile}[/...]} the
     * profile's endpoint URI.
     */
    public String resourceFor(String path) {
        Optional<String> profile = profileOf(path);
        return profile.map(p -> origin + MCP_PATH + "/" + p).orElse(audience);
    }

    /** The audiences a token for a request to {@code path} may carry (canonical): the base or its profile's. */
    public List<String> acceptedAudiences(String path) {
        String own = resourceFor(path);
        return own.equals(audience) ? List.of(audience) : List.of(own, audience);
    }

    /** {@code /mcp/dev} and {@code /mcp/dev/anything} name profile {@code dev}; other paths none. */
    public static Optional<String> profileOf(String path) {
        if (!path.startsWith(MCP_PATH + "/")) {
            return Optional.empty();
        }
        String rest = path.substring(MCP_PATH.length() + 1);
        int slash = rest.indexOf('/');
        String name = slash < 0 ? rest : rest.substring(0, slash);
        return name.isEmpty() ? Optional.empty() : Optional.of(name);
    }

    /** The document's URL for a request path (what {@code resource_metadata} points to). */
    public String metadataUrl(String path) {
        String resource = resourceFor(path);
        String resourcePath = resource.substring(origin.length());
        return origin + WELL_KNOWN + resourcePath;
    }

    /** The document served at a well-known path, or empty when that path names no resource of ours. */
    public Optional<ObjectNode> document(String wellKnownPath) {
        if (!isMetadataPath(wellKnownPath)) {
            return Optional.empty();
        }
        String suffix = wellKnownPath.substring(WELL_KNOWN.length());
        String resource;
        if (suffix.isEmpty() || suffix.equals("/")) {
            resource = audience;
        } else {
            String candidate = ResourceUris.canonical(origin + suffix);
            if (candidate.equals(audience)) {
                resource = audience;
            } else if (profileOf(suffix).isPresent() && suffix.equals(MCP_PATH + "/" + profileOf(suffix).get())) {
                resource = candidate;
            } else {
                return Optional.empty();
            }
        }
        ObjectNode doc = Json.object();
        doc.put("resource", resource);
        ArrayNode servers = doc.putArray("authorization_servers");
        authorizationServers.forEach(servers::add);
        if (!scopesSupported.isEmpty()) {
            ArrayNode scopes = doc.putArray("scopes_supported");
            scopesSupported.forEach(scopes::add);
        }
        doc.putArray("bearer_methods_supported").add("header");
        doc.put("resource_name", "Dynamic MCP Proxy");
        return Optional.of(doc);
    }

    /** 401: no token or a bad one. {@code error} is {@code null} when no token was sent (RFC 6750 §3.1). */
    public String unauthorized(String path, Collection<String> scopes, String error, String description) {
        StringBuilder header = new StringBuilder("Bearer ");
        param(header, "resource_metadata", metadataUrl(path));
        if (!scopes.isEmpty()) {
            param(header, "scope", String.join(" ", scopes));
        }
        if (error != null) {
            param(header, "error", error);
        }
        if (description != null) {
            param(header, "error_description", description);
        }
        return header.toString();
    }

    /** 403 insufficient_scope, naming every scope the request needs in one challenge (step-up). */
    public String insufficientScope(String path, Collection<String> needed, String description) {
        StringBuilder header = new StringBuilder("Bearer ");
        param(header, "error", "insufficient_scope");
        param(header, "scope", String.join(" ", needed));
        param(header, "resource_metadata", metadataUrl(path));
        if (description != null) {
            param(header, "error_description", description);
        }
        return header.toString();
    }

    private static void param(StringBuilder header, String name, String value) {
        if (header.charAt(header.length() - 1) != ' ') {
            header.append(", ");
        }
        header.append(name).append("=\"");
        for (char c : value.toCharArray()) {
            if (c == '"' || c == '\\') {
                header.append('\\');
            }
            header.append(c < 0x20 || c == 0x7f ? ' ' : c); // no header injection through a description
        }
        header.append('"');
    }
}
