package dev.dynamicmcp.auth.upstream;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.auth.OAuthHttp;
import dev.dynamicmcp.auth.ResourceUris;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * An upstream's RFC 9728 document, found from the 401's {@code resource_metadata} or else from the well-known
 * URLs in the MCP spec's order (path-suffixed first, then the root), and accepted only when its
 * {@code resource} is the upstream it was fetched for.
 */
record ProtectedResourceMetadata(String resource, List<String> authorizationServers, List<String> scopesSupported) {

    static List<URI> candidates(URI upstream) {
        String origin = ResourceUris.origin(upstream);
        String path = upstream.getRawPath() == null ? "" : upstream.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        List<URI> out = new ArrayList<>();
        if (!path.isEmpty()) {
            out.add(URI.create(origin + "/.well-known/oauth-protected-resource" + path));
        }
        out.add(URI.create(origin + "/.well-known/oauth-protected-resource"));
        return out;
    }

    static ProtectedResourceMetadata discover(URI upstream, String resourceMetadataUrl, OAuthHttp http) throws IOException {
        List<URI> candidates = resourceMetadataUrl != null ? List.of(URI.create(resourceMetadataUrl)) : candidates(upstream);
        OAuthHttp.Document found = http.firstDocument(candidates, "protected resource metadata for " + upstream);
        return validate(upstream, found.url(), found.answer().body());
    }

    private static ProtectedResourceMetadata validate(URI upstream, URI from, ObjectNode doc) throws IOException {
        String resource = doc.path("resource").asText(null);
        List<String> servers = dev.dynamicmcp.auth.AuthServerMetadata.strings(doc, "authorization_servers");
        if (resource == null) {
            throw new IOException("the protected resource metadata at " + from + " has no resource");
        }
        // The document must describe the upstream we talk to: the same origin, and a path the upstream's is
        // under (a server may protect https://h/ as a whole). Anything else could steer tokens elsewhere.
        String canonical = ResourceUris.canonical(resource);
        String target = ResourceUris.canonical(upstream.toString());
        if (!ResourceUris.sameOrigin(URI.create(canonical), upstream)
                || !(target.equals(canonical) || target.startsWith(canonical + "/"))) {
            throw new IOException("the protected resource metadata at " + from + " is for " + resource
                    + ", not for " + upstream + "; refusing it");
        }
        if (servers.isEmpty()) {
            throw new IOException("the protected resource metadata at " + from + " names no authorization_servers");
        }
        return new ProtectedResourceMetadata(resource, servers,
                dev.dynamicmcp.auth.AuthServerMetadata.strings(doc, "scopes_supported"));
    }
}
