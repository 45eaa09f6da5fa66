package dev.dynamicmcp.auth.upstream;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.auth.AuthServerMetadata;
import dev.dynamicmcp.auth.OAuthHttp;
import dev.dynamicmcp.auth.ResourceUris;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.runtime.Scheduler;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The steps of the MCP authorization flow as a client, each one exchange with no state of its own:
 * discovery (protected resource, then authorization server), client registration (pre-registered, Client ID
 * Metadata Document, or dynamic registration, in the spec's order), the authorization request (PKCE S256,
 * {@code resource}, {@code state}), and the token requests (code, refresh, client credentials), each with the
 * {@code resource} parameter (RFC 8707).
 *
 * <p>PKCE verifiers and {@code state} come from {@link SecureRandom}, not the Scheduler's jitter source: they
 * are secrets, not timing.
 */
final class OAuthFlow {
    /** The upstream's resource metadata and the authorization server it names, both validated. */
    record Discovery(ProtectedResourceMetadata resource, AuthServerMetadata server) {
    }

    /**
     * A client identity at one authorization server. {@code authMethod}: none, client_secret_basic, _post, or
     * private_key_jwt (then {@code assertion} signs for it).
     */
    record Client(String clientId, String clientSecret, String authMethod, boolean dynamic, ClientAssertion assertion) {
        Client(String clientId, String clientSecret, String authMethod, boolean dynamic) {
            this(clientId, clientSecret, authMethod, dynamic, null);
        }

        @Override
        public String toString() {
            return "Client[" + clientId + ", " + authMethod + (clientSecret == null ? "" : ", secret ***") + "]";
        }
    }

    record Tokens(String accessToken, String refreshToken, Instant expiresAt, String scope) {
        @Override
        public String toString() {
            return "Tokens[access ***, refresh " + (refreshToken == null ? "none" : "***") + ", expires " + expiresAt + "]";
        }
    }

    /** A token endpoint's answer: tokens, or the OAuth error it gave (invalid_grant...). */
    sealed interface TokenResult {
        record Granted(Tokens tokens) implements TokenResult {
        }

        record Refused(String error, String description) implements TokenResult {
        }
    }

    /** A started authorization request: the URL to open, and what the callback needs. */
    record AuthorizationRequest(URI url, String state, String codeVerifier) {
        @Override
        public String toString() {
            return "AuthorizationRequest[" + url + "]";
        }
    }

    private final OAuthHttp http;
    private final Scheduler scheduler;
    private final SecureRandom random = new SecureRandom();

    OAuthFlow(OAuthHttp http, Scheduler scheduler) {
        this.http = http;
        this.scheduler = scheduler;
    }

    Discovery discover(URI upstream, String resourceMetadataUrl) throws IOException {
        ProtectedResourceMetadata resource = ProtectedResourceMetadata.discover(upstream, resourceMetadataUrl, http);
        // RFC 9728 §7.6: the choice among several servers is the client's; the first is the server's preference.
        String issuer = resource.authorizationServers().get(0);
        return new Discovery(resource, AuthServerMetadata.discover(issuer, http));
    }

    /**
     * A client identity: pre-registered from settings, else the proxy's Client ID Metadata Document where the
     * server supports them, else dynamic registration (RFC 7591) where it offers it.
     */
    Client register(AuthServerMetadata server, UpstreamOAuthSettings settings, URI redirectUri, String serverName)
            throws IOException {
        if (settings.clientId() != null && settings.clientPrivateKey() != null) {
            return new Client(settings.clientId(), null, "private_key_jwt", false,
                    ClientAssertion.parse(settings.clientPrivateKey()));
        }
        if (settings.clientId() != null) {
            String method = settings.clientSecret() == null ? "none"
                    : server.tokenEndpointAuthMethods().isEmpty()
                            || server.tokenEndpointAuthMethods().contains("client_secret_basic")
                            ? "client_secret_basic" : "client_secret_post";
            return new Client(settings.clientId(), settings.clientSecret(), method, false);
        }
        if (server.clientIdMetadataDocumentSupported() && settings.clientMetadataUrl() != null) {
            return new Client(settings.clientMetadataUrl().toString(), null, "none", false);
        }
        if (server.registrationEndpoint() == null) {
            throw new IOException("the authorization server " + server.issuer() + " offers no way to register ("
                    + "no client_id_metadata_document_supported, no registration_endpoint): set oauth.clientId for "
                    + serverName);
        }
        ObjectNode request = Json.object();
        request.put("client_name", "Dynamic MCP Proxy (" + serverName + ")");
        request.putArray("redirect_uris").add(redirectUri.toString());
        request.putArray("grant_types").add("authorization_code").add("refresh_token");
        request.putArray("response_types").add("code");
        request.put("token_endpoint_auth_method", "none");
        // MCP 2026-07-28: say the application type; a loopback redirect is a native app's.
        boolean loopback = redirectUri.getHost() != null && (redirectUri.getHost().equals("127.0.0.1")
                || redirectUri.getHost().equalsIgnoreCase("localhost") || redirectUri.getHost().equals("[::1]"));
        request.put("application_type", loopback ? "native" : "web");
        OAuthHttp.Answer answer = http.postJson(server.registrationEndpoint(), request);
        String clientId = answer.text("client_id");
        if (!answer.ok() || clientId == null) {
            throw new IOException("dynamic client registration at " + server.registrationEndpoint()
                    + " failed: " + answer.describeError());
        }
        String secret = answer.text("client_secret");
        String method = answer.text("token_endpoint_auth_method");
        return new Client(clientId, secret, method == null ? (secret == null ? "none" : "client_secret_basic") : method, true);
    }

