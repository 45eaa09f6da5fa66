package dev.dynamicmcp.auth.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.dynamicmcp.auth.McpUpstream;
import dev.dynamicmcp.auth.OidcFixture;
import dev.dynamicmcp.cli.Main;
import dev.dynamicmcp.client.McpClient;
import dev.dynamicmcp.config.ConfigLoader;
import dev.dynamicmcp.manager.ServerState;
import dev.dynamicmcp.manager.ServerStatus;
import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.app.ProxyApp;
import dev.dynamicmcp.testsupport.LogCapture;
import dev.dynamicmcp.transport.StreamableHttpTransport;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.CookieManager;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole proxy as an OAuth client of protected upstreams whose authorization server is a real OpenID
 * provider: a sign-in a person completes (here a browser with nobody at it: the provider approves at once),
 * client credentials with no person, {@code check}, and no secret in the debug log or {@code /status}.
 */
class UpstreamOAuthProxyTest {
    private static final Pattern SIGN_IN = Pattern.compile("open (\\S+)");
    static OidcFixture idp;
    @TempDir
    Path dataDir;
    private final List<AutoCloseable> open = new ArrayList<>();
    private LogCapture log;

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
    void captureLog() throws Exception {
        Files.writeString(dataDir.resolve(TokenStore.KEY_FILE), TokenStore.generateKey());
        log = LogCapture.of("dev.dynamicmcp", Level.WARN); // each test that reads it says from which level
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

    private String proxySection(int port, String extra) {
        return """
                "proxy": {"port": %d, "dataDir": %s, %s
                          "defaults": {"requestTimeout": "10s", "backoff": {"initial": "100ms", "max": "1h"}}}"""
                .formatted(port, Json.write(Json.MAPPER.valueToTree(dataDir.toString())), extra);
    }

    private static String m2mEntry(McpUpstream upstream) {
        return """
                {"url": "%s", "transport": "streamable-http", "oauth": {"clientId": "%s",
                 "clientSecret": "${M2M_SECRET}", "clientCredentials": true, "scopes": ["mcp"]}}"""
                .formatted(upstream.url(), OidcFixture.M2M_ID);
    }

    private ProxyApp start(String json) throws Exception {
        return closing(ProxyApp.start(ConfigLoader.parse(json, Map.of("M2M_SECRET", OidcFixture.M2M_SECRET),
                dataDir), ProxyApp.Options.httpOnly()));
    }

    private McpClient client(ProxyApp proxy, Map<String, String> headers) throws Exception {
        McpClient client = closing(new McpClient("proxy", new StreamableHttpTransport("proxy", proxy.endpoint(),
                headers, null, Duration.ofSeconds(10)), McpClient.Options.defaults()));
        client.connect(Duration.ofSeconds(20));
        return client;
    }

    private static String text(com.fasterxml.jackson.databind.JsonNode result) {
        return result.path("content").path(0).path("text").asText();
    }

    @Test
    void aServerThatNeedsSignInSaysSoAndAfterTheSignInTheProxysCallsReachIt() throws Exception {
        log.level(Level.INFO);
        McpUpstream upstream = closing(McpUpstream.protectedBy(idp.issuer()));
        int port = freePort();
        ProxyApp proxy = start("{" + proxySection(port, "") + ", \"mcpServers\": {\"protected\": {\"url\": \""
                + upstream.url() + "\", \"transport\": \"streamable-http\", \"oauth\": {}}}}");

        ServerStatus waiting = proxy.manager().status("protected");
        assertThat(waiting.state()).isEqualTo(ServerState.BACKOFF);
        assertThat(waiting.lastError()).contains("needs sign-in").doesNotContain("http://");
        Matcher link = SIGN_IN.matcher(waiting.lastErrorDetail());
        assertThat(link.find()).as(waiting.lastErrorDetail()).isTrue();
        URI signIn = URI.create(link.group(1));
        assertThat(signIn.toString()).startsWith(idp.issuer() + "/auth?")
                .contains("redirect_uri=" + dev.dynamicmcp.auth.OAuthHttp.encode(
                        "http://127.0.0.1:" + port + UpstreamOAuth.CALLBACK_PATH));
        assertThat(log.events().stream().filter(e -> e.getFormattedMessage().contains(signIn.toString())))
                .as("the link is logged once, at INFO").singleElement()
                .satisfies(e -> assertThat(e.getLevel()).isEqualTo(Level.INFO));

        HttpResponse<String> callback = browse(signIn, URI.create("http://127.0.0.1:" + port + UpstreamOAuth.CALLBACK_PATH));
        assertThat(callback.statusCode()).as(callback.body()).isEqualTo(200);
        assertThat(callback.body()).contains("Signed in to protected");

        // The backoff is an hour: only the completed sign-in can have connected it this soon.
        await().atMost(Duration.ofSeconds(15)).until(() -> proxy.manager().status("protected").state() == ServerState.READY);
        McpClient client = client(proxy, Map.of());
        await().atMost(Duration.ofSeconds(10)).until(() -> client.listTools().stream()
                .anyMatch(t -> t.path("name").asText().equals("protected__whoami")));
        assertThat(text(client.callTool("protected__whoami", Json.object()))).isEqualTo("hello alice");
        assertThat(upstream.requests()).anySatisfy(h -> assertThat(h.get("authorization")).startsWith("Bearer "));
    }

    @Test
    void theConsolesSignInRouteGivesTheLinkAndStatusSaysNeedsSignInUntilItIsCompleted() throws Exception {
        McpUpstream upstream = closing(McpUpstream.protectedBy(idp.issuer()));
        McpUpstream m2m = closing(McpUpstream.protectedBy(idp.issuer()));
        int port = freePort();
        ProxyApp proxy = start("{" + proxySection(port, "") + ", \"mcpServers\": {\"protected\": {\"url\": \""
                + upstream.url() + "\", \"transport\": \"streamable-http\", \"oauth\": {}}, \"m2m\": "
                + m2mEntry(m2m) + "}}");

        JsonNode status = byName(Json.parse(admin(proxy, "GET", "/status").body()).path("servers"), "protected");
        assertThat(status.path("lastError").asText()).contains("needs sign-in");
        assertThat(status.toString()).doesNotContain(idp.issuer() + "/auth");
        JsonNode servers = Json.parse(admin(proxy, "GET", "/admin/servers").body()).path("servers");
        assertThat(byName(servers, "protected").path("needsSignIn").asBoolean()).isTrue();
        assertThat(byName(servers, "m2m").path("needsSignIn").asBoolean()).isFalse();

        HttpResponse<String> started = admin(proxy, "POST", "/admin/servers/protected/sign-in");
        assertThat(started.statusCode()).as(started.body()).isEqualTo(200);
        URI signIn = URI.create(Json.parse(started.body()).path("url").asText());
        assertThat(signIn.toString()).startsWith(idp.issuer() + "/auth?").contains("code_challenge_method=S256")
                .contains("resource=");
        // asked again while pending: the same link (a second one would orphan the first tab)
        assertThat(Json.parse(admin(proxy, "POST", "/admin/servers/protected/sign-in").body()).path("url").asText())
                .isEqualTo(signIn.toString());
        assertThat(admin(proxy, "POST", "/admin/servers/m2m/sign-in").statusCode()).isEqualTo(409);
        assertThat(admin(proxy, "POST", "/admin/servers/nobody/sign-in").statusCode()).isEqualTo(404);
        assertThat(admin(proxy, "GET", "/admin/servers/protected/sign-in").statusCode()).isEqualTo(405);

        HttpResponse<String> callback = browse(signIn, URI.create("http://127.0.0.1:" + port + UpstreamOAuth.CALLBACK_PATH));
        assertThat(callback.statusCode()).as(callback.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(15)).until(() -> proxy.manager().status("protected").state() == ServerState.READY);
        assertThat(byName(Json.parse(admin(proxy, "GET", "/admin/servers").body()).path("servers"), "protected")
                .path("needsSignIn").asBoolean()).isFalse();
        // /status keeps the last error for the record; the state says it is over
        assertThat(byName(Json.parse(admin(proxy, "GET", "/status").body()).path("servers"), "protected")
                .path("state").asText()).isEqualTo("READY");
    }

    private static HttpResponse<String> admin(ProxyApp proxy, String method, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(proxy.baseUri().resolve(path))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode byName(JsonNode servers, String name) {
        for (JsonNode server : servers) {
            if (server.path("name").asText().equals(name)) {
                return server;
            }
        }
        throw new AssertionError("no server " + name + " in " + servers);
    }

    @Test
    void aClientCredentialsServerConnectsWithNoOneSigningIn() throws Exception {
        McpUpstream upstream = closing(McpUpstream.protectedBy(idp.issuer()));
        ProxyApp proxy = start("{" + proxySection(0, "") + ", \"mcpServers\": {\"m2m\": " + m2mEntry(upstream) + "}}");

        assertThat(proxy.manager().status("m2m").state()).isEqualTo(ServerState.READY);
        McpClient client = client(proxy, Map.of());
        assertThat(text(client.callTool("m2m__whoami", Json.object()))).isEqualTo("hello m2m");
    }

    @Test
    void checkSaysNeedsSignInAndExitsOne() throws Exception {
        McpUpstream upstream = closing(McpUpstream.protectedBy(idp.issuer()));
        Path config = dataDir.resolve("mcp.json");
        Files.writeString(config, "{" + proxySection(0, "") + ", \"mcpServers\": {\"protected\": {\"url\": \""
                + upstream.url() + "\", \"transport\": \"streamable-http\", \"oauth\": {}}}}");

        PrintStream out = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
            code = Main.run(new String[] {"check", "--config", config.toString(), "--log-level", "error"});
        } finally {
            System.setOut(out);
        }
        assertThat(code).isEqualTo(1);
        assertThat(printed.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("protected")))
                .anySatisfy(line -> assertThat(line).contains("needs sign-in"));
    }

