package dev.dynamicmcp.conformance;

import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncCompletionSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncPromptSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceTemplateSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema.AudioContent;
import io.modelcontextprotocol.spec.McpSchema.BlobResourceContents;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.CompleteRequest;
import io.modelcontextprotocol.spec.McpSchema.CompleteResult;
import io.modelcontextprotocol.spec.McpSchema.CompleteResult.CompleteCompletion;
import io.modelcontextprotocol.spec.McpSchema.Content;
import io.modelcontextprotocol.spec.McpSchema.CreateMessageRequest;
import io.modelcontextprotocol.spec.McpSchema.CreateMessageResult;
import io.modelcontextprotocol.spec.McpSchema.ElicitFormRequest;
import io.modelcontextprotocol.spec.McpSchema.ElicitResult;
import io.modelcontextprotocol.spec.McpSchema.EmbeddedResource;
import io.modelcontextprotocol.spec.McpSchema.GetPromptRequest;
import io.modelcontextprotocol.spec.McpSchema.GetPromptResult;
import io.modelcontextprotocol.spec.McpSchema.ImageContent;
import io.modelcontextprotocol.spec.McpSchema.LoggingLevel;
import io.modelcontextprotocol.spec.McpSchema.LoggingMessageNotification;
import io.modelcontextprotocol.spec.McpSchema.ProgressNotification;
import io.modelcontextprotocol.spec.McpSchema.Prompt;
import io.modelcontextprotocol.spec.McpSchema.PromptArgument;
import io.modelcontextprotocol.spec.McpSchema.PromptMessage;
import io.modelcontextprotocol.spec.McpSchema.PromptReference;
import io.modelcontextprotocol.spec.McpSchema.ReadResourceRequest;
import io.modelcontextprotocol.spec.McpSchema.ReadResourceResult;
import io.modelcontextprotocol.spec.McpSchema.Resource;
import io.modelcontextprotocol.spec.McpSchema.ResourceTemplate;
import io.modelcontextprotocol.spec.McpSchema.Role;
import io.modelcontextprotocol.spec.McpSchema.SamplingMessage;
import io.modelcontextprotocol.spec.McpSchema.ServerCapabilities;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import io.modelcontextprotocol.spec.McpSchema.TextResourceContents;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Everything the conformance suite's server scenarios call, as SDK specifications. Names, URIs and
 * payloads follow the scenario descriptions of @modelcontextprotocol/conformance 0.1.16; the same
 * features are registered whatever the transport (Streamable HTTP or stdio).
 */
final class FixtureFeatures {
    static final String NAME = "conformance-fixture";
    static final String VERSION = "1.0.0";
    static final String TEMPLATE = "test://template/{id}/data";

    private static final Pattern TEMPLATE_URI = Pattern.compile("test://template/([^/]+)/data");
    private static final Map<String, Object> NO_ARGUMENTS = Map.of("type", "object", "properties", Map.of());
    private static final List<String> COMPLETION_CANDIDATES =
            List.of("paris", "park", "party", "test", "testing", "testValue1");

    private FixtureFeatures() {
    }

    /**
     * Registers the fixture's capabilities, tools, resources, templates, prompts and completions, and the
     * diagnostic tools of the 2026-07-28 suite ({@link Stateless2026Tools}) and what its multi-round-trip
     * scenarios call ({@link InputRequired2026Tools}); {@code self} must be given the
     * built server.
     */
    static <S extends McpServer.SyncSpecification<S>> McpServer.SyncSpecification<S> register(
            McpServer.SyncSpecification<S> spec, java.util.concurrent.atomic.AtomicReference<
                    io.modelcontextprotocol.server.McpSyncServer> self) {
        List<SyncToolSpecification> tools = new ArrayList<>(tools());
        tools.addAll(Stateless2026Tools.tools(self));
        tools.addAll(InputRequired2026Tools.tools());
        List<SyncPromptSpecification> prompts = new ArrayList<>(prompts());
        prompts.addAll(InputRequired2026Tools.prompts());
        return spec.serverInfo(NAME, VERSION)
                .capabilities(ServerCapabilities.builder()
                        .tools(true)
                        .resources(true, true)
                        .prompts(true)
                        .logging()
                        .completions()
                        .build())
                .tools(tools)
                .resources(resources())
                .resourceTemplates(templates())
                .prompts(prompts)
                .completions(completions());
    }