    AuthorizationRequest authorizationRequest(Discovery discovery, Client client, URI redirectUri, List<String> scopes) {
        String verifier = randomToken(32);
        String state = randomToken(24);
        Map<String, String> query = new LinkedHashMap<>();
        query.put("response_type", "code");
        query.put("client_id", client.clientId());
        query.put("redirect_uri", redirectUri.toString());
        if (!scopes.isEmpty()) {
            query.put("scope", String.join(" ", scopes));
        }
        query.put("state", state);
        query.put("code_challenge", challengeOf(verifier));
        query.put("code_challenge_method", "S256");
        query.put("resource", discovery.resource().resource());
        URI endpoint = discovery.server().authorizationEndpoint();
        String separator = endpoint.getRawQuery() == null ? "?" : "&";
        return new AuthorizationRequest(URI.create(endpoint + separator + OAuthHttp.form(query)), state, verifier);
    }

    TokenResult exchangeCode(Discovery discovery, Client client, String code, String verifier, URI redirectUri)
            throws IOException {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "authorization_code");
        form.put("code", code);
        form.put("redirect_uri", redirectUri.toString());
        form.put("code_verifier", verifier);
        form.put("resource", discovery.resource().resource());
        return token(discovery, client, form);
    }

    TokenResult refresh(Discovery discovery, Client client, String refreshToken) throws IOException {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "refresh_token");
        form.put("refresh_token", refreshToken);
        form.put("resource", discovery.resource().resource());
        return token(discovery, client, form);
    }

    TokenResult clientCredentials(Discovery discovery, Client client, List<String> scopes) throws IOException {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "client_credentials");
        if (!scopes.isEmpty()) {
            form.put("scope", String.join(" ", scopes));
        }
        form.put("resource", discovery.resource().resource());
        return token(discovery, client, form);
    }

    private TokenResult token(Discovery discovery, Client client, Map<String, String> form) throws IOException {
        URI endpoint = discovery.server().tokenEndpoint();
        if (endpoint == null) {
            throw new IOException("the authorization server " + discovery.server().issuer() + " has no token_endpoint");
        }
        String user = null;
        String secret = null;
        if (client.assertion() != null) {
            // RFC 7523 §2.2; the audience is the issuer (MCP's client-credentials extension, RFC 7523bis)
            form.put("client_id", client.clientId());
            form.put("client_assertion_type", ClientAssertion.TYPE);
            form.put("client_assertion", client.assertion().sign(client.clientId(), discovery.server().issuer(),
                    scheduler.now(), randomToken(16)));
        } else if (client.clientSecret() != null && !"client_secret_post".equals(client.authMethod())) {
            user = client.clientId();
            secret = client.clientSecret();
        } else {
            form.put("client_id", client.clientId());
            if (client.clientSecret() != null) {
                form.put("client_secret", client.clientSecret());
            }
        }
        OAuthHttp.Answer answer = http.postForm(endpoint, form, user, secret);
        if (answer.ok() && answer.text("access_token") != null) {
            String type = answer.text("token_type");
            if (type == null || !type.toLowerCase(Locale.ROOT).equals("bearer")) {
                throw new IOException("the token endpoint issued a " + type + " token; only Bearer is supported");
            }
            long expiresIn = answer.body().path("expires_in").asLong(0);
            Instant expiresAt = expiresIn > 0 ? scheduler.now().plusSeconds(expiresIn) : null;
            return new TokenResult.Granted(new Tokens(answer.text("access_token"), answer.text("refresh_token"),
                    expiresAt, answer.text("scope")));
        }
        if (answer.text("error") != null && (answer.status() == 400 || answer.status() == 401)) {
            return new TokenResult.Refused(answer.text("error"), answer.text("error_description"));
        }
        throw new IOException("the token endpoint " + endpoint + " answered " + answer.describeError());
    }

    private String randomToken(int bytes) {
        byte[] raw = new byte[bytes];
        random.nextBytes(raw);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    }

    /** RFC 7636 §4.2: BASE64URL(SHA256(ASCII(code_verifier))). */
    static String challengeOf(String verifier) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    static boolean sameResource(String a, String b) {
        return ResourceUris.canonical(a).equals(ResourceUris.canonical(b));
    }
}
