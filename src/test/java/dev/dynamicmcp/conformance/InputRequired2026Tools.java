package dev.dynamicmcp.conformance;

import io.modelcontextprotocol.server.McpServerFeatures.SyncPromptSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.CreateMessageRequest;
import io.modelcontextprotocol.spec.McpSchema.CreateMessageResult;
import io.modelcontextprotocol.spec.McpSchema.ElicitFormRequest;
import io.modelcontextprotocol.spec.McpSchema.ElicitResult;
import io.modelcontextprotocol.spec.McpSchema.GetPromptResult;
import io.modelcontextprotocol.spec.McpSchema.ListRootsResult;
import io.modelcontextprotocol.spec.McpSchema.Prompt;
import io.modelcontextprotocol.spec.McpSchema.PromptMessage;
import io.modelcontextprotocol.spec.McpSchema.Role;
import io.modelcontextprotocol.spec.McpSchema.Root;
import io.modelcontextprotocol.spec.McpSchema.SamplingMessage;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * What the 0.2.0 suite's {@code input-required-result-*} scenarios (SEP-2322, 2026-07-28) call, written the
 * 2025 way: a 2026 server answers {@code input_required} and is called again; this fixture simply asks the
 * client mid-call with ordinary server-initiated requests (sampling/createMessage, elicitation/create,
 * roots/list) and waits. So the scenarios exercise what the proxy in front of it makes of those requests for a
 * 2026-07-28 client (Bridge A): the {@code inputRequests}, the signed {@code requestState}, the retry.
 */
final class InputRequired2026Tools {
    private static final Map<String, Object> NO_ARGUMENTS = Map.of("type", "object", "properties", Map.of());

    private InputRequired2026Tools() {
    }

    static List<SyncToolSpecification> tools() {
        return List.of(
                tool("test_input_required_result_elicitation", "Asks the user's name", (exchange, args) ->
                        text("Hello, " + field(ask(exchange, "What is your name?", "name", "string"), "name") + "!")),
                tool("test_input_required_result_sampling", "Asks the client's LLM a question", (exchange, args) ->
                        text("LLM response: " + sample(exchange, "What is the capital of France?", 100))),
                tool("test_input_required_result_list_roots", "Lists the client's roots", (exchange, args) ->
                        text("Client roots: " + roots(exchange))),
                tool("test_input_required_result_request_state", "Asks the user to confirm", (exchange, args) ->
                        text("Confirmed: ok=" + field(ask(exchange, "Please confirm", "ok", "boolean"), "ok"))),
                tool("test_input_required_result_tampered_state", "Asks the user to confirm", (exchange, args) ->
                        text("Confirmed: ok=" + field(ask(exchange, "Please confirm", "ok", "boolean"), "ok"))),
                tool("test_input_required_result_multi_round", "Asks the user twice, the second question after "
                        + "the first answer", (exchange, args) -> {
                    Object name = field(ask(exchange, "Step 1: What is your name?", "name", "string"), "name");
                    Object color = field(ask(exchange, "Step 2: What is your favorite color?", "color", "string"),
                            "color");
                    return text(name + "'s favorite color is " + color);
                }),
                tool("test_input_required_result_multiple_inputs", "Asks the user, the LLM and the roots at once",
                        InputRequired2026Tools::multipleInputs),
                tool("test_input_required_result_capabilities", "Asks the user, or the LLM when the client cannot "
                        + "ask its user", InputRequired2026Tools::userOrLlm));
    }

    static List<SyncPromptSpecification> prompts() {
        return List.of(new SyncPromptSpecification(
                Prompt.builder("test_input_required_result_prompt")
                        .description("Asks the user what context the prompt should use").arguments(List.of()).build(),
                (exchange, request) -> {
                    Object context = field(ask(exchange, "What context should the prompt use?", "context", "string"),
                            "context");
                    return GetPromptResult.builder(List.of(PromptMessage.builder(Role.USER,
                            TextContent.builder("Answer with this context in mind: " + context).build()).build()))
                            .build();
                }));
    }

    /** Three questions in flight at once, as a 2025 server may have them (each waits on its own thread). */
    private static CallToolResult multipleInputs(McpSyncServerExchange exchange, Map<String, Object> args) {
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            CompletableFuture<ElicitResult> name = CompletableFuture.supplyAsync(
                    () -> ask(exchange, "What is your name?", "name", "string"), threads);
            CompletableFuture<String> greeting = CompletableFuture.supplyAsync(
                    () -> sample(exchange, "Generate a greeting", 50), threads);
            CompletableFuture<String> roots = CompletableFuture.supplyAsync(() -> roots(exchange), threads);
            return text(greeting.join() + " (to " + field(name.join(), "name") + ", roots: " + roots.join() + ")");
        }
    }

    /**
     * What a 2025 server does when it would rather ask the user but the client cannot elicit: the elicitation
     * fails, the server asks the client's LLM instead.
     */
    private static CallToolResult userOrLlm(McpSyncServerExchange exchange, Map<String, Object> args) {
        try {
            return text("The user says: " + field(ask(exchange, "What is your name?", "name", "string"), "name"));
        } catch (McpError cannotElicit) {
            return text("The LLM says: " + sample(exchange, "Suggest a name", 50));
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------

    private interface Handler {
        CallToolResult call(McpSyncServerExchange exchange, Map<String, Object> arguments);
    }

    private static SyncToolSpecification tool(String name, String description, Handler handler) {
        return SyncToolSpecification.builder()
                .tool(Tool.builder(name, NO_ARGUMENTS).description(description).build())
                .callHandler((exchange, request) -> handler.call(exchange, request.arguments()))
                .build();
    }

    /** Elicits one required field of {@code type}. */
    private static ElicitResult ask(McpSyncServerExchange exchange, String message, String field, String type) {
        return exchange.createElicitation(ElicitFormRequest.builder(message, Map.of("type", "object",
                "properties", Map.of(field, Map.of("type", type)), "required", List.of(field))).build());
    }

    private static Object field(ElicitResult answer, String field) {
        if (answer.action() != ElicitResult.Action.ACCEPT || answer.content() == null) {
            return "(" + answer.action().name().toLowerCase() + ")";
        }
        return answer.content().get(field);
    }

    private static String sample(McpSyncServerExchange exchange, String prompt, int maxTokens) {
        CreateMessageResult answer = exchange.createMessage(CreateMessageRequest.builder(List.of(
                SamplingMessage.builder(Role.USER, TextContent.builder(prompt).build()).build()), maxTokens).build());
        return answer.content() instanceof TextContent reply ? reply.text() : String.valueOf(answer.content());
    }

    private static String roots(McpSyncServerExchange exchange) {
        ListRootsResult roots = exchange.listRoots();
        return roots.roots().stream().map(Root::uri).collect(Collectors.joining(", "));
    }

    private static CallToolResult text(String text) {
        return CallToolResult.builder().addContent(TextContent.builder(text).build()).build();
    }
}
