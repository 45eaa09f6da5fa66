package dev.dynamicmcp.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.client.McpClient;
import dev.dynamicmcp.config.ConfigException;
import dev.dynamicmcp.config.ConfigLoader;
import dev.dynamicmcp.config.ProxyConfig;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.testsupport.FaultServer;
import dev.dynamicmcp.testsupport.HttpFault;
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
 * The profile routes of the admin API ({@code GET/PUT/DELETE /admin/profiles/{name}}) against the real proxy: a
 * {@link ProxyApp} with its config file in front of a stdio and a Streamable HTTP fault server. Each change is
 * checked where users see it: the API's answers, an MCP client on {@code /mcp/{name}}, and the file.
 */
class AdminProfilesApiTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String REVIEWER = "{\"servers\": {\"alpha\": {\"tools\": {\"allow\": [\"echo\"]}}},"
            + " \"token\": \"reviewer-secret\"}";

    @TempDir
    Path dir;

    private Path file;
    private HttpFault web;
    private ProxyApp app;
    private final List<AutoCloseable> closeAfter = new ArrayList<>();

    @BeforeEach
    void upstreams() {
        web = FaultServer.startHttp(FaultServer.Options.builder().name("web").tools(3).build());
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
    }

    private String configText(String profiles) {
        return "{\n  \"proxy\": {\"port\": 0},\n  \"mcpServers\": {\n    \"alpha\": "
                + AdminApiTest.stdio("--name", "alpha") + ",\n    \"web\": {\"url\": \"" + web.url() + "\"}\n  }"
                + (profiles == null ? "" : ",\n  \"profiles\": " + profiles) + "\n}\n";
    }

    private void start(String profiles, boolean persist) throws Exception {
        file = dir.resolve("proxy.json");
        Files.writeString(file, configText(profiles));
        ProxyConfig config = ConfigLoader.load(file);
        app = ProxyApp.assemble(config, ProxyApp.Options.httpOnly().withPersist(persist), file);
        app.start();
    }

    private HttpResponse<String> call(String method, String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(app.baseUri().resolve(path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) {
        return Json.parse(response.body());
    }

    private McpClient client(String path, String token, List<String> notifications) throws Exception {
        URI endpoint = app.baseUri().resolve(path);
        McpClient client = new McpClient("c", new StreamableHttpTransport("c", endpoint,
                token == null ? Map.of() : Map.of("Authorization", "Bearer " + token), null, Duration.ofSeconds(10)),
                McpClient.Options.defaults());
        client.addNotificationListener(n -> notifications.add(n.path("method").asText()));
        client.connect(Duration.ofSeconds(20));
        closeAfter.add(client);
        return client;
    }

    private static List<String> toolNames(McpClient client) {
        return client.listTools().stream().map(t -> t.path("name").asText()).toList();
    }

    /** A bare initialize on {@code path}: its status says whether the endpoint exists. */
    private HttpResponse<String> initialize(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(app.baseUri().resolve(path))
                .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\","
                        + "\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
                        + "\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private String fileText() throws Exception {
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    private JsonNode fileProfiles() throws Exception {
        return ConfigLoader.tree(Files.readAllBytes(file)).path("profiles");
    }

    @Test
    void getListsEachProfileWithItsServersPatternsTokenFlagAndSessions_oneAlsoWithItsTools() throws Exception {
        start("{\"reviewer\": " + REVIEWER + ", \"all\": {\"servers\": {\"alpha\": {}, \"web\": {\"tools\": "
                + "{\"deny\": [\"t2\"]}}}}}", true);
        client("/mcp/reviewer", "reviewer-secret", new CopyOnWriteArrayList<>());

        HttpResponse<String> list = call("GET", "/admin/profiles", null);
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(list.body()).as("a profile's token is never shown").doesNotContain("reviewer-secret");
        JsonNode profiles = json(list).path("profiles");
        assertThat(profiles).extracting(p -> p.path("name").asText()).containsExactly("reviewer", "all");
        JsonNode reviewer = profiles.get(0);
        assertThat(reviewer.path("path").asText()).isEqualTo("/mcp/reviewer");
        assertThat(reviewer.path("servers").path("alpha").path("allow")).extracting(JsonNode::asText)
                .containsExactly("echo");
        assertThat(reviewer.path("servers").path("alpha").path("deny")).isEmpty();
        assertThat(reviewer.path("hasToken").asBoolean()).isTrue();
        assertThat(reviewer.path("sessions").asInt()).isEqualTo(1);
        assertThat(reviewer.path("config").path("token").asText()).isEqualTo("****");
        JsonNode all = profiles.get(1);
        assertThat(all.path("hasToken").asBoolean()).isFalse();
        assertThat(all.path("sessions").asInt()).isZero();
        assertThat(all.path("servers").path("web").path("deny")).extracting(JsonNode::asText).containsExactly("t2");

        HttpResponse<String> one = call("GET", "/admin/profiles/reviewer", null);
        assertThat(one.statusCode()).isEqualTo(200);
        assertThat(json(one).path("tools")).extracting(t -> t.path("name").asText()).containsExactly("alpha__echo");
        assertThat(call("GET", "/admin/profiles/nope", null).statusCode()).isEqualTo(404);
        assertThat(call("POST", "/admin/profiles/reviewer", null).statusCode()).isEqualTo(405);
        assertThat(call("GET", "/admin/profiles/a/b", null).statusCode()).isEqualTo(404);
    }

    @Test
    void putNewIs201AndItsEndpointServesExactlyTheAllowedTools_putAgainIs200AndItsClientsHearListChanged()
            throws Exception {
        start(null, true);
        List<JsonNode> events = followEvents();
        String before = fileText();
        assertThat(initialize("/mcp/ops").statusCode()).isEqualTo(404);

        HttpResponse<String> created = call("PUT", "/admin/profiles/ops",
                "{\"servers\": {\"web\": {\"tools\": {\"allow\": [\"t?\"], \"deny\": [\"t1\"]}},"
                        + " \"alpha\": {\"tools\": {\"allow\": [\"add\"]}}}, // as in a JSONC file\n}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(json(created).path("result").asText()).isEqualTo("created");
        assertThat(json(created).path("profile").path("servers").path("web").path("deny"))
                .extracting(JsonNode::asText).containsExactly("t1");

        List<String> notifications = new CopyOnWriteArrayList<>();
        McpClient ops = client("/mcp/ops", null, notifications);
        assertThat(toolNames(ops)).containsExactlyInAnyOrder("web__t0", "web__t2", "alpha__add");
        assertThat(fileText()).as("everything before the new section is kept byte for byte")
                .startsWith(before.substring(0, before.lastIndexOf("\n}")) + ",\n  \"profiles\": {");
        assertThat(fileProfiles().path("ops").path("servers").path("web").path("tools").path("allow").get(0).asText())
                .isEqualTo("t?");
        assertThat(ConfigLoader.load(file).profiles()).as("the file still loads, with the profile")
                .containsOnlyKeys("ops");
        JsonNode added = next(events, e -> e.path("type").asText().equals("config")
                && e.path("profile").asText().equals("ops"));
        assertThat(added.path("change").asText()).isEqualTo("added");
        assertThat(added.path("source").asText()).isEqualTo("api");

        HttpResponse<String> replaced = call("PUT", "/admin/profiles/ops",
                "{\"servers\": {\"web\": {\"tools\": {\"allow\": [\"t?\"]}}}}");
        assertThat(replaced.statusCode()).as(replaced.body()).isEqualTo(200);
        assertThat(json(replaced).path("result").asText()).isEqualTo("replaced");
        await().atMost(Duration.ofSeconds(10)).until(() -> notifications.contains("notifications/tools/list_changed"));
        assertThat(toolNames(ops)).containsExactlyInAnyOrder("web__t0", "web__t1", "web__t2");
        assertThat(fileProfiles().path("ops").path("servers").path("web").path("tools").has("deny")).isFalse();
        assertThat(fileProfiles().path("ops").path("servers").has("alpha")).isFalse();
        next(events, e -> e.path("type").asText().equals("config") && e.path("profile").asText().equals("ops")
                && e.path("change").asText().equals("replaced"));
    }

    @Test
    void putInvalidIs400WithTheLoadersMessagesNothingIsAppliedAndTheFileIsByteIdentical() throws Exception {
        start("{\"reviewer\": " + REVIEWER + "}", true);
        String bad = "{\"servers\": {\"nosuch\": {}, \"web\": {\"tools\": {\"allow\": 5}}}, \"tokn\": \"x\","
                + " \"token\": \"reviewer-secret\"}";
        List<String> expected;
        try {
            ConfigLoader.parse(configText("{\"reviewer\": " + REVIEWER + ", \"bad\": " + bad + "}"), Map.of(), dir);
            throw new AssertionError("the profile should be invalid");
        } catch (ConfigException e) {
            expected = e.problems().stream().map(p -> p.message()).toList();
        }
        assertThat(expected).hasSizeGreaterThanOrEqualTo(3);
        String before = fileText();

        HttpResponse<String> answer = call("PUT", "/admin/profiles/bad", bad);
        assertThat(answer.statusCode()).isEqualTo(400);
        JsonNode problems = json(answer).path("problems");
        assertThat(problems).extracting(p -> p.path("message").asText()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(problems).extracting(p -> p.path("field").asText()).contains("servers.nosuch", "token");
        assertThat(answer.body()).doesNotContain("reviewer-secret");
        assertThat(fileText()).isEqualTo(before);
        assertThat(call("GET", "/admin/profiles/bad", null).statusCode()).isEqualTo(404);
        assertThat(initialize("/mcp/bad").statusCode()).as("nothing applied").isEqualTo(404);

        HttpResponse<String> badName = call("PUT", "/admin/profiles/has.dot", "{\"servers\": {}}");
        assertThat(badName.statusCode()).isEqualTo(400);
        assertThat(json(badName).path("problems").get(0).path("field").asText()).isEqualTo("name");
        HttpResponse<String> notJson = call("PUT", "/admin/profiles/x", "{\"servers\": ");
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(json(notJson).path("problems").get(0).path("message").asText()).startsWith("not valid JSON");
        assertThat(fileText()).isEqualTo(before);
        assertThat(app.runningConfig().profiles()).containsOnlyKeys("reviewer");
    }

    @Test
    void deleteIs404ForUnknown_otherwiseItsEndpointAnswers404ItsSessionIsClosedAndTheEntryLeavesTheFile()
            throws Exception {
        start("{\"reviewer\": " + REVIEWER + ", \"all\": {\"servers\": {\"web\": {}}}}", true);
        McpClient reviewer = client("/mcp/reviewer", "reviewer-secret", new CopyOnWriteArrayList<>());
        assertThat(toolNames(reviewer)).containsExactly("alpha__echo");
        assertThat(call("DELETE", "/admin/profiles/nope", null).statusCode()).isEqualTo(404);

        HttpResponse<String> removed = call("DELETE", "/admin/profiles/reviewer", null);
        assertThat(removed.statusCode()).as(removed.body()).isEqualTo(200);
        assertThat(json(removed).path("result").asText()).isEqualTo("removed");
        assertThat(initialize("/mcp/reviewer").statusCode()).isEqualTo(404);
        await().atMost(Duration.ofSeconds(10)).until(() -> json(call("GET", "/admin/profiles", null)).path("profiles")
                .size() == 1);
        assertThat(fileProfiles().has("reviewer")).isFalse();
        assertThat(fileProfiles().has("all")).isTrue();
        assertThat(fileText()).doesNotContain("reviewer-secret");
        assertThat(ConfigLoader.load(file).profiles()).containsOnlyKeys("all");
        await().atMost(Duration.ofSeconds(10)).until(() -> app.merged().sessionCount("reviewer") == 0);
    }

    @Test
    void deletingAServerThatProfilesNameIsRefusedWith409NamingThem() throws Exception {
        start("{\"reviewer\": " + REVIEWER + ", \"mixed\": {\"servers\": {\"alpha\": {}, \"web\": {}}},"
                + " \"webonly\": {\"servers\": {\"web\": {}}}}", true);
        String before = fileText();

        HttpResponse<String> refused = call("DELETE", "/admin/servers/alpha", null);
        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(json(refused).path("profiles")).extracting(JsonNode::asText).containsExactly("reviewer", "mixed");
        assertThat(json(refused).path("error").asText()).contains("\"reviewer\"").contains("\"mixed\"");
        assertThat(app.manager().config("alpha")).isPresent();
        assertThat(fileText()).isEqualTo(before);

        assertThat(call("DELETE", "/admin/profiles/reviewer", null).statusCode()).isEqualTo(200);
        assertThat(call("DELETE", "/admin/profiles/mixed", null).statusCode()).isEqualTo(200);
        assertThat(call("DELETE", "/admin/servers/alpha", null).statusCode()).isEqualTo(200);
        assertThat(ConfigLoader.load(file).servers()).containsOnlyKeys("web");
    }

    @Test
    void withNoPersistProfileChangesApplyButTheFileIsLeftAlone() throws Exception {
        start("{\"reviewer\": " + REVIEWER + "}", false);
        String before = fileText();
        assertThat(call("PUT", "/admin/profiles/ops", "{\"servers\": {\"web\": {\"tools\": {\"allow\": [\"t0\"]}}}}")
                .statusCode()).isEqualTo(201);
        McpClient ops = client("/mcp/ops", null, new CopyOnWriteArrayList<>());
        assertThat(toolNames(ops)).containsExactly("web__t0");
        assertThat(call("DELETE", "/admin/profiles/reviewer", null).statusCode()).isEqualTo(200);
        assertThat(initialize("/mcp/reviewer").statusCode()).isEqualTo(404);
        assertThat(json(call("GET", "/admin/profiles", null)).path("profiles")).extracting(p -> p.path("name").asText())
                .containsExactly("ops");
        assertThat(fileText()).isEqualTo(before);
    }

    private List<JsonNode> followEvents() throws Exception {
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
        return events;
    }

    private static JsonNode next(List<JsonNode> events, java.util.function.Predicate<JsonNode> wanted) {
        return await().atMost(Duration.ofSeconds(20)).until(
                () -> events.stream().filter(wanted).findFirst(), java.util.Optional::isPresent).orElseThrow();
    }
}
