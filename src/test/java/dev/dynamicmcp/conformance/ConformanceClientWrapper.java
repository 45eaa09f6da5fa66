package dev.dynamicmcp.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.client.McpClient;
import dev.dynamicmcp.config.ConfigLoader;
import dev.dynamicmcp.manager.ServerState;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.McpMethods;
import dev.dynamicmcp.app.ProxyApp;
import dev.dynamicmcp.transport.StreamableHttpTransport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The command the conformance suite's client side runs ({@code conformance client --command ...}), to test the
 * proxy's upstream side: it starts the proxy with the scenario's mock server (the URL the runner appends as
 * the last argument) as its only upstream, then drives the scenario's calls through the proxy with a 2025
 * client. The proxy is the client under test; this driver only makes it talk.
 *
 * <p>The driver declares sampling, elicitation and roots, and answers the requests the proxy sends it: a
 * modern mock server's {@code input_required} is bridged inside the proxy (Bridge B: the proxy asks this 2025
 * client with ordinary requests and retries the server with {@code inputResponses} and its
 * {@code requestState}), so what the suite measures for sep-2322 is the proxy's own retry.
 */
public final class ConformanceClientWrapper {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private ConformanceClientWrapper() {
    }

    public static void main(String[] args) throws Exception {
        String url = args[args.length - 1];
        String scenario = System.getenv().getOrDefault("MCP_CONFORMANCE_SCENARIO", "");
        JsonNode context = Json.parse(System.getenv().getOrDefault("MCP_CONFORMANCE_CONTEXT", "{}"));
        String config = """
                {"proxy": {"port": 0, "host": "127.0.0.1", "namespace": "none"},
                 "mcpServers": {"upstream": {"url": %s, "transport": "streamable-http"}}}
                """.formatted(Json.write(Json.MAPPER.getNodeFactory().textNode(url)));
        int exit = 0;
        try (ProxyApp proxy = ProxyApp.start(ConfigLoader.parse(config, Map.of(), Path.of(".")),
                ProxyApp.Options.httpOnly())) {
            if (proxy.manager().status("upstream").state() != ServerState.READY) {
                System.err.println("upstream is not READY: " + proxy.manager().status("upstream"));
                exit = 1;
            } else {
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
            }
        } catch (Exception e) {
            System.err.println("conformance driver failed: " + e);
            exit = 1;
        }
        System.exit(exit);
    }

    static void drive(McpClient client, String scenario, JsonNode context) {
        List<ObjectNode> tools = client.listTools();
        System.err.println("tools through the proxy: " + tools.stream().map(t -> t.path("name").asText()).toList());
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

    /** Calls a tool; the proxy asks the driver for any input the server needs (see {@link #answer}). */
    static void call(McpClient client, String name, JsonNode arguments) {
        ObjectNode params = Json.object().put("name", name);
        params.set("arguments", arguments == null || arguments.isMissingNode() ? Json.object() : arguments);
        quietly(() -> client.call(McpMethods.TOOLS_CALL, params));
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

    private static void quietly(Step step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            System.err.println("call failed (the scenario judges it): " + e.getMessage());
        }
    }
}