    @Test
    void atDebugNoHeaderValueClientSecretOrTokenIsLoggedOrShownInStatus() throws Exception {
        log.level(Level.DEBUG);
        String staticToken = "downstream-static-token-7f3a9c";
        String headerSecret = "upstream-header-secret-b81e44";
        McpUpstream m2m = closing(McpUpstream.protectedBy(idp.issuer()));
        McpUpstream plain = closing(McpUpstream.open());
        ProxyApp proxy = start("{" + proxySection(0, "\"authToken\": \"" + staticToken + "\",")
                + ", \"mcpServers\": {\"m2m\": " + m2mEntry(m2m) + ", \"plain\": {\"url\": \"" + plain.url()
                + "\", \"transport\": \"streamable-http\", \"headers\": {\"X-Api-Key\": \"" + headerSecret + "\"}}}}");

        McpClient client = client(proxy, Map.of("Authorization", "Bearer " + staticToken));
        assertThat(text(client.callTool("m2m__whoami", Json.object()))).isEqualTo("hello m2m");
        assertThat(text(client.callTool("plain__whoami", Json.object()))).isEqualTo("hello anonymous");
        HttpResponse<String> status = HttpClient.newHttpClient().send(HttpRequest.newBuilder(proxy.baseUri()
                .resolve("/status")).header("Authorization", "Bearer " + staticToken).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(status.statusCode()).isEqualTo(200);

        // what each secret was really used for: otherwise not finding it would prove nothing
        assertThat(plain.requests()).allSatisfy(h -> assertThat(h.get("x-api-key")).isEqualTo(headerSecret));
        String upstreamToken = m2m.requests().stream().map(h -> h.get("authorization")).filter(a -> a != null)
                .findFirst().orElseThrow().substring("Bearer ".length());
        List<String> secrets = List.of(staticToken, headerSecret, OidcFixture.M2M_SECRET, upstreamToken);
        assertThat(plain.requests()).allSatisfy(h -> assertThat(h.values()).noneMatch(v -> v.contains(staticToken)));
        assertThat(m2m.requests()).allSatisfy(h -> assertThat(h.values()).noneMatch(v -> v.contains(staticToken)));

        proxy.close(); // the shutdown's lines too
        List<ILoggingEvent> logged = log.events();
        assertThat(logged).anyMatch(e -> e.getLevel() == Level.DEBUG);
        for (ILoggingEvent event : logged) {
            String line = event.getFormattedMessage() + (event.getThrowableProxy() == null ? ""
                    : event.getThrowableProxy().getMessage());
            for (String secret : secrets) {
                assertThat(line).as("a log line").doesNotContain(secret);
            }
        }
        for (String secret : secrets) {
            assertThat(status.body()).as("/status").doesNotContain(secret);
        }
    }

    /** A browser with nobody at it: follows the provider's redirects up to {@code callback}, then opens that. */
    private static HttpResponse<String> browse(URI start, URI callback) throws Exception {
        HttpClient browser = HttpClient.newBuilder().cookieHandler(new CookieManager())
                .followRedirects(HttpClient.Redirect.NEVER).build();
        URI next = start;
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
