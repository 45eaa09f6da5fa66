package dev.dynamicmcp.auth.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.app.ProxyApp;
import dev.dynamicmcp.testsupport.LogCapture;
import dev.dynamicmcp.auth.McpUpstream;
import dev.dynamicmcp.auth.OidcFixture;
import dev.dynamicmcp.client.McpClient;
import dev.dynamicmcp.config.ConfigLoader;
import dev.dynamicmcp.config.ConfigProblem;
import dev.dynamicmcp.manager.ServerState;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.McpException;
import dev.dynamicmcp.transport.StreamableHttpTransport;
import java.net.CookieManager;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-user upstream credentials ({@code oauth.perUser}) with one real OpenID provider as the authorization
 * server of both sides: the proxy's callers are its users, and each signs in to the protected upstream for
 * themselves (their own token, their own upstream connection and session), while the tool list comes from the
 * operator's shared sign-in. No token or secret shows in the debug log.
 */
class PerUserOAuthProxyTest {
    private static final String OPERATOR_TOKEN = "per-user-operator-static-token-51c2";
    static OidcFixture idp;
    @TempDir
    Path dataDir;
    private final List<AutoCloseable> open = new ArrayList<>();
    private LogCapture log;
    private ProxyApp proxy;
    private McpUpstream upstream;
    private String audience;
    private int port;

    @BeforeAll
    static void startProvider() {
        idp = OidcFixture.start();
    }

    @AfterAll
    static void stopProvider() {
        if (idp != null) {
            idp.close();
        }
    }

    @BeforeEach
    void start() throws Exception {
        log = LogCapture.of("dev.dynamicmcp", Level.DEBUG);
        Files.writeString(dataDir.resolve(TokenStore.KEY_FILE), TokenStore.generateKey());
        upstream = closing(McpUpstream.protectedBy(idp.issuer()));
        port = freePort();
        audience = "http://127.0.0.1:" + port + "/mcp";
        proxy = closing(ProxyApp.start(ConfigLoader.parse(config(true), Map.of(), dataDir), ProxyApp.Options.httpOnly()));
    }

