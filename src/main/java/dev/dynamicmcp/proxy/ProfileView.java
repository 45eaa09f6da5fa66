package dev.dynamicmcp.proxy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.config.Profile;
import dev.dynamicmcp.config.ToolFilter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * What the sessions of one profile see, built once per catalog rebuild so a request costs a map lookup: the
 * catalog of the servers the profile exposes (each narrowed to the tools the profile allows), what those of
 * them that left offered, and the stamps of its own lists (its sessions hear list_changed only when these
 * move). Built from the profile's servers alone, so a name that collides with a server outside the profile
 * is not hidden from it. The default view ({@code /mcp}) has no profile and exposes every server.
 *
 * @param profile the definition, or null for the default view
 */
record ProfileView(Profile profile, Catalog catalog, Catalog former, CatalogKeeper.Stamps stamps) {

    /** For a session whose profile does not exist (removed meanwhile): nothing, so everything is unknown. */
    static ProfileView unknown(String name) {
        return new ProfileView(new Profile(name, Map.of(), null), Catalog.EMPTY, Catalog.EMPTY,
                CatalogKeeper.Stamps.ZERO);
    }

    /** The profile's name, null for the default view. */
    String name() {
        return profile == null ? null : profile.name();
    }

    /**
     * True when this view's sessions may hear from the server at all: its lists, its notifications and its
     * own requests (sampling, elicitation, roots). By the definition, not the catalog, so a server that is
     * still connecting (and asks for roots meanwhile) counts.
     */
    boolean exposes(String server) {
        return profile == null || profile.exposes(server);
    }

    /** The lists a profile's catalog is built from: its servers only, each with only the tools it allows. */
    static List<ServerLists> restrict(Collection<ServerLists> lists, Profile profile) {
        if (profile == null) {
            return List.copyOf(lists);
        }
        List<ServerLists> restricted = new ArrayList<>();
        for (ServerLists server : lists) {
            ToolFilter allowed = profile.tools(server.server());
            if (allowed == null) {
                continue;
            }
            if (allowed.equals(ToolFilter.ALLOW_ALL)) {
                restricted.add(server);
                continue;
            }
            List<ObjectNode> tools = server.tools().stream()
                    .filter(tool -> allowed.permits(tool.path("name").asText(""))).toList();
            restricted.add(new ServerLists(server.server(), server.filter(), server.instructions(), tools,
                    server.resources(), server.resourceTemplates(), server.prompts()));
        }
        return restricted;
    }
}
