package dev.dynamicmcp.conformance;

import io.modelcontextprotocol.server.McpServerFeatures.SyncPromptSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.CreateMessageRequest;
import io.modelcontextprotocol.spec.McpSchema.ElicitFormRequest;
import io.modelcontextprotocol.spec.McpSchema.GetPromptResult;
import io.modelcontextprotocol.spec.McpSchema.LoggingLevel;
import io.modelcontextprotocol.spec.McpSchema.LoggingMessageNotification;
import io.modelcontextprotocol.spec.McpSchema.ProgressNotification;
import io.modelcontextprotocol.spec.McpSchema.Prompt;
import io.modelcontextprotocol.spec.McpSchema.PromptMessage;
import io.modelcontextprotocol.spec.McpSchema.Role;
import io.modelcontextprotocol.spec.McpSchema.SamplingMessage;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The diagnostic tools the 0.2.0 suite's {@code server-stateless} scenario (2026-07-28) calls, written the
 * 2025 way, so that the fixture — a 2025-era server — shows what the proxy in front of it makes of them for a
 * 2026-07-28 client: {@code test_missing_capability} asks for sampling (a client that did not declare it must
 * get -32021), {@code test_streaming_elicitation} sends progress then asks for elicitation, {@code
 * test_logging_tool} logs a line (heard only by a request that set a level), and the two triggers add a tool
 * or a prompt (the server then tells of list_changed).
 */
final class Stateless2026Tools {
    private static final Map<String, Object> NO_ARGUMENTS = Map.of("type", "object", "properties", Map.of());

    private Stateless2026Tools() {
    }

    /** @param self the built server, for the triggers; set once the server is built */
    static List<SyncToolSpecification> tools(AtomicReference<McpSyncServer> self) {
        AtomicInteger added = new AtomicInteger();
        return List.of(
                tool("test_missing_capability", "Asks the client's LLM (needs sampling)", (exchange, args) -> {
                    exchange.createMessage(CreateMessageRequest.builder(List.of(SamplingMessage.builder(Role.USER,
                            new TextContent("hi")).build()), 10).build());
                    return text("sampled");
                }),
                tool("test_streaming_elicitation", "Sends progress, then asks the user", (exchange, args) -> {
                    exchange.progressNotification(ProgressNotification.builder(0, 1.0).build());
                    exchange.createElicitation(ElicitFormRequest.builder("Name?", Map.of("type", "object",
                            "properties", Map.of("name", Map.of("type", "string")))).build());
                    return text("elicited");
                }),
                tool("test_logging_tool", "Logs one line", (exchange, args) -> {
                    exchange.loggingNotification(LoggingMessageNotification.builder(LoggingLevel.INFO, "log line")
                            .logger("conformance-fixture").build());
                    return text("logged");
                }),
                tool("test_trigger_tool_change", "Adds a tool (tools/list_changed follows)", (exchange, args) -> {
                    int n = added.incrementAndGet();
                    self.get().addTool(tool("dynamic_tool_" + n, "Added by test_trigger_tool_change",
                            (e, a) -> text("dynamic " + n)));
                    return text("ok");
                }),
                tool("test_trigger_prompt_change", "Adds a prompt (prompts/list_changed follows)", (exchange, args) -> {
                    int n = added.incrementAndGet();
                    self.get().addPrompt(new SyncPromptSpecification(
                            new Prompt("dynamic_prompt_" + n, "Added by test_trigger_prompt_change", List.of()),
                            (e, request) -> new GetPromptResult("dynamic",
                                    List.of(new PromptMessage(Role.USER, new TextContent("dynamic " + n))))));
                    return text("ok");
                }));
    }

    private interface Handler {
        CallToolResult call(McpSyncServerExchange exchange, Map<String, Object> arguments);
    }

    private static SyncToolSpecification tool(String name, String description, Handler handler) {
        return SyncToolSpecification.builder()
                .tool(Tool.builder(name, NO_ARGUMENTS).description(description).build())
                .callHandler((exchange, request) -> handler.call(exchange, request.arguments()))
                .build();
    }

    private static CallToolResult text(String text) {
        return CallToolResult.builder().addContent(new TextContent(text)).build();
    }
}
