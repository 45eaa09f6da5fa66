package dev.dynamicmcp.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.app.ProxyApp;
import dev.dynamicmcp.auth.upstream.TokenStore;
import dev.dynamicmcp.client.McpClient;
import dev.dynamicmcp.config.ConfigLoader;
import dev.dynamicmcp.manager.ServerState;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.transport.StreamableHttpTransport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * The command the conformance suite's client side runs for its {@code auth/*} scenarios: the proxy, with the
 * scenario's protected mock server as its one upstream ({@code "oauth"}, pre-registered credentials from
 * {@code MCP_CONFORMANCE_CONTEXT} when the scenario gives them), is the OAuth client under test. This driver
 * only plays the person at the browser: when the proxy says "needs sign-in" it opens the link the console's
 * button would ({@code POST /admin/servers/upstream/sign-in}), follows the mock authorization server's redirect
 * back to the proxy's {@code /oauth/callback}, then lists and calls the tools through the proxy (signing in
 * again when a call asks for more scopes).
 */
public final class ConformanceAuthClient {
    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    private ConformanceAuthClient() {
    }

    public static void main(String[] args) throws Exception {
        String url = args[args.length - 1];
        String scenario = System.getenv().getOrDefault("MCP_CONFORMANCE_SCENARIO", "");
        JsonNode context = Json.parse(System.getenv().getOrDefault("MCP_CONFORMANCE_CONTEXT", "{}"));
        Path dataDir = Files.createTempDirectory("conformance-auth");
        Files.writeString(dataDir.resolve(TokenStore.KEY_FILE), TokenStore.generateKey());
        ObjectNode oauth = Json.object();
        if (context.hasNonNull("client_id")) {
            oauth.put("clientId", context.path("client_id").asText());
        }
        if (context.hasNonNull("client_secret")) {
            oauth.put("clientSecret", context.path("client_secret").asText());
        }
        if (scenario.contains("client-credentials")) {
            oauth.put("clientCredentials", true);
        }
        String config = """
                {"proxy": {"port": 0, "host": "127.0.0.1", "namespace": "none", "dataDir": %s,
                           "defaults": {"connectTimeout": "10s", "backoff": {"initial": "200ms", "max": "2s"}}},
                 "mcpServers": {"upstream": {"url": %s, "transport": "streamable-http", "oauth": %s}}}
                """.formatted(Json.write(Json.MAPPER.valueToTree(dataDir.toString())),
                Json.write(Json.MAPPER.valueToTree(url)), Json.write(oauth));
        int exit = 0;
        try (ProxyApp proxy = ProxyApp.start(ConfigLoader.parse(config, Map.of(), dataDir), ProxyApp.Options.httpOnly())) {
            if (!ready(proxy)) {
                System.err.println("upstream is not READY: " + proxy.manager().status("upstream"));
                exit = 1;
            } else {
                McpClient.Options options = new McpClient.Options(Json.object().put("name", "conformance-auth-driver")
                        .put("version", "1"), Json.object(), TIMEOUT);
                try (McpClient client = new McpClient("proxy", new StreamableHttpTransport("proxy", proxy.endpoint(),
                        Map.of(), null, TIMEOUT), options)) {
                    client.connect(TIMEOUT);
                    for (ObjectNode tool : client.listTools()) {
                        call(proxy, client, tool.path("name").asText());
                    }
                }
            }
        } catch (Exception e) {
            System.err.println("conformance auth driver failed: " + e);
            exit = 1;
        }
        System.exit(exit);
    }

    /** READY, after at most two sign-ins by the "person" here. */
    private static boolean ready(ProxyApp proxy) throws Exception {
        for (int round = 0; round < 3; round++) {
            if (awaitState(proxy, Duration.ofSeconds(round == 0 ? 2 : 10))) {
                return true;
            }
            if (!signIn(proxy)) {
                return false;
            }
        }
        return awaitState(proxy, Duration.ofSeconds(5));
    }

    private static boolean awaitState(ProxyApp proxy, Duration within) throws InterruptedException {
        Instant until = Instant.now().plus(within);
        while (Instant.now().isBefore(until)) {
            if (proxy.manager().status("upstream").state() == ServerState.READY) {
                return true;
            }
            Thread.sleep(50);
        }
        return proxy.manager().status("upstream").state() == ServerState.READY;
    }

    /** A call; when it failed because the upstream wants a (new) sign-in, signs in and calls once more. */
    private static void call(ProxyApp proxy, McpClient client, String tool) throws Exception {
        for (int attempt = 0; attempt < 3; attempt++) {
            JsonNode result;
            try {
                result = client.callTool(tool, Json.object());
            } catch (RuntimeException e) {
                System.err.println("call " + tool + " failed: " + e.getMessage());
                return;
            }
            String text = result.path("content").path(0).path("text").asText();
            if (!result.path("isError").asBoolean() || !text.contains("sign-in")) {
                System.err.println("call " + tool + ": " + text);
                return;
            }
            System.err.println("call " + tool + " needs a sign-in: " + text);
            if (!signIn(proxy)) {
                return;
            }
            awaitState(proxy, Duration.ofSeconds(5));
        }
    }

    /** What the person at the browser does: open the link, let the authorization server send them back. */
    private static boolean signIn(ProxyApp proxy) throws Exception {
        HttpResponse<String> started = HTTP.send(HttpRequest.newBuilder(proxy.baseUri()
                .resolve("/admin/servers/upstream/sign-in")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        if (started.statusCode() != 200) {
            System.err.println("no sign-in to complete: " + started.statusCode() + " " + started.body());
            return false;
        }
        URI next = URI.create(Json.parse(started.body()).path("url").asText());
        for (int hop = 0; hop < 5; hop++) {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(next).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (next.getPath().equals("/oauth/callback")) {
                System.err.println("sign-in callback: " + response.statusCode() + " " + response.body().strip());
                return response.statusCode() == 200;
            }
            String location = response.headers().firstValue("Location").orElse(null);
            if (location == null) {
                System.err.println("the authorization server did not redirect: " + response.statusCode() + " " + response.body());
                return false;
            }
            next = next.resolve(location);
        }
        return false;
    }
}