    private String config(boolean downstreamOAuth) {
        return """
                {"proxy": {"port": %d, "dataDir": %s, "authToken": "%s", %s
                           "defaults": {"requestTimeout": "10s", "backoff": {"initial": "100ms", "max": "1h"}}},
                 "mcpServers": {"p": {"url": "%s", "transport": "streamable-http", "oauth": {"perUser": true}}}}
                """.formatted(port, Json.write(Json.MAPPER.valueToTree(dataDir.toString())), OPERATOR_TOKEN,
                downstreamOAuth ? "\"auth\": {\"issuer\": \"" + idp.issuer() + "\", \"audience\": \"" + audience
                        + "\", \"requiredScopes\": [\"mcp\"]}," : "", upstream.url());
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable closeable : open.reversed()) {
            closeable.close();
        }
        log.close();
    }

    private <T extends AutoCloseable> T closing(T closeable) {
        open.add(closeable);
        return closeable;
    }

    static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** A downstream access token of the provider for {@code user}, as its login would give. */
    private String userToken(String user) {
        ObjectNode claims = Json.object().put("iss", idp.issuer()).put("aud", audience).put("sub", user)
                .put("scope", "mcp").put("client_id", "some-agent").put("iat", Instant.now().getEpochSecond())
                .put("exp", Instant.now().plusSeconds(600).getEpochSecond());
        return idp.sign(claims);
    }

    private McpClient client(String token) throws Exception {
        McpClient client = closing(new McpClient("proxy", new StreamableHttpTransport("proxy", proxy.endpoint(),
                Map.of("Authorization", "Bearer " + token), null, Duration.ofSeconds(10)), McpClient.Options.defaults()));
        client.connect(Duration.ofSeconds(20));
        return client;
    }

    private static String text(JsonNode result) {
        return result.path("content").path(0).path("text").asText();
    }

    /** The operator signs the shared credential in from the admin route, as the console's button does. */
    private void operatorSignsIn() throws Exception {
        HttpResponse<String> started = HttpClient.newHttpClient().send(HttpRequest.newBuilder(proxy.baseUri()
                        .resolve("/admin/servers/p/sign-in")).header("Authorization", "Bearer " + OPERATOR_TOKEN)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(started.statusCode()).as(started.body()).isEqualTo(200);
        assertThat(browse(URI.create(Json.parse(started.body()).path("url").asText()), "operator").statusCode())
                .isEqualTo(200);
        await().atMost(Duration.ofSeconds(15)).until(() -> proxy.manager().status("p").state() == ServerState.READY);
    }

    @Test
    void eachUserSignsInForThemselvesAndCallsWithTheirOwnTokenAndSession() throws Exception {
        assertThat(proxy.manager().status("p").lastError()).contains("needs sign-in");
        operatorSignsIn();

        McpClient carol = client(userToken("carol"));
        await().atMost(Duration.ofSeconds(10)).until(() -> carol.listTools().stream()
                .anyMatch(t -> t.path("name").asText().equals("p__whoami")));
        // not signed in yet: a JSON-RPC error with her own sign-in link (MCP's URL elicitation shape)
        McpException notYet = callFails(carol);
        assertThat(notYet.code()).isEqualTo(-32042);
        assertThat(notYet.getMessage()).contains("needs you to sign in: open " + idp.issuer() + "/auth?");
        URI carolsLink = URI.create(notYet.data().path("elicitations").path(0).path("url").asText());
        assertThat(notYet.data().path("elicitations").path(0).path("mode").asText()).isEqualTo("url");
        assertThat(carolsLink.toString()).startsWith(idp.issuer() + "/auth?");
        // asked again before signing in: the same pending link, no second flow
        assertThat(callFails(carol).data().path("elicitations").path(0).path("url").asText()).isEqualTo(carolsLink.toString());

        McpClient dave = client(userToken("dave"));
        URI davesLink = URI.create(callFails(dave).data().path("elicitations").path(0).path("url").asText());
        assertThat(davesLink).isNotEqualTo(carolsLink);

        assertThat(browse(carolsLink, "carol").body()).contains("Signed in to p");
        await().atMost(Duration.ofSeconds(15)).ignoreExceptions()
                .until(() -> text(carol.callTool("p__whoami", Json.object())).equals("hello carol"));
        // the shared connection still speaks as the operator; dave is still not signed in
        assertThat(callFails(dave).code()).isEqualTo(-32042);
        assertThat(browse(davesLink, "dave").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(15)).ignoreExceptions()
                .until(() -> text(dave.callTool("p__whoami", Json.object())).equals("hello dave"));
        assertThat(text(carol.callTool("p__whoami", Json.object()))).isEqualTo("hello carol");

        // three upstream tokens (operator, carol, dave): "hello carol" above is the upstream reading carol's own
        List<String> upstreamTokens = upstream.requests().stream().map(h -> h.get("authorization"))
                .filter(Objects::nonNull).map(a -> a.substring("Bearer ".length())).distinct().toList();
        assertThat(upstreamTokens).hasSizeGreaterThanOrEqualTo(3);

        // stored encrypted, one file per principal: shared, carol, dave; no token in the clear
        List<Path> files;
        try (Stream<Path> list = Files.list(dataDir.resolve(TokenStore.DIRECTORY))) {
            files = list.toList();
        }
        assertThat(files).hasSize(3);
        for (Path file : files) {
            String content = Files.readString(file);
            upstreamTokens.forEach(token -> assertThat(content).doesNotContain(token));
            assertThat(content).doesNotContain("carol").doesNotContain("dave");
        }

        // the operator's static token is no OAuth user: it cannot use a per-user server's tools
        McpClient operator = client(OPERATOR_TOKEN);
        assertThatThrownBy(() -> operator.callTool("p__whoami", Json.object())).isInstanceOf(McpException.class)
                .hasMessageContaining("signs in each user for themselves").hasMessageContaining("proxy.auth");

        String carolsDownstream = userToken("carol");
        client(carolsDownstream).listTools();
        proxy.close();
        List<String> secrets = new ArrayList<>(upstreamTokens);
        secrets.add(OPERATOR_TOKEN);
        secrets.add(carolsDownstream);
        assertThat(log.events()).anyMatch(e -> e.getLevel() == Level.DEBUG);
        for (ILoggingEvent event : log.events()) {
            String line = event.getFormattedMessage() + (event.getThrowableProxy() == null ? ""
                    : event.getThrowableProxy().getMessage());
            for (String secret : secrets) {
                assertThat(line).as("a log line").doesNotContain(secret);
            }
        }
    }

    @Test
    void aSessionIsItsUsersAnotherUsersTokenCannotDriveIt() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> init = http.send(mcpPost(userToken("carol"), null, """
                {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-11-25",
                 "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}}"""), HttpResponse.BodyHandlers.ofString());
        assertThat(init.statusCode()).isEqualTo(200);
        String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
        String list = """
                {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}}""";
        HttpResponse<String> other = http.send(mcpPost(userToken("mallory"), session, list), HttpResponse.BodyHandlers.ofString());
        assertThat(other.statusCode()).isEqualTo(404);
        assertThat(other.body()).contains("opened by another user");
        HttpResponse<String> staticToken = http.send(mcpPost(OPERATOR_TOKEN, session, list), HttpResponse.BodyHandlers.ofString());
        assertThat(staticToken.statusCode()).isEqualTo(404);
        assertThat(http.send(mcpPost(userToken("carol"), session, list), HttpResponse.BodyHandlers.ofString())
                .statusCode()).isEqualTo(200);
    }

    @Test
    void aStatelessClientIsTheUserOfTheBearerTokenOnEachRequest() throws Exception {
        operatorSignsIn();
        HttpClient http = HttpClient.newHttpClient();
        String erin = userToken("erin");
        // a 2026-07-28 request has no session: the identity is its own bearer token, and erin gets her own link
        JsonNode notYet = modernCall(http, erin, 1);
        assertThat(notYet.path("error").path("code").asInt()).as(notYet.toString()).isEqualTo(-32042);
        URI erinsLink = URI.create(notYet.path("error").path("data").path("elicitations").path(0).path("url").asText());
        assertThat(erinsLink.toString()).startsWith(idp.issuer() + "/auth?");
        // the same user's next request (another token of hers): the same pending sign-in, no second flow
        assertThat(modernCall(http, userToken("erin"), 2).path("error").path("data").path("elicitations").path(0)
                .path("url").asText()).isEqualTo(erinsLink.toString());
        // another user's request is not erin's: a link of their own
        String fransLink = modernCall(http, userToken("fran"), 3).path("error").path("data").path("elicitations")
                .path(0).path("url").asText();
        assertThat(fransLink).startsWith(idp.issuer() + "/auth?").isNotEqualTo(erinsLink.toString());

        assertThat(browse(erinsLink, "erin").body()).contains("Signed in to p");
        await().atMost(Duration.ofSeconds(15)).ignoreExceptions().until(() -> text(modernCall(http, erin, 4)
                .path("result")).equals("hello erin"));
        assertThat(modernCall(http, userToken("fran"), 5).path("error").path("code").asInt()).isEqualTo(-32042);
        // the static token on a modern request is no OAuth user either
        assertThat(modernCall(http, OPERATOR_TOKEN, 6).path("error").path("message").asText())
                .contains("signs in each user for themselves");
    }

    /** {@code tools/call p__whoami} as a 2026-07-28 client sends it: envelope in _meta, standard headers. */
    private JsonNode modernCall(HttpClient http, String token, int id) throws Exception {
        ObjectNode request = Json.object().put("jsonrpc", "2.0").put("id", id).put("method", "tools/call");
        ObjectNode params = request.putObject("params").put("name", "p__whoami");
        params.putObject("arguments");
        ObjectNode meta = params.putObject("_meta").put("io.modelcontextprotocol/protocolVersion", "2026-07-28");
        meta.putObject("io.modelcontextprotocol/clientCapabilities");
        meta.putObject("io.modelcontextprotocol/clientInfo").put("name", "stateless").put("version", "1");
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(proxy.endpoint())
                .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                .header("Authorization", "Bearer " + token).header("MCP-Protocol-Version", "2026-07-28")
                .header("Mcp-Method", "tools/call").header("Mcp-Name", "p__whoami")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(request))).build(), HttpResponse.BodyHandlers.ofString());
        String body = response.body();
        if (response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream")) {
            String last = null;
            for (String line : body.split("\n")) {
                if (line.startsWith("data:")) {
                    last = line.substring(5).trim();
                }
            }
            body = last;
        }
        return Json.parse(body);
    }

    @Test
    void perUserWithoutDownstreamOAuthIsAConfigError() {
        assertThatThrownBy(() -> ConfigLoader.parse(config(false), Map.of(), dataDir))
                .satisfies(e -> assertThat(e.getMessage()).contains("server \"p\", key \"oauth.perUser\"")
                        .contains("needs proxy.auth"));
    }

    private HttpRequest mcpPost(String token, String session, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(proxy.endpoint())
                .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.ofString(body));
        if (session != null) {
            request.header("Mcp-Session-Id", session).header("MCP-Protocol-Version", "2025-11-25");
        }
        return request.build();
    }

    private static McpException callFails(McpClient client) {
        try {
            client.callTool("p__whoami", Json.object());
        } catch (McpException e) {
            return e;
        }
        throw new AssertionError("the call succeeded");
    }

    /** A browser with nobody at it, logged in as {@code user} (the provider's login_hint), up to the callback. */
    private HttpResponse<String> browse(URI start, String user) throws Exception {
        URI callback = URI.create("http://127.0.0.1:" + port + UpstreamOAuth.CALLBACK_PATH);
        HttpClient browser = HttpClient.newBuilder().cookieHandler(new CookieManager())
                .followRedirects(HttpClient.Redirect.NEVER).build();
        URI next = URI.create(start + "&login_hint=" + user);
        for (int hop = 0; hop < 12; hop++) {
            HttpResponse<String> response = browser.send(HttpRequest.newBuilder(next).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (next.toString().startsWith(callback.toString())) {
                return response;
            }
            String location = response.headers().firstValue("Location").orElseThrow(
                    () -> new AssertionError("no redirect: " + response.statusCode() + " " + response.body()));
            next = next.resolve(location);
        }
        throw new AssertionError("never reached " + callback);
    }
}
