package dev.dynamicmcp.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.discovery.DiscoveryResult;
import java.util.List;

/** What one server offers, as the server sent it (unknown fields kept). */
public record ServerCatalog(List<ObjectNode> tools, List<ObjectNode> resources,
                           List<ObjectNode> resourceTemplates, List<ObjectNode> prompts) {
    public static final ServerCatalog EMPTY = new ServerCatalog(List.of(), List.of(), List.of(), List.of());

    public ServerCatalog {
        tools = tools == null ? List.of() : List.copyOf(tools);
        resources = resources == null ? List.of() : List.copyOf(resources);
        resourceTemplates = resourceTemplates == null ? List.of() : List.copyOf(resourceTemplates);
        prompts = prompts == null ? List.of() : List.copyOf(prompts);
    }

    public static ServerCatalog of(DiscoveryResult discovery) {
        return new ServerCatalog(discovery.tools(), discovery.resources(), discovery.resourceTemplates(),
                discovery.prompts());
    }
}