    // ---- tools -------------------------------------------------------------------------------------

    static List<SyncToolSpecification> tools() {
        return List.of(
                tool("test_simple_text", "Returns a simple text response", NO_ARGUMENTS,
                        (exchange, request) -> textResult("This is a simple text response for testing.")),
                tool("test_image_content", "Returns a 1x1 red PNG", NO_ARGUMENTS,
                        (exchange, request) -> result(image())),
                tool("test_audio_content", "Returns a short silent WAV", NO_ARGUMENTS,
                        (exchange, request) -> result(AudioContent.builder(MediaSamples.SILENT_WAV, "audio/wav").build())),
                tool("test_embedded_resource", "Returns an embedded text resource", NO_ARGUMENTS,
                        (exchange, request) -> result(embedded("test://embedded-resource", "text/plain",
                                "This is an embedded resource content."))),
                tool("test_multiple_content_types", "Returns text, image and resource content", NO_ARGUMENTS,
                        (exchange, request) -> CallToolResult.builder()
                                .addContent(text("Multiple content types test:"))
                                .addContent(image())
                                .addContent(embedded("test://mixed-content-resource", "application/json",
                                        "{\"test\":\"data\",\"value\":123}"))
                                .build()),
                tool("test_tool_with_logging", "Sends three info log notifications while it runs", NO_ARGUMENTS,
                        FixtureFeatures::withLogging),
                tool("test_tool_with_progress", "Reports progress 0, 50 and 100 of 100", NO_ARGUMENTS,
                        FixtureFeatures::withProgress),
                tool("test_error_handling", "Always fails with isError: true", NO_ARGUMENTS,
                        (exchange, request) -> CallToolResult.builder()
                                .addTextContent("This tool intentionally returns an error for testing")
                                .isError(true)
                                .build()),
                tool("test_sampling", "Asks the client's LLM to answer a prompt",
                        stringArguments(Map.of("prompt", "The prompt to send to the LLM")),
                        FixtureFeatures::sampling),
                tool("test_elicitation", "Asks the user for a username and an email",
                        stringArguments(Map.of("message", "The message to show the user")),
                        FixtureFeatures::elicitation),
                tool("test_elicitation_sep1034_defaults", "Elicits with defaults for every primitive type",
                        NO_ARGUMENTS, (exchange, request) -> elicit(exchange, "Please review your details",
                                ElicitationSchemas.withDefaults())),
                tool("test_elicitation_sep1330_enums", "Elicits with the five enum variants of SEP-1330",
                        NO_ARGUMENTS, (exchange, request) -> elicit(exchange, "Please choose your options",
                                ElicitationSchemas.enumVariants())),
                tool("json_schema_2020_12_tool", "Tool with JSON Schema 2020-12 features",
                        ElicitationSchemas.jsonSchema2020(),
                        (exchange, request) -> textResult("JSON Schema 2020-12 tool called with " + request.arguments())));
    }

    private static SyncToolSpecification tool(String name, String description, Map<String, Object> inputSchema,
                                              BiFunction<McpSyncServerExchange, CallToolRequest, CallToolResult> handler) {
        return SyncToolSpecification.builder()
                .tool(Tool.builder(name, inputSchema).description(description).build())
                .callHandler(handler)
                .build();
    }

    private static Map<String, Object> stringArguments(Map<String, String> descriptions) {
        Map<String, Object> properties = new LinkedHashMap<>();
        descriptions.forEach((name, description) ->
                properties.put(name, Map.of("type", "string", "description", description)));
        return Map.of("type", "object", "properties", properties, "required", List.copyOf(descriptions.keySet()));
    }

