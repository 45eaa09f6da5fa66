package dev.dynamicmcp.proxy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.config.ToolFilter;
import java.util.List;

/**
 * What one READY upstream offers, as the catalog needs it: its items as the server sent them, and its tool
 * filter. {@code instructions} may be null.
 */
record ServerLists(String server, ToolFilter filter, String instructions, List<ObjectNode> tools,
                   List<ObjectNode> resources, List<ObjectNode> resourceTemplates, List<ObjectNode> prompts) {

    ServerLists {
        filter = filter == null ? ToolFilter.ALLOW_ALL : filter;
        tools = List.copyOf(tools);
        resources = List.copyOf(resources);
        resourceTemplates = List.copyOf(resourceTemplates);
        prompts = List.copyOf(prompts);
    }
}
