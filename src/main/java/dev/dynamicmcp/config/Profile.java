package dev.dynamicmcp.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One entry of the {@code profiles} section: a named part of the merged server for one kind of agent, served
 * at {@code /mcp/{name}} (and {@code --stdio --profile NAME}). A session opened on a profile sees, and can
 * call, only the servers the profile names, and of each only the tools its filter lets through; everything
 * else is unknown to it.
 *
 * @param servers what the profile exposes, in the order written: per server name, a filter over that server's
 *                own tool names, applied after the server's own {@code tools} filter ({@link ToolFilter#ALLOW_ALL}
 *                for everything). Prompts, resources and templates of a named server are all exposed.
 * @param token   when set, the bearer token that opens this profile and nothing else; null when the profile
 *                has none of its own
 */
public record Profile(String name, Map<String, ToolFilter> servers, String token) {
    /** Profile names are path segments ({@code /mcp/{name}}): nothing that needs escaping. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]+");

    public Profile {
        Objects.requireNonNull(name, "name");
        servers = Collections.unmodifiableMap(new LinkedHashMap<>(servers));
    }

    /** True when sessions of this profile may see the server at all. */
    public boolean exposes(String server) {
        return servers.containsKey(server);
    }

    /** The profile's filter over the server's tools; null when the profile does not expose the server. */
    public ToolFilter tools(String server) {
        return servers.get(server);
    }

    /** Never shows the token: a profile ends up in logs and in the admin API's answers. */
    @Override
    public String toString() {
        return "Profile[name=" + name + ", servers=" + servers + ", token=" + (token == null ? "none" : "***") + "]";
    }
}