    private static CallToolResult withLogging(McpSyncServerExchange exchange, CallToolRequest request) {
        log(exchange, "Tool execution started");
        pause(50);
        log(exchange, "Tool processing data");
        pause(50);
        log(exchange, "Tool execution completed");
        return textResult("Tool with logging executed successfully");
    }

    private static void log(McpSyncServerExchange exchange, String message) {
        exchange.loggingNotification(LoggingMessageNotification.builder(LoggingLevel.INFO, message).logger(NAME).build());
    }

    private static CallToolResult withProgress(McpSyncServerExchange exchange, CallToolRequest request) {
        Object token = request.meta() == null ? null : request.meta().get("progressToken");
        for (int step = 0; step <= 2; step++) {
            if (step > 0) {
                pause(50);
            }
            if (token != null) {
                exchange.progressNotification(ProgressNotification.builder(token, step * 50.0)
                        .total(100.0).message("Completed step " + step + " of 2").build());
            }
        }
        return textResult("Tool with progress executed successfully");
    }

    private static CallToolResult sampling(McpSyncServerExchange exchange, CallToolRequest request) {
        String prompt = String.valueOf(request.arguments().getOrDefault("prompt", ""));
        CreateMessageResult answer = exchange.createMessage(CreateMessageRequest.builder(
                List.of(SamplingMessage.builder(Role.USER, text(prompt)).build()), 100).build());
        String reply = answer.content() instanceof TextContent text ? text.text() : String.valueOf(answer.content());
        return textResult("LLM response: " + reply);
    }

    private static CallToolResult elicitation(McpSyncServerExchange exchange, CallToolRequest request) {
        String message = String.valueOf(request.arguments().getOrDefault("message", ""));
        ElicitResult answer = exchange.createElicitation(
                ElicitFormRequest.builder(message, ElicitationSchemas.usernameAndEmail()).build());
        return textResult("User response: action=" + answer.action().name().toLowerCase() + ", content=" + answer.content());
    }

    private static CallToolResult elicit(McpSyncServerExchange exchange, String message, Map<String, Object> schema) {
        ElicitResult answer = exchange.createElicitation(ElicitFormRequest.builder(message, schema).build());
        return textResult("Elicitation completed: action=" + answer.action().name().toLowerCase()
                + ", content=" + answer.content());
    }

    // ---- resources ---------------------------------------------------------------------------------

    static List<SyncResourceSpecification> resources() {
        return List.of(
                textResource("test://static-text", "Static text resource",
                        "This is the content of the static text resource."),
                new SyncResourceSpecification(
                        Resource.builder("test://static-binary", "static-binary")
                                .description("Static binary resource (1x1 red PNG)").mimeType("image/png").build(),
                        (exchange, request) -> ReadResourceResult.builder(List.of(
                                BlobResourceContents.builder(request.uri(), MediaSamples.RED_PIXEL_PNG)
                                        .mimeType("image/png").build())).build()),
                textResource("test://watched-resource", "Resource clients may subscribe to",
                        "Watched resource content."));
    }

    private static SyncResourceSpecification textResource(String uri, String description, String text) {
        return new SyncResourceSpecification(
                Resource.builder(uri, uri.substring("test://".length()))
                        .description(description).mimeType("text/plain").build(),
                (exchange, request) -> ReadResourceResult.builder(List.of(
                        TextResourceContents.builder(request.uri(), text).mimeType("text/plain").build())).build());
    }

    static List<SyncResourceTemplateSpecification> templates() {
        return List.of(new SyncResourceTemplateSpecification(
                ResourceTemplate.builder(TEMPLATE, "template-data")
                        .description("Data for one id, read through a URI template").mimeType("application/json")
                        .build(),
                FixtureFeatures::readTemplate));
    }

