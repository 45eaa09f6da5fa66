package dev.dynamicmcp.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.client.McpClient;
import dev.dynamicmcp.config.ConfigException;
import dev.dynamicmcp.config.ConfigLoader;
import dev.dynamicmcp.config.ProxyConfig;
import dev.dynamicmcp.manager.ServerState;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.testsupport.FaultServer;
import dev.dynamicmcp.testsupport.HttpFault;
import dev.dynamicmcp.testsupport.LogCapture;
import dev.dynamicmcp.transport.StreamableHttpTransport;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every admin route against the real proxy ({@link ProxyApp} with its HTTP host, manager, merged server and config
 * file) in front of real upstream servers: a stdio fault server (its own JVM) and a Streamable HTTP one. Changes
 * are checked where users see them: the admin API's answers, an MCP client's {@code tools/list} and the file.
 */
class AdminApiTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private Path file;
    private HttpFault web;
    private HttpFault extra;
    private ProxyApp app;
    private final List<AutoCloseable> closeAfter = new ArrayList<>();

    @BeforeEach
    void upstreams() {
        web = FaultServer.startHttp(FaultServer.Options.builder().name("web").build());
        extra = FaultServer.startHttp(FaultServer.Options.builder().name("extra").tools(2).build());
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closeAfter.reversed()) {
            c.close();
        }
        if (app != null) {
            app.close();
        }
        web.close();
        extra.close();
    }

    static String stdio(String... knobs) {
        List<String> command = FaultServer.command(knobs);
        return "{\"command\": " + Json.write(Json.MAPPER.valueToTree(command.get(0))) + ", \"args\": "
                + Json.write(Json.MAPPER.valueToTree(command.subList(1, command.size()))) + "}";
    }

    private String http(HttpFault server) {
        return "{\"url\": \"" + server.url() + "\", \"headers\": {\"X-Api-Key\": \"k-secret\"}}";
    }

    private String configText(String proxyExtra) {
        return "{\n  \"proxy\": {\"port\": 0" + proxyExtra + "},\n  \"mcpServers\": {\n    \"alpha\": "
                + stdio("--name", "alpha") + ",\n    \"web\": " + http(web) + "\n  }\n}\n";
    }

    private ProxyApp start(String proxyExtra, boolean persist) throws Exception {
        file = dir.resolve("proxy.json");
        Files.writeString(file, configText(proxyExtra));
        ProxyConfig config = ConfigLoader.load(file);
        app = ProxyApp.assemble(config, ProxyApp.Options.httpOnly().withPersist(persist), file);
        app.start();
        return app;
    }

    private HttpResponse<String> call(String method, String path, String body, String token, String... headers)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(app.baseUri().resolve(path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (headers.length > 0) {
            request.headers(headers);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> call(String method, String path, String body) throws Exception {
        return call(method, path, body, null);
    }

    private static JsonNode json(HttpResponse<String> response) {
        return Json.parse(response.body());
    }

    private McpClient mcpClient(List<String> notifications) throws Exception {
        McpClient client = new McpClient("proxy", new StreamableHttpTransport("proxy", app.endpoint(), Map.of(),
                null, Duration.ofSeconds(10)), McpClient.Options.defaults());
        client.addNotificationListener(n -> notifications.add(n.path("method").asText()));
        client.connect(Duration.ofSeconds(20));
        closeAfter.add(client);
        return client;
    }

    private static List<String> toolNames(McpClient client) {
        return client.listTools().stream().map(t -> t.path("name").asText()).toList();
    }

    private String fileText() throws Exception {
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    private ObjectNode fileEntry(String name) throws Exception {
        JsonNode entry = ConfigLoader.tree(Files.readAllBytes(file)).path("mcpServers").get(name);
        return entry instanceof ObjectNode object ? object : null;
    }

    @Test
    void getListsEveryServerInConfigOrderAndOneWithWhatItOffers() throws Exception {
        start("", true);
        JsonNode list = json(call("GET", "/admin/servers", null));
        assertThat(list.path("servers")).extracting(s -> s.path("name").asText()).containsExactly("alpha", "web");
        JsonNode alpha = list.path("servers").get(0);
        assertThat(alpha.path("transport").asText()).isEqualTo("stdio");
        assertThat(alpha.path("status").asText()).isEqualTo("ready");
        assertThat(FaultServer.PROTOCOL_VERSIONS).contains(alpha.path("revision").asText());
        assertThat(alpha.path("config").path("command").asText()).isNotEmpty();
        JsonNode webView = list.path("servers").get(1);
        assertThat(webView.path("config").path("headers").path("X-Api-Key").asText()).isEqualTo("****");
        assertThat(webView.path("config").path("url").asText()).isEqualTo(web.url().toString());

        HttpResponse<String> one = call("GET", "/admin/servers/web", null);
        assertThat(one.statusCode()).isEqualTo(200);
        assertThat(json(one).path("tools")).extracting(t -> t.path("name").asText()).contains("echo", "add");
        assertThat(call("GET", "/admin/servers/nope", null).statusCode()).isEqualTo(404);
    }

    @Test
    void putNewIs201AndTheToolsReachMcpClientsAndTheFile_putAgainIs200_theWatcherDoesNotApplyItTwice()
            throws Exception {
        start("", true);
        app.watchConfig(Duration.ofMillis(50));
        List<String> notifications = new CopyOnWriteArrayList<>();
        McpClient client = mcpClient(notifications);
        assertThat(toolNames(client)).noneMatch(name -> name.startsWith("beta__"));
        String before = fileText();

        try (LogCapture manager = LogCapture.of("dev.dynamicmcp.manager")) {
            HttpResponse<String> created = call("PUT", "/admin/servers/beta",
                    "{\"url\": \"" + extra.url() + "\", // a comment, as in a JSONC file\n}");
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            assertThat(json(created).path("result").asText()).isEqualTo("created");
            await().atMost(Duration.ofSeconds(10)).until(() -> notifications.contains("notifications/tools/list_changed"));
            await().atMost(Duration.ofSeconds(10)).until(() -> toolNames(client).contains("beta__echo"));
            assertThat(fileEntry("beta").path("url").asText()).isEqualTo(extra.url().toString());
            assertThat(fileText()).as("the rest of the file is unchanged").startsWith(before.substring(0,
                    before.lastIndexOf("\n  }")));

            HttpResponse<String> replaced = call("PUT", "/admin/servers/beta",
                    "{\"url\": \"" + extra.url() + "\", \"tools\": {\"deny\": [\"echo\"]}}");
            assertThat(replaced.statusCode()).as(replaced.body()).isEqualTo(200);
            assertThat(json(replaced).path("result").asText()).isEqualTo("replaced");
            await().atMost(Duration.ofSeconds(10)).until(() -> !toolNames(client).contains("beta__echo")
                    && toolNames(client).contains("beta__add"));
            assertThat(fileEntry("beta").path("tools").path("deny").get(0).asText()).isEqualTo("echo");

            // A hand edit after the proxy's own writes: once it is applied, the watcher has seen our writes too.
            String edited = fileText().replace("\"mcpServers\": {", "\"mcpServers\": {\n    \"gamma\": "
                    + http(web) + ",");
            Files.writeString(file, edited);
            await().atMost(Duration.ofSeconds(10)).until(() -> app.manager().config("gamma").isPresent());
            assertThat(manager.lines()).filteredOn(line -> line.contains("server \"beta\" added")).hasSize(1);
            assertThat(manager.lines()).filteredOn(line -> line.contains("server \"beta\" replaced")).hasSize(1);
            assertThat(manager.lines()).filteredOn(line -> line.matches(".*server \"(alpha|web)\" (added|replaced|removed).*"))
                    .as("the other servers were not touched").isEmpty();
        }
        JsonNode list = json(call("GET", "/admin/servers", null));
        assertThat(list.path("servers")).extracting(s -> s.path("name").asText())
                .containsExactlyInAnyOrder("alpha", "web", "beta", "gamma");
        assertThat(json(call("GET", "/admin/servers/gamma", null)).path("config").path("url").asText())
                .as("the API shows the file's entry after a hand edit").isEqualTo(web.url().toString());
    }

    @Test
    void putInvalidIs400WithTheLoadersMessagesAndNothingIsApplied() throws Exception {
        start("", true);
        String bad = "{\"command\": \"x\", \"url\": \"http://localhost:1/mcp\", \"requestTimeout\": \"soon\"}";
        List<String> expected;
        try {
            ConfigLoader.parse("{\"mcpServers\": {\"broken\": " + bad + "}}", Map.of(), dir);
            throw new AssertionError("the entry should be invalid");
        } catch (ConfigException e) {
            expected = e.problems().stream().map(p -> p.message()).toList();
        }
        String before = fileText();
        HttpResponse<String> answer = call("PUT", "/admin/servers/broken", bad);
        assertThat(answer.statusCode()).isEqualTo(400);
        assertThat(json(answer).path("problems")).extracting(p -> p.path("message").asText())
                .containsExactlyElementsOf(expected);
        assertThat(app.manager().config("broken")).isEmpty();
        assertThat(fileText()).isEqualTo(before);

        HttpResponse<String> badName = call("PUT", "/admin/servers/has%20space", "{\"command\": \"x\"}");
        assertThat(badName.statusCode()).isEqualTo(400);
        assertThat(json(badName).path("problems").get(0).path("message").asText()).startsWith("name may only contain");
        assertThat(fileText()).isEqualTo(before);
    }

    @Test
    void deleteIs404ForUnknownAndOtherwiseTheServerIsGoneFromProxyAndFile() throws Exception {
        start("", true);
        List<String> notifications = new CopyOnWriteArrayList<>();
        McpClient client = mcpClient(notifications);
        assertThat(toolNames(client)).contains("web__echo");
        assertThat(call("DELETE", "/admin/servers/nope", null).statusCode()).isEqualTo(404);

        HttpResponse<String> removed = call("DELETE", "/admin/servers/web", null);
        assertThat(removed.statusCode()).isEqualTo(200);
        assertThat(app.manager().config("web")).isEmpty();
        assertThat(fileEntry("web")).isNull();
        assertThat(fileEntry("alpha")).isNotNull();
        await().atMost(Duration.ofSeconds(10)).until(() -> toolNames(client).stream().noneMatch(n -> n.startsWith("web__")));
        assertThat(json(call("GET", "/admin/servers", null)).path("servers")).extracting(s -> s.path("name").asText())
                .containsExactly("alpha");
    }

    @Test
    void restartReconnectsDisableAndEnableArePersisted() throws Exception {
        start("", true);
        long pid = app.manager().client("alpha").transport().pid();
        HttpResponse<String> restarted = call("POST", "/admin/servers/alpha/restart", null);
        assertThat(restarted.statusCode()).isEqualTo(200);
        assertThat(json(restarted).path("result").asText()).isEqualTo("restarted");
        await().atMost(Duration.ofSeconds(20)).until(() -> app.manager().status("alpha").state() == ServerState.READY
                && app.manager().client("alpha").transport().pid() != pid);
        assertThat(fileEntry("alpha").has("disabled")).isFalse();

        HttpResponse<String> disabled = call("POST", "/admin/servers/alpha/disable", null);
        assertThat(disabled.statusCode()).isEqualTo(200);
        assertThat(json(disabled).path("server").path("status").asText()).isEqualTo("disabled");
        assertThat(fileEntry("alpha").path("disabled").asBoolean()).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.of(pid).isEmpty()
                || !ProcessHandle.of(pid).get().isAlive());

        HttpResponse<String> enabled = call("POST", "/admin/servers/alpha/enable", null);
        assertThat(enabled.statusCode()).isEqualTo(200);
        assertThat(fileEntry("alpha").has("disabled")).isFalse();
        await().atMost(Duration.ofSeconds(20)).until(() -> app.manager().status("alpha").state() == ServerState.READY);
        assertThat(call("POST", "/admin/servers/nope/restart", null).statusCode()).isEqualTo(404);
        assertThat(call("GET", "/admin/servers/alpha/restart", null).statusCode()).isEqualTo(405);
    }

    @Test
    void reloadRereadsTheFileAndRefusesAnInvalidOne() throws Exception {
        start("", true); // no watcher: only the reload applies the edit
        Files.writeString(file, fileText().replace("\"mcpServers\": {", "\"mcpServers\": {\n    \"beta\": "
                + http(extra) + ","));
        HttpResponse<String> reloaded = call("POST", "/admin/reload", null);
        assertThat(reloaded.statusCode()).as(reloaded.body()).isEqualTo(200);
        assertThat(app.manager().config("beta")).isPresent();

        Files.writeString(file, "{\"mcpServers\": {\"x\": {\"command\": 5}}}");
        HttpResponse<String> refused = call("POST", "/admin/reload", null);
        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(json(refused).path("problems").get(0).path("message").asText()).contains("must be a string");
        assertThat(app.manager().config("beta")).as("the running config stays").isPresent();
    }

    @Test
    void theEventStreamShowsStateChangesAndConfigChangesFromTheApiAndTheFile() throws Exception {
        start("", true);
        app.watchConfig(Duration.ofMillis(50));
        List<JsonNode> events = new CopyOnWriteArrayList<>();
        HttpResponse<Stream<String>> stream = HTTP.send(HttpRequest.newBuilder(app.baseUri().resolve("/admin/events"))
                .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofLines());
        assertThat(stream.statusCode()).isEqualTo(200);
        Thread reader = Thread.ofVirtual().start(() -> {
            try (Stream<String> lines = stream.body()) {
                lines.filter(line -> line.startsWith("data:")).forEach(line -> events.add(Json.parse(line.substring(5))));
            } catch (RuntimeException e) {
                // closed at the end of the test
            }
        });
        closeAfter.add(reader::interrupt);

        call("POST", "/admin/servers/web/disable", null);
        JsonNode state = next(events, e -> e.path("type").asText().equals("state") && e.path("server").asText().equals("web")
                && e.path("to").asText().equals("DISABLED"));
        assertThat(state.path("status").asText()).isEqualTo("disabled");
        JsonNode fromApi = next(events, e -> e.path("type").asText().equals("config"));
        assertThat(fromApi.path("source").asText()).isEqualTo("api");
        assertThat(fromApi.path("server").asText()).isEqualTo("web");

        Files.writeString(file, fileText().replace("\"mcpServers\": {", "\"mcpServers\": {\n    \"beta\": "
                + http(extra) + ","));
        JsonNode fromFile = next(events, e -> e.path("type").asText().equals("config") && e.path("server").asText().equals("beta"));
        assertThat(fromFile.path("source").asText()).isEqualTo("file");
        assertThat(fromFile.path("change").asText()).isEqualTo("added");
    }

    /** The first event so far that {@code wanted} accepts, waiting for it (the stream's order between kinds varies). */
    private static JsonNode next(List<JsonNode> events, java.util.function.Predicate<JsonNode> wanted) {
        return await().atMost(Duration.ofSeconds(20)).until(
                () -> events.stream().filter(wanted).findFirst(), java.util.Optional::isPresent).orElseThrow();
    }

    @Test
    void theAdminTokenIsTheOnlyKeyToTheAdminRoutesAndTheConsolePageIsPublic() throws Exception {
        start(", \"authToken\": \"mcp-token\", \"adminToken\": \"admin-token\"", true);
        assertThat(call("GET", "/admin/servers", null).statusCode()).isEqualTo(401);
        assertThat(call("GET", "/admin/servers", null, "mcp-token").statusCode())
                .as("an MCP client's token cannot change servers").isEqualTo(401);
        assertThat(call("PUT", "/admin/servers/x", "{\"command\": \"x\"}", "mcp-token").statusCode()).isEqualTo(401);
        assertThat(app.manager().config("x")).isEmpty();
        assertThat(call("GET", "/admin/servers", null, "admin-token").statusCode()).isEqualTo(200);
        assertThat(call("GET", "/admin/servers", null, "admin-token", "Origin", "http://evil.example").statusCode())
                .as("Origin checks as for /mcp").isEqualTo(403);
        assertThat(call("GET", "/status", null, "mcp-token").statusCode()).isEqualTo(200);
        assertThat(call("GET", "/", null).statusCode()).as("the console page asks for the token itself").isEqualTo(200);
        assertThat(call("GET", "/console/console.js", null).statusCode()).isEqualTo(200);
        assertThat(call("GET", "/mcp", null).statusCode()).isEqualTo(401);
    }

    @Test
    void withoutAnAdminTokenTheProxysTokenGuardsTheAdminRoutes() throws Exception {
        start(", \"authToken\": \"mcp-token\"", true);
        assertThat(call("GET", "/admin/servers", null).statusCode()).isEqualTo(401);
        assertThat(call("GET", "/admin/servers", null, "wrong").statusCode()).isEqualTo(401);
        assertThat(call("GET", "/admin/servers", null, "mcp-token").statusCode()).isEqualTo(200);
    }

    @Test
    void adminTokenIsExpandedNearMissCheckedAndNeverEmpty() {
        ProxyConfig config = ConfigLoader.parse("{\"proxy\": {\"adminToken\": \"${ADMIN}\"}, \"mcpServers\": {}}",
                Map.of("ADMIN", "from-env"), dir);
        assertThat(config.proxy().adminToken()).isEqualTo("from-env");
        assertThatThrownBy(() -> ConfigLoader.parse("{\"proxy\": {\"adminTokn\": \"x\"}, \"mcpServers\": {}}",
                Map.of(), dir)).hasMessageContaining("adminToken");
        assertThatThrownBy(() -> ConfigLoader.parse("{\"proxy\": {\"adminToken\": \"${EMPTY}\"}, \"mcpServers\": {}}",
                Map.of("EMPTY", ""), dir)).hasMessageContaining("adminToken").hasMessageContaining("is empty");
    }

    @Test
    void withNoPersistChangesApplyButTheFileIsLeftAlone() throws Exception {
        start("", false);
        String before = fileText();
        List<String> notifications = new CopyOnWriteArrayList<>();
        McpClient client = mcpClient(notifications);
        assertThat(call("PUT", "/admin/servers/beta", http(extra)).statusCode()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(10)).until(() -> toolNames(client).contains("beta__echo"));
        assertThat(call("POST", "/admin/servers/web/disable", null).statusCode()).isEqualTo(200);
        assertThat(call("DELETE", "/admin/servers/alpha", null).statusCode()).isEqualTo(200);
        assertThat(json(call("GET", "/admin/servers/beta", null)).path("config").path("url").asText())
                .isEqualTo(extra.url().toString());
        assertThat(fileText()).isEqualTo(before);
    }
}
