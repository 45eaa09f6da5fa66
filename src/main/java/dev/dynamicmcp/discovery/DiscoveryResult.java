package dev.dynamicmcp.discovery;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.client.InitializeResult;
import java.util.List;

/**
 * What one upstream server offers: its tools, resources, resource templates and prompts (as the server sent
 * them, unknown fields included), or why they could not be fetched. A category the server did not announce
 * in its capabilities is an empty list.
 *
 * @param info  the server's initialize answer, or null when it could not be reached
 * @param error what went wrong, naming the server; null on success
 */
public record DiscoveryResult(String server, InitializeResult info, List<ObjectNode> tools,
                              List<ObjectNode> resources, List<ObjectNode> resourceTemplates,
                              List<ObjectNode> prompts, String error) {

    public DiscoveryResult {
        tools = tools == null ? List.of() : List.copyOf(tools);
        resources = resources == null ? List.of() : List.copyOf(resources);
        resourceTemplates = resourceTemplates == null ? List.of() : List.copyOf(resourceTemplates);
        prompts = prompts == null ? List.of() : List.copyOf(prompts);
    }

    public static DiscoveryResult success(String server, InitializeResult info, List<ObjectNode> tools,
                                          List<ObjectNode> resources, List<ObjectNode> resourceTemplates,
                                          List<ObjectNode> prompts) {
        return new DiscoveryResult(server, info, tools, resources, resourceTemplates, prompts, null);
    }

    public static DiscoveryResult failure(String server, InitializeResult info, String error) {
        return new DiscoveryResult(server, info, List.of(), List.of(), List.of(), List.of(), error);
    }

    public boolean ok() {
        return error == null;
    }
}
