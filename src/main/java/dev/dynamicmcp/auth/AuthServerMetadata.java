package dev.dynamicmcp.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * An authorization server's metadata (RFC 8414, or OpenID Connect Discovery), found from its issuer
 * identifier by trying the well-known URLs in the order the MCP authorization spec gives, and accepted only
 * when its {@code issuer} is identical to the one asked for (RFC 8414 §3.3: a document that names another
 * issuer is an attack, not a fallback).
 *
 * @param document the whole document, for fields not modelled here
 */
public record AuthServerMetadata(String issuer, URI authorizationEndpoint, URI tokenEndpoint, URI jwksUri,
                                 URI registrationEndpoint, URI revocationEndpoint, List<String> codeChallengeMethods,
                                 boolean issParameterSupported, boolean clientIdMetadataDocumentSupported,
                                 List<String> tokenEndpointAuthMethods, List<String> scopesSupported,
                                 ObjectNode document) {

    /** The well-known URLs to try for an issuer, in the spec's priority order. */
    public static List<URI> candidates(String issuer) {
        URI uri = URI.create(issuer);
        String origin = ResourceUris.origin(uri);
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        if (path.isEmpty()) {
            return List.of(URI.create(origin + "/.well-known/oauth-authorization-server"),
                    URI.create(origin + "/.well-known/openid-configuration"));
        }
        return List.of(URI.create(origin + "/.well-known/oauth-authorization-server" + path),
                URI.create(origin + "/.well-known/openid-configuration" + path),
                URI.create(origin + path + "/.well-known/openid-configuration"));
    }

    /** Fetches and validates the metadata of {@code issuer}; the exception says which URLs were tried and why. */
    public static AuthServerMetadata discover(String issuer, OAuthHttp http) throws IOException {
        OAuthHttp.Document found = http.firstDocument(candidates(issuer), "authorization server metadata for " + issuer);
        String named = found.answer().text("issuer");
        if (!issuer.equals(named)) {
            // Simple string comparison, no normalisation (RFC 8414 §3.3, MCP 2026-07-28).
            throw new IOException("the metadata at " + found.url() + " names issuer \"" + named
                    + "\", not \"" + issuer + "\"; refusing it");
        }
        return from(found.answer().body());
    }

    static AuthServerMetadata from(ObjectNode doc) throws IOException {
        return new AuthServerMetadata(doc.path("issuer").asText(), uri(doc, "authorization_endpoint"),
                uri(doc, "token_endpoint"), uri(doc, "jwks_uri"), uri(doc, "registration_endpoint"),
                uri(doc, "revocation_endpoint"), strings(doc, "code_challenge_methods_supported"),
                doc.path("authorization_response_iss_parameter_supported").asBoolean(false),
                doc.path("client_id_metadata_document_supported").asBoolean(false),
                strings(doc, "token_endpoint_auth_methods_supported"), strings(doc, "scopes_supported"), doc);
    }

    /** PKCE with S256 is advertised; without it an MCP client must not start the code flow. */
    public boolean supportsS256() {
        return codeChallengeMethods.contains("S256");
    }

    private static URI uri(ObjectNode doc, String field) throws IOException {
        JsonNode value = doc.get(field);
        if (value == null || !value.isTextual()) {
            return null;
        }
        try {
            return URI.create(value.asText());
        } catch (IllegalArgumentException e) {
            throw new IOException("authorization server metadata: " + field + " is not a URL");
        }
    }

    public static List<String> strings(JsonNode doc, String field) {
        JsonNode value = doc.get(field);
        List<String> out = new ArrayList<>();
        if (value != null && value.isArray()) {
            value.forEach(v -> out.add(v.asText()));
        }
        return List.copyOf(out);
    }
}
