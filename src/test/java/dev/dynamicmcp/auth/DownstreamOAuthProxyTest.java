package dev.dynamicmcp.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.client.McpClient;
import dev.dynamicmcp.config.ConfigLoader;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.app.ProxyApp;
import dev.dynamicmcp.transport.StreamableHttpTransport;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole proxy as an OAuth 2.1 resource server ({@code proxy.auth}), with a real OpenID provider: MCP
 * clients with its tokens, without, and with bad ones; the RFC 9728 document; and the upstream behind it,
 * which never sees a client's token.
 */
class DownstreamOAuthProxyTest {
    static final String STATIC_TOKEN = "static-operator-token-for-tests";
    static OidcFixture idp;
    static McpUpstream upstream;
    static ProxyApp proxy;
    static String audience;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        idp = OidcFixture.start();
        upstream = McpUpstream.open();
        int port = freePort();
        audience = "http://127.0.0.1:" + port + "/mcp";
        String config = """
                {"proxy": {"port": %d, "authToken": "%s",
                           "auth": {"issuer": "%s", "audience": "%s", "requiredScopes": ["mcp"],
                                    "profiles": {"dev": ["profile:dev"]}}},
                 "mcpServers": {"up": {"url": "%s", "transport": "streamable-http"}},
                 "profiles": {"dev": {"servers": {"up": {}}}, "ops": {"servers": {"up": {}}}}}
                """.formatted(port, STATIC_TOKEN, idp.issuer(), audience, upstream.url());
        proxy = ProxyApp.start(ConfigLoader.parse(config, Map.of(), Path.of(".")), ProxyApp.Options.httpOnly());
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (upstream != null) {
            upstream.close();
        }
        if (idp != null) {
            idp.close();
        }
    }

    static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static McpClient client(String token) throws Exception {
        return client(proxy.endpoint(), token);
    }

    private static McpClient client(java.net.URI endpoint, String token) throws Exception {
        McpClient client = new McpClient("proxy", new StreamableHttpTransport("proxy", endpoint,
                Map.of("Authorization", "Bearer " + token), null, Duration.ofSeconds(10)), McpClient.Options.defaults());
        client.connect(Duration.ofSeconds(20));
        return client;
    }

    private static HttpResponse<String> initialize(String authorization) throws Exception {
        return initialize("/mcp", authorization);
    }

    private static HttpResponse<String> initialize(String path, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(proxy.baseUri().resolve(path))
                .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-11-25",
                         "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}}"""));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aClientWithATokenOfTheProviderListsAndCallsToolsAndTheUpstreamNeverSeesTheToken() throws Exception {
        String token = idp.clientCredentialsToken(audience, "mcp");
        try (McpClient client = client(token)) {
            assertThat(client.listTools()).extracting(t -> t.path("name").asText()).contains("up__whoami");
            JsonNode result = client.callTool("up__whoami", Json.object());
            assertThat(result.path("content").path(0).path("text").asText()).isEqualTo("hello anonymous");
        }
        assertThat(upstream.requests()).isNotEmpty();
        assertThat(upstream.requests()).allSatisfy(headers -> {
            assertThat(headers).doesNotContainKey("authorization"); // no passthrough: the upstream has no oauth
            assertThat(headers.values()).noneMatch(v -> v.contains(token));
        });
    }

    @Test
    void withoutATokenTheAnswerIs401PointingToTheMetadata() throws Exception {
        HttpResponse<String> response = initialize(null);

        assertThat(response.statusCode()).isEqualTo(401);
        String challenge = response.headers().firstValue("WWW-Authenticate").orElseThrow();
        assertThat(challenge).startsWith("Bearer ")
                .contains("resource_metadata=\"http://127.0.0.1:" + proxy.endpoint().getPort()
                        + "/.well-known/oauth-protected-resource/mcp\"")
                .contains("scope=\"mcp\"");
        assertThat(Json.parse(response.body()).path("error").asText()).isEqualTo("invalid_request");
    }

    @Test
    void theProtectedResourceMetadataIsServedWithoutAToken() throws Exception {
        for (String path : new String[] {"/.well-known/oauth-protected-resource",
                "/.well-known/oauth-protected-resource/mcp"}) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(proxy.baseUri().resolve(path)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(path).isEqualTo(200);
            JsonNode document = Json.parse(response.body());
            assertThat(document.path("resource").asText()).isEqualTo(audience);
            assertThat(document.path("authorization_servers").path(0).asText()).isEqualTo(idp.issuer());
            assertThat(document.path("scopes_supported").toString()).contains("mcp");
        }
        HttpResponse<String> profile = http.send(HttpRequest.newBuilder(proxy.baseUri()
                .resolve("/.well-known/oauth-protected-resource/mcp/dev")).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(Json.parse(profile.body()).path("resource").asText()).isEqualTo(audience + "/dev");
        assertThat(http.send(HttpRequest.newBuilder(proxy.baseUri().resolve("/healthz")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).as("/healthz stays public").isEqualTo(200);
    }

    @Test
    void expiredOtherAudienceAndMissingScopeTokensAreRefused() throws Exception {
        ObjectNode expired = Json.object().put("iss", idp.issuer()).put("aud", audience).put("sub", "mallory")
                .put("scope", "mcp").put("iat", Instant.now().minusSeconds(7200).getEpochSecond())
                .put("exp", Instant.now().minusSeconds(3600).getEpochSecond());
        HttpResponse<String> late = initialize("Bearer " + idp.sign(expired));
        assertThat(late.statusCode()).isEqualTo(401);
        assertThat(late.headers().firstValue("WWW-Authenticate").orElseThrow()).contains("error=\"invalid_token\"");

        HttpResponse<String> elsewhere = initialize("Bearer " + idp.clientCredentialsToken("https://other.example/mcp", "mcp"));
        assertThat(elsewhere.statusCode()).isEqualTo(401);
        assertThat(elsewhere.headers().firstValue("WWW-Authenticate").orElseThrow()).contains("error=\"invalid_token\"");

        HttpResponse<String> narrow = initialize("Bearer " + idp.clientCredentialsToken(audience, "files:read"));
        assertThat(narrow.statusCode()).isEqualTo(403);
        assertThat(narrow.headers().firstValue("WWW-Authenticate").orElseThrow())
                .contains("error=\"insufficient_scope\"").contains("scope=\"mcp\"");
    }

    @Test
    void theStaticTokenStillWorksBesideOAuthAndAWrongOneGetsTheOAuthChallenge() throws Exception {
        try (McpClient client = client(STATIC_TOKEN)) {
            assertThat(client.listTools()).extracting(t -> t.path("name").asText()).contains("up__whoami");
        }
        HttpResponse<String> wrong = initialize("Bearer not-" + STATIC_TOKEN);
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.headers().firstValue("WWW-Authenticate").orElseThrow()).contains("resource_metadata=");
    }

    @Test
    void opsRoutesNeedTheRequiredScopeAndTheAdminApiTheAdminScope() throws Exception {
        String plain = idp.clientCredentialsToken(audience, "mcp");
        assertThat(get("/status", plain).statusCode()).isEqualTo(200);
        assertThat(get("/status", null).statusCode()).isEqualTo(401);
        HttpResponse<String> admin = get("/admin/servers", plain);
        assertThat(admin.statusCode()).isEqualTo(403);
        assertThat(admin.headers().firstValue("WWW-Authenticate").orElseThrow())
                .contains("error=\"insufficient_scope\"").contains("mcp:admin");
        // with the admin scope the guard lets it through to the admin API
        HttpResponse<String> allowed = get("/admin/servers", idp.clientCredentialsToken(audience, "mcp mcp:admin"));
        assertThat(allowed.statusCode()).isEqualTo(200);
        assertThat(allowed.body()).contains("\"servers\"");
    }

    @Test
    void aRestrictedProfileNeedsItsClaimValueOnItsRealEndpointAndAnUnlistedOneIsOpen() throws Exception {
        String devAudience = audience + "/dev";
        // a valid token without profile:dev: step-up to exactly what /mcp/dev needs
        HttpResponse<String> plain = initialize("/mcp/dev", "Bearer " + idp.clientCredentialsToken(devAudience, "mcp"));
        assertThat(plain.statusCode()).isEqualTo(403);
        assertThat(plain.headers().firstValue("WWW-Authenticate").orElseThrow())
                .contains("error=\"insufficient_scope\"").contains("scope=\"mcp profile:dev\"")
                .contains("resource_metadata=\"http://127.0.0.1:" + proxy.endpoint().getPort()
                        + "/.well-known/oauth-protected-resource/mcp/dev\"");
        assertThat(Json.parse(plain.body()).path("error_description").asText()).contains("profile dev");

        // with it, for the profile's own resource: the real profile endpoint serves its tools
        try (McpClient client = client(proxy.baseUri().resolve("/mcp/dev"),
                idp.clientCredentialsToken(devAudience, "mcp profile:dev"))) {
            assertThat(client.listTools()).extracting(t -> t.path("name").asText()).contains("up__whoami");
            assertThat(client.callTool("up__whoami", Json.object()).path("content").path(0).path("text").asText())
                    .isEqualTo("hello anonymous");
        }
        // a token for the base resource is accepted on the profile too, with the claim
        assertThat(initialize("/mcp/dev", "Bearer " + idp.clientCredentialsToken(audience, "mcp profile:dev"))
                .statusCode()).isEqualTo(200);
        // a token for another profile's resource is not a token for this one
        HttpResponse<String> otherProfile = initialize("/mcp/dev",
                "Bearer " + idp.clientCredentialsToken(audience + "/ops", "mcp profile:dev"));
        assertThat(otherProfile.statusCode()).isEqualTo(401);
        assertThat(otherProfile.headers().firstValue("WWW-Authenticate").orElseThrow()).contains("error=\"invalid_token\"");

        // a profile the auth settings do not list is open to every valid caller
        try (McpClient client = client(proxy.baseUri().resolve("/mcp/ops"),
                idp.clientCredentialsToken(audience + "/ops", "mcp"))) {
            assertThat(client.listTools()).extracting(t -> t.path("name").asText()).contains("up__whoami");
        }
        // the claim of a profile opens neither /admin nor the profile without a token
        assertThat(get("/admin/servers", idp.clientCredentialsToken(audience, "mcp profile:dev")).statusCode())
                .isEqualTo(403);
        assertThat(initialize("/mcp/dev", null).statusCode()).isEqualTo(401);
    }

    private static HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(proxy.baseUri().resolve(path)).GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