    private static ReadResourceResult readTemplate(McpSyncServerExchange exchange, ReadResourceRequest request) {
        Matcher matcher = TEMPLATE_URI.matcher(request.uri());
        if (!matcher.matches()) {
            throw new IllegalArgumentException("not a " + TEMPLATE + " URI: " + request.uri());
        }
        String id = matcher.group(1);
        String json = "{\"id\":\"" + id + "\",\"templateTest\":true,\"data\":\"Data for ID: " + id + "\"}";
        return ReadResourceResult.builder(List.of(
                TextResourceContents.builder(request.uri(), json).mimeType("application/json").build())).build();
    }

    // ---- prompts and completions -------------------------------------------------------------------

    static List<SyncPromptSpecification> prompts() {
        return List.of(
                prompt(prompt("test_simple_prompt", "A simple prompt without arguments"),
                        (exchange, request) -> messages(text("This is a simple prompt for testing."))),
                prompt(prompt("test_prompt_with_arguments", "A prompt with two required arguments",
                                "arg1", "First test argument", "arg2", "Second test argument"),
                        (exchange, request) -> messages(text("Prompt with arguments: arg1='"
                                + argument(request, "arg1") + "', arg2='" + argument(request, "arg2") + "'"))),
                prompt(prompt("test_prompt_with_embedded_resource", "A prompt embedding a resource",
                                "resourceUri", "URI of the resource to embed"),
                        (exchange, request) -> messages(
                                embedded(argument(request, "resourceUri"), "text/plain",
                                        "Embedded resource content for testing."),
                                text("Please process the embedded resource above."))),
                prompt(prompt("test_prompt_with_image", "A prompt with an image"),
                        (exchange, request) -> messages(
                                image(),
                                text("Please analyze the image above."))));
    }

    private static SyncPromptSpecification prompt(
            Prompt prompt, BiFunction<McpSyncServerExchange, GetPromptRequest, GetPromptResult> handler) {
        return new SyncPromptSpecification(prompt, handler);
    }

    /** A prompt whose arguments, given as name/description pairs, are all required. */
    private static Prompt prompt(String name, String description, String... requiredArguments) {
        List<PromptArgument> arguments = new ArrayList<>();
        for (int i = 0; i < requiredArguments.length; i += 2) {
            arguments.add(PromptArgument.builder(requiredArguments[i])
                    .description(requiredArguments[i + 1]).required(true).build());
        }
        return Prompt.builder(name).description(description).arguments(arguments).build();
    }

    private static String argument(GetPromptRequest request, String name) {
        Object value = request.arguments() == null ? null : request.arguments().get(name);
        return value == null ? "" : value.toString();
    }

    private static GetPromptResult messages(Content... contents) {
        return GetPromptResult.builder(Arrays.stream(contents)
                .map(content -> PromptMessage.builder(Role.USER, content).build())
                .toList()).build();
    }

    static List<SyncCompletionSpecification> completions() {
        return List.of(new SyncCompletionSpecification(new PromptReference("test_prompt_with_arguments"),
                FixtureFeatures::complete));
    }

    private static CompleteResult complete(McpSyncServerExchange exchange, CompleteRequest request) {
        String prefix = request.argument() == null || request.argument().value() == null
                ? "" : request.argument().value();
        List<String> values = COMPLETION_CANDIDATES.stream().filter(value -> value.startsWith(prefix)).toList();
        return new CompleteResult(new CompleteCompletion(values, values.size(), false));
    }

    // ---- helpers -----------------------------------------------------------------------------------

    private static CallToolResult textResult(String text) {
        return CallToolResult.builder().addTextContent(text).build();
    }

    private static TextContent text(String text) {
        return TextContent.builder(text).build();
    }

    private static ImageContent image() {
        return ImageContent.builder(MediaSamples.RED_PIXEL_PNG, "image/png").build();
    }

    private static EmbeddedResource embedded(String uri, String mimeType, String text) {
        return EmbeddedResource.builder(TextResourceContents.builder(uri, text).mimeType(mimeType).build()).build();
    }

    private static CallToolResult result(Content content) {
        return CallToolResult.builder().addContent(content).build();
    }

    /** The scenarios ask for ~50 ms between notifications so that clients see them arrive separately. */
    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while pausing between notifications", e);
        }
    }
}
