package dev.dynamicmcp.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.app.ProxyApp;
import dev.dynamicmcp.auth.upstream.TokenStore;
import dev.dynamicmcp.client.McpClient;
import dev.dynamicmcp.config.ConfigLoader;
import dev.dynamicmcp.manager.ServerState;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.McpMethods;
import dev.dynamicmcp.testsupport.TempDirs;
import dev.dynamicmcp.transport.StreamableHttpTransport;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The command the conformance suite's client side runs ({@code conformance client --command ...}), of both
 * suites (0.1.16 {@code --suite auth}, 0.2.0 {@code --requirements 2026-07-28}), to test the proxy's upstream
 * side: it starts the proxy with the scenario's mock server (the URL the runner appends as the last argument)
 * as its only upstream, with {@code "oauth"} on (pre-registered credentials from {@code MCP_CONFORMANCE_CONTEXT}
 * when the scenario gives them), then drives the scenario's calls through the proxy with a 2025 client. The
 * proxy is the client under test; this driver only makes it talk, and plays the person at the browser: when
 * the proxy says "needs sign-in" it opens the link the console's button would
 * ({@code POST /admin/servers/upstream/sign-in}) and follows the authorization server's redirect back to the
 * proxy's {@code /oauth/callback} (again when a call asks for more scopes).
 *
 * <p>The driver declares sampling, elicitation and roots, and answers the requests the proxy sends it: a
 * modern mock server's {@code input_required} is bridged inside the proxy (Bridge B: the proxy asks this 2025
 * client with ordinary requests and retries the server with {@code inputResponses} and its
 * {@code requestState}), so what the suite measures for sep-2322 is the proxy's own retry.
 *
 * <p>{@link #run} serves one scenario in the calling JVM ({@link ConformanceDriverService} runs it for the JUnit
 * tests, so no JVM starts per scenario); {@link #main} is the standalone form.
 */
public final class ConformanceClientWrapper {
    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    private static final int MAX_SIGN_INS = 3;
    private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    private final ProxyApp proxy;
    private final PrintStream log;
    private int signIns;

    private ConformanceClientWrapper(ProxyApp proxy, PrintStream log) {
        this.proxy = proxy;
        this.log = log;
    }

    public static void main(String[] args) {
        JsonNode context = Json.parse(System.getenv().getOrDefault("MCP_CONFORMANCE_CONTEXT", "{}"));
        System.exit(run(args[args.length - 1], System.getenv().getOrDefault("MCP_CONFORMANCE_SCENARIO", ""),
                context, System.err));
    }

    /** Serves one scenario; returns the exit code the runner should see (it judges the scenario by its checks). */
    static int run(String url, String scenario, JsonNode context, PrintStream log) {
        Path dataDir = null;
        try {
            dataDir = Files.createTempDirectory("conformance-client");
            Files.writeString(dataDir.resolve(TokenStore.KEY_FILE), TokenStore.generateKey());
            ObjectNode oauth = Json.object();
            if (context.hasNonNull("client_id")) {
                oauth.put("clientId", context.path("client_id").asText());
            }
            if (context.hasNonNull("client_secret")) {
                oauth.put("clientSecret", context.path("client_secret").asText());
            }
            if (context.hasNonNull("private_key_pem")) {
                oauth.put("clientPrivateKey", context.path("private_key_pem").asText());
            }
            // the Client ID Metadata Document a deployment would host (the suite's authorization servers know this
            // URL and do not fetch it); used only where a server advertises client_id_metadata_document_supported
            oauth.put("clientMetadataUrl", "https://conformance-test.local/client-metadata.json");
            if (scenario.contains("client-credentials")) {
                oauth.put("clientCredentials", true);
            }
            String config = """
                    {"proxy": {"port": 0, "host": "127.0.0.1", "namespace": "none", "dataDir": %s,
                               "defaults": {"connectTimeout": "10s", "backoff": {"initial": "200ms", "max": "2s"}}},
                     "mcpServers": {"upstream": {"url": %s, "transport": "streamable-http", "oauth": %s}}}
                    """.formatted(Json.write(Json.MAPPER.valueToTree(dataDir.toString())),
                    Json.write(Json.MAPPER.valueToTree(url)), Json.write(oauth));
            try (ProxyApp proxy = ProxyApp.start(ConfigLoader.parse(config, Map.of(), dataDir),
                    ProxyApp.Options.httpOnly())) {
                return new ConformanceClientWrapper(proxy, log).drive(scenario, context);
            }
        } catch (Exception e) {
            log.println("conformance driver failed: " + e);
            return 1;
        } finally {
            deleteQuietly(dataDir, log);
        }
    }

    /** The scenario's data directory (its token key and stored tokens) goes when the scenario ends. */
    private static void deleteQuietly(Path dataDir, PrintStream log) {
        if (dataDir == null) {
            return;
        }
        try {
            TempDirs.deleteTree(dataDir);
        } catch (IOException | UncheckedIOException e) {
            log.println("could not remove " + dataDir + ": " + e);
        }
    }

    private int drive(String scenario, JsonNode context) throws Exception {
        if (!ready()) {
            log.println("upstream is not READY: " + proxy.manager().status("upstream"));
            return 1;
        }
        ObjectNode capabilities = Json.object();
        capabilities.putObject("sampling");
        capabilities.putObject("elicitation");
        capabilities.putObject("roots");
        McpClient.Options options = new McpClient.Options(Json.object().put("name", "conformance-driver")
                .put("version", "1"), capabilities, TIMEOUT);
        try (McpClient client = new McpClient("proxy", new StreamableHttpTransport("proxy", proxy.endpoint(),
                Map.of(), null, TIMEOUT), options)) {
            client.setRequestHandler(request -> java.util.concurrent.CompletableFuture.completedFuture(
                    answer(request)));
            client.connect(TIMEOUT);
            drive(client, scenario, context);
        }
        return 0;
    }

    private void drive(McpClient client, String scenario, JsonNode context) throws InterruptedException {
        // READY comes before the merged catalog has the server's tools (it is listed right after): wait for them
        List<ObjectNode> tools = client.listTools();
        for (Instant until = Instant.now().plusSeconds(5); tools.isEmpty() && Instant.now().isBefore(until); ) {
            Thread.sleep(50);
            tools = client.listTools();
        }
        log.println("tools through the proxy: " + tools.stream().map(t -> t.path("name").asText()).toList());
        switch (scenario) {
            case "tools_call" -> call(client, "add_numbers", Json.object().put("a", 2).put("b", 3));
            case "http-custom-headers" -> {
                for (JsonNode toolCall : context.path("toolCalls")) {
                    call(client, toolCall.path("name").asText(), toolCall.path("arguments"));
                }
            }
            case "http-invalid-tool-headers" -> tools.stream().filter(t -> "valid_tool".equals(t.path("name").asText()))
                    .findFirst().ifPresent(t -> call(client, "valid_tool", Json.object()));
            case "json-schema-ref-no-deref", "request-metadata" -> { }
            // the schema a client received through the proxy, echoed back verbatim: what the proxy kept of it
            case "json-schema-2020-12-preservation" -> {
                List<ObjectNode> listed = tools;
                listed.stream().filter(t -> "json_schema_2020_12_tool".equals(t.path("name").asText())).findFirst()
                        .ifPresent(focal -> listed.stream()
                                .filter(t -> t.path("inputSchema").path("properties").has("schema")).findFirst()
                                .ifPresent(echo -> call(client, echo.path("name").asText(),
                                        Json.object().set("schema", focal.path("inputSchema").deepCopy()))));
            }
            default -> {
                for (ObjectNode tool : tools) {
                    call(client, tool.path("name").asText(), Json.object());
                }
                if (client.info().hasCapability("resources")) {
                    for (ObjectNode resource : client.listResources()) {
                        quietly(() -> client.readResource(resource.path("uri").asText()));
                    }
                }
                if (client.info().hasCapability("prompts")) {
                    for (ObjectNode prompt : client.listPrompts()) {
                        quietly(() -> client.getPrompt(prompt.path("name").asText(), Json.object()));
                    }
                }
            }
        }
    }

    /** READY, after at most {@value #MAX_SIGN_INS} sign-ins by the "person" here. */
    private boolean ready() throws Exception {
        // like a person, sign in only once the proxy says so (awaitState returns as soon as it does): a sign-in
        // started while the first connect is still on its way cannot know the scopes the upstream's 401 names
        while (!awaitState(Duration.ofSeconds(10))) {
            if (signIns >= MAX_SIGN_INS || !signIn()) {
                return false;
            }
        }
        return true;
    }

    private boolean awaitState(Duration within) throws InterruptedException {
        Instant until = Instant.now().plus(within);
        // right after a sign-in the old "needs sign-in" stands until the reconnect it triggers has started
        Instant settled = Instant.now().plus(signIns == 0 ? Duration.ZERO : Duration.ofSeconds(1));
        while (Instant.now().isBefore(until)) {
            ServerState state = proxy.manager().status("upstream").state();
            if (state == ServerState.READY) {
                return true;
            }
            String error = proxy.manager().status("upstream").lastError();
            if (state == ServerState.BACKOFF && error != null && error.contains("sign-in")
                    && Instant.now().isAfter(settled)) {
                return false; // waiting for a person: no use waiting any longer
            }
            Thread.sleep(50);
        }
        return proxy.manager().status("upstream").state() == ServerState.READY;
    }

    /**
     * Calls a tool (the proxy asks the driver for any input the server needs, see {@link #answer}); a call
     * refused because the upstream wants a (new) sign-in (more scopes) signs in and calls again.
     */
    private void call(McpClient client, String name, JsonNode arguments) {
        ObjectNode params = Json.object().put("name", name);
        params.set("arguments", arguments == null || arguments.isMissingNode() ? Json.object() : arguments);
        quietly(() -> {
            JsonNode result = client.call(McpMethods.TOOLS_CALL, params);
            String text = result.path("content").path(0).path("text").asText();
            log.println("call " + name + ": " + text);
            if (result.path("isError").asBoolean() && text.contains("sign-in") && signIns < MAX_SIGN_INS) {
                try {
                    if (signIn()) {
                        awaitState(Duration.ofSeconds(5));
                        call(client, name, arguments);
                    }
                } catch (Exception e) {
                    log.println("sign-in failed: " + e);
                }
            }
            return result;
        });
    }

    /** What the person at the browser does: open the link, let the authorization server send them back. */
    private boolean signIn() throws Exception {
        signIns++;
        HttpResponse<String> started = HTTP.send(HttpRequest.newBuilder(proxy.baseUri()
                .resolve("/admin/servers/upstream/sign-in")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        if (started.statusCode() != 200) {
            log.println("no sign-in to complete: " + started.statusCode() + " " + started.body());
            return false;
        }
        URI next = URI.create(Json.parse(started.body()).path("url").asText());
        for (int hop = 0; hop < 5; hop++) {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(next).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (next.getPath().equals("/oauth/callback")) {
                log.println("sign-in callback: " + response.statusCode() + " " + response.body().strip());
                return response.statusCode() == 200;
            }
            String location = response.headers().firstValue("Location").orElse(null);
            if (location == null) {
                log.println("the authorization server did not redirect: " + response.statusCode() + " "
                        + response.body());
                return false;
            }
            next = next.resolve(location);
        }
        return false;
    }

    /** A plausible answer to one input request: accept with schema defaults, a canned message, no roots. */
    static JsonNode answer(JsonNode request) {
        String method = request.path("method").asText();
        return switch (method) {
            case McpMethods.ELICITATION_CREATE -> {
                ObjectNode answer = Json.object().put("action", "accept");
                ObjectNode content = answer.putObject("content");
                request.path("params").path("requestedSchema").path("properties").fields().forEachRemaining(p -> {
                    switch (p.getValue().path("type").asText()) {
                        case "boolean" -> content.put(p.getKey(), true);
                        case "integer", "number" -> content.put(p.getKey(), 1);
                        default -> content.put(p.getKey(), "conformance");
                    }
                });
                yield answer;
            }
            case McpMethods.SAMPLING_CREATE_MESSAGE -> {
                ObjectNode answer = Json.object().put("role", "assistant").put("model", "conformance-driver");
                answer.putObject("content").put("type", "text").put("text", "Paris");
                yield answer;
            }
            case McpMethods.ROOTS_LIST -> {
                ObjectNode answer = Json.object();
                answer.putArray("roots");
                yield answer;
            }
            default -> Json.object();
        };
    }

    private interface Step {
        Object run();
    }

    private void quietly(Step step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            log.println("call failed (the scenario judges it): " + e.getMessage());
        }
    }
}
