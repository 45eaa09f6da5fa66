package dev.dynamicmcp.transport.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dynamicmcp.config.ProxySettings;
import dev.dynamicmcp.protocol.JsonRpc;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.eclipse.jetty.io.Content;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HttpServerHostTest {
    private static final String INIT = """
            {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18",
             "capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""";

    private final EchoListener listener = new EchoListener();
    private HttpServerHost host;

    private static ProxySettings settings(String bindHost, String token, long maxBody) {
        return new ProxySettings(bindHost, 0, ProxySettings.DEFAULTS.namespace(), "__", token, maxBody, 8,
                ProxySettings.DEFAULTS.defaults());
    }

    private McpHttpTestClient start(ProxySettings settings, HostOptions options) throws Exception {
        host = new HttpServerHost(settings, listener, options);
        host.start();
        return new McpHttpTestClient(host.uri().resolve("/mcp"));
    }

    @AfterEach
    void stop() {
        if (host != null) {
            host.stop();
        }
    }

    @Test
    void portZeroReportsTheBoundPort() throws Exception {
        start(settings("127.0.0.1", null, 4096), HostOptions.DEFAULTS);

        assertThat(host.port()).isPositive();
        assertThat(host.uri().toString()).isEqualTo("http://127.0.0.1:" + host.port());
    }

    @Test
    void anOversizeBodyIs413WithAClearMessage() throws Exception {
        McpHttpTestClient client = start(settings("127.0.0.1", null, 100), HostOptions.DEFAULTS);

        HttpResponse<String> response = client.post(null, INIT);

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(response.body()).contains("limit of 100 bytes").contains("maxBodyBytes");
        // a body up to 4 x the limit is read and dropped first: the client reads the 413 and the connection stays
        assertThat(response.headers().firstValue("Connection")).isEmpty();
        assertThat(client.post(null, INIT).statusCode()).isEqualTo(413);
        assertThat(listener.open).isEmpty();
    }

    @Test
    void aBodyFarOverTheLimitIsNotReadAnd413SaysConnectionClose() throws Exception {
        McpHttpTestClient client = start(settings("127.0.0.1", null, 100), HostOptions.DEFAULTS);

        HttpResponse<String> response = client.post(null, "{\"pad\": \"" + "x".repeat(1000) + "\"}");

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(response.headers().firstValue("Connection")).hasValue("close"); // the unread body ends it
    }

    @Test
    void aForeignOriginIs403AndLocalOrAllowedOriginsPass() throws Exception {
        McpHttpTestClient client = start(settings("127.0.0.1", null, 4096),
                HostOptions.DEFAULTS.withAllowedOrigins(List.of("https://app.example.com")));

        HttpResponse<String> evil = client.post(null, INIT, "Accept", McpHttpTestClient.BOTH,
                "Origin", "http://evil.example");
        HttpResponse<String> local = client.post(null, INIT, "Accept", McpHttpTestClient.BOTH,
                "Origin", "http://localhost:3000");
        HttpResponse<String> allowed = client.post(null, INIT, "Accept", McpHttpTestClient.BOTH,
                "Origin", "https://app.example.com");

        assertThat(evil.statusCode()).isEqualTo(403);
        assertThat(evil.body()).contains("evil.example").contains("DNS rebinding");
        assertThat(local.statusCode()).isEqualTo(200);
        assertThat(allowed.statusCode()).isEqualTo(200);
        assertThat(listener.open).hasSize(2);
    }

    @Test
    void aForeignHostHeaderIs403WhenBoundToLoopback() throws Exception {
        start(settings("127.0.0.1", null, 4096), HostOptions.DEFAULTS);

        String rebound = rawRequest("GET /mcp HTTP/1.1\r\nHost: attacker.example:" + host.port()
                + "\r\nAccept: text/event-stream\r\nConnection: close\r\n\r\n");
        String local = rawRequest("GET /nothing HTTP/1.1\r\nHost: localhost:" + host.port()
                + "\r\nConnection: close\r\n\r\n");

        assertThat(rebound).startsWith("HTTP/1.1 403").contains("attacker.example");
        assertThat(local).startsWith("HTTP/1.1 404");
    }

    @Test
    void aTokenIsRequiredWhenConfigured() throws Exception {
        McpHttpTestClient client = start(settings("127.0.0.1", "s3cret", 4096), HostOptions.DEFAULTS);
        host.addRoute("GET", "/healthz", (request, response, callback) -> {
            Content.Sink.write(response, true, "ok", callback);
            return true;
        });

        HttpResponse<String> missing = client.post(null, INIT);
        HttpResponse<String> wrong = client.post(null, INIT, "Accept", McpHttpTestClient.BOTH,
                "Authorization", "Bearer guess");
        HttpResponse<String> right = client.post(null, INIT, "Accept", McpHttpTestClient.BOTH,
                "Authorization", "Bearer s3cret");
        HttpResponse<String> health = client.http.send(HttpRequest.newBuilder(host.uri().resolve("/healthz")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(missing.headers().firstValue("WWW-Authenticate")).get().asString().startsWith("Bearer");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.headers().firstValue("WWW-Authenticate")).get().asString().contains("invalid_token");
        assertThat(right.statusCode()).isEqualTo(200);
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).isEqualTo("ok");
    }

    @Test
    void extraRoutesAreServedAndUnknownPathsAre404() throws Exception {
        McpHttpTestClient client = start(settings("127.0.0.1", null, 4096), HostOptions.DEFAULTS);
        host.addRoute("GET", "/status", (request, response, callback) -> {
            Content.Sink.write(response, true, "{\"sessions\":" + host.streamableHttp().sessionCount() + "}",
                    callback);
            return true;
        });

        HttpResponse<String> status = client.http.send(HttpRequest.newBuilder(host.uri().resolve("/status")).build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> missing = client.http.send(HttpRequest.newBuilder(host.uri().resolve("/x")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(status.body()).isEqualTo("{\"sessions\":0}");
        assertThat(missing.statusCode()).isEqualTo(404);
    }

    @Test
    void aPrefixRouteServesEveryPathUnderItAndTheAdminTokenAloneOpensTheAdminPrefix() throws Exception {
        McpHttpTestClient client = start(settings("127.0.0.1", "mcp-token", 4096).withAdminToken("admin-token"),
                HostOptions.DEFAULTS);
        host.addPrefixRoute(HttpServerHost.ADMIN_PREFIX, (request, response, callback) -> {
            Content.Sink.write(response, true, "admin " + request.getMethod() + " "
                    + org.eclipse.jetty.server.Request.getPathInContext(request), callback);
            return true;
        });
        java.util.function.BiFunction<String, String, HttpResponse<String>> get = (path, token) -> {
            try {
                HttpRequest.Builder request = HttpRequest.newBuilder(host.uri().resolve(path));
                if (token != null) {
                    request.header("Authorization", "Bearer " + token);
                }
                return client.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        };

        HttpResponse<String> admin = get.apply("/admin/servers/a/restart", "admin-token");
        assertThat(admin.statusCode()).isEqualTo(200);
        assertThat(admin.body()).isEqualTo("admin GET /admin/servers/a/restart");
        HttpResponse<String> mcpTokenOnAdmin = get.apply("/admin/servers", "mcp-token");
        assertThat(mcpTokenOnAdmin.statusCode()).isEqualTo(401);
        assertThat(mcpTokenOnAdmin.body()).contains("proxy.adminToken");
        assertThat(get.apply("/admin/servers", null).statusCode()).isEqualTo(401);
        assertThat(get.apply("/administrator", "admin-token").statusCode()).as("not under the prefix").isEqualTo(404);
        assertThat(client.post(null, INIT, "Accept", McpHttpTestClient.BOTH, "Authorization", "Bearer admin-token")
                .statusCode()).as("the admin token also opens /mcp").isEqualTo(200);

        host.setAdminToken("rotated");
        assertThat(get.apply("/admin/servers", "admin-token").statusCode()).isEqualTo(401);
        assertThat(get.apply("/admin/servers", "rotated").statusCode()).isEqualTo(200);
        host.setAdminToken(null);
        assertThat(get.apply("/admin/servers", "mcp-token").statusCode()).as("back to the proxy's token").isEqualTo(200);
    }

    @Test
    void bindingANonLoopbackHostWithoutATokenIsRefused() {
        host = new HttpServerHost(settings("0.0.0.0", null, 4096), listener);

        assertThatThrownBy(host::start).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("refusing to listen on 0.0.0.0")
                .hasMessageContaining("proxy.authToken")
                .hasMessageContaining("127.0.0.1");
        assertThat(host.port()).isEqualTo(-1);
    }

    @Test
    void unknownMethodsOnTheMcpPathAre405() throws Exception {
        McpHttpTestClient client = start(settings("127.0.0.1", null, 4096), HostOptions.DEFAULTS);

        HttpResponse<String> put = client.http.send(client.request(null)
                .PUT(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(put.statusCode()).isEqualTo(405);
        assertThat(McpHttpTestClient.json(put).path("error").path("code").asInt()).isEqualTo(JsonRpc.INVALID_REQUEST);
    }

    /** Regression (issue 9, item 12): a reload must be able to rotate the token; the old one stops at once. */
    @Test
    void aRotatedTokenReplacesTheOldOneAtOnce() throws Exception {
        McpHttpTestClient client = start(settings("127.0.0.1", "old-token", 4096), HostOptions.DEFAULTS);
        assertThat(client.post(null, INIT, "Accept", McpHttpTestClient.BOTH, "Authorization", "Bearer old-token")
                .statusCode()).isEqualTo(200);

        host.setAuthToken("new-token");

        HttpResponse<String> old = client.post(null, INIT, "Accept", McpHttpTestClient.BOTH,
                "Authorization", "Bearer old-token");
        HttpResponse<String> rotated = client.post(null, INIT, "Accept", McpHttpTestClient.BOTH,
                "Authorization", "Bearer new-token");
        assertThat(old.statusCode()).isEqualTo(401);
        assertThat(old.body()).doesNotContain("new-token");
        assertThat(rotated.statusCode()).isEqualTo(200);
    }

    @Test
    void theTokenCannotBeTurnedOffOnANonLoopbackHost() throws Exception {
        host = new HttpServerHost(settings("0.0.0.0", "t0ken", 4096), listener);

        assertThatThrownBy(() -> host.setAuthToken(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0.0.0.0");
        assertThatThrownBy(() -> host.setAuthToken(" ")).isInstanceOf(IllegalArgumentException.class);
    }

    /** Regression (issue 9, item 12): "bearer" and "BEARER" were refused (RFC 9110: the scheme is case-insensitive). */
    @Test
    void theBearerSchemeIsCaseInsensitive() throws Exception {
        McpHttpTestClient client = start(settings("127.0.0.1", "s3cret", 4096), HostOptions.DEFAULTS);

        for (String scheme : List.of("bearer", "BEARER", "Bearer", "bEaReR")) {
            assertThat(client.post(null, INIT, "Accept", McpHttpTestClient.BOTH, "Authorization", scheme + " s3cret")
                    .statusCode()).as(scheme).isEqualTo(200);
        }
        assertThat(client.post(null, INIT, "Accept", McpHttpTestClient.BOTH, "Authorization", "Basic s3cret")
                .statusCode()).isEqualTo(401);
        assertThat(client.post(null, INIT, "Accept", McpHttpTestClient.BOTH, "Authorization", "bearers3cret")
                .statusCode()).isEqualTo(401);
    }

    /** Regression (issue 9, item 12): a body of any declared type was parsed as JSON. */
    @Test
    void aPostThatIsNotDeclaredAsJsonIs415() throws Exception {
        McpHttpTestClient client = start(settings("127.0.0.1", null, 4096), HostOptions.DEFAULTS);

        HttpResponse<String> form = client.http.send(client.request(null).header("Accept", McpHttpTestClient.BOTH)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(INIT)).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> none = client.http.send(client.request(null).header("Accept", McpHttpTestClient.BOTH)
                .POST(HttpRequest.BodyPublishers.ofString(INIT)).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> withCharset = client.http.send(client.request(null)
                .header("Accept", McpHttpTestClient.BOTH).header("Content-Type", "Application/JSON; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(INIT)).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(form.statusCode()).isEqualTo(415);
        assertThat(McpHttpTestClient.json(form).path("error").path("message").asText())
                .contains("application/x-www-form-urlencoded").contains("Content-Type: application/json");
        assertThat(none.statusCode()).isEqualTo(415);
        assertThat(withCharset.statusCode()).isEqualTo(200);
        assertThat(listener.open).hasSize(1);
    }

    /** Regression (issue 9, item 12): the 403 pointed to an allowed-origins setting that did not exist. */
    @Test
    void originsFromTheConfigAreAllowedAndThe403NamesTheSetting() throws Exception {
        McpHttpTestClient client = start(settings("127.0.0.1", null, 4096)
                .withAllowedOrigins(List.of("https://app.example.com", "tools.example.org")), HostOptions.DEFAULTS);

        HttpResponse<String> full = client.post(null, INIT, "Accept", McpHttpTestClient.BOTH,
                "Origin", "https://app.example.com");
        HttpResponse<String> bareHost = client.post(null, INIT, "Accept", McpHttpTestClient.BOTH,
                "Origin", "https://tools.example.org:8443");
        HttpResponse<String> foreign = client.post(null, INIT, "Accept", McpHttpTestClient.BOTH,
                "Origin", "https://evil.example");

        assertThat(full.statusCode()).isEqualTo(200);
        assertThat(bareHost.statusCode()).isEqualTo(200);
        assertThat(foreign.statusCode()).isEqualTo(403);
        assertThat(foreign.body()).contains("proxy.allowedOrigins").contains("--allowed-origin");
    }

    /** Regression (issue 9, item 12): full session ids (credentials for the session) were logged at INFO. */
    @Test
    void sessionIdsAreLoggedAsAShortPrefixOnly() throws Exception {
        try (dev.dynamicmcp.testsupport.LogCapture captured =
                     dev.dynamicmcp.testsupport.LogCapture.of("dev.dynamicmcp.transport.server")) {
            McpHttpTestClient client = start(settings("127.0.0.1", null, 4096), HostOptions.DEFAULTS);
            String session = client.initialize();
            client.http.send(client.request(session).DELETE().build(), HttpResponse.BodyHandlers.ofString());

            List<String> lines = captured.events().stream().map(e -> e.getFormattedMessage()).toList();
            assertThat(lines).anySatisfy(line -> assertThat(line).contains(session.substring(0, 8))
                    .contains("NEW -> OPEN"));
            assertThat(lines).anySatisfy(line -> assertThat(line).contains(session.substring(0, 8))
                    .contains("OPEN -> CLOSED"));
            assertThat(lines).noneSatisfy(line -> assertThat(line).contains(session));
        }
    }

    private String rawRequest(String request) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", host.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
