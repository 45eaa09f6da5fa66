package dev.dynamicmcp.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.config.ToolFilter;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One profile as the admin API shows it. Its token is never part of it: only whether it has one.
 *
 * @param servers  what it exposes, in the order written: per server, its filter over the server's own tool names
 * @param hasToken whether the profile has a token of its own
 * @param sessions downstream sessions open on the profile now
 * @param entry    the profile's entry as written in the config file (variables not expanded, unmasked: the
 *                 admin side masks the token), or null when the file has none (no config file)
 */
public record AdminProfile(String name, Map<String, ToolFilter> servers, boolean hasToken, int sessions,
                           ObjectNode entry) {
    public AdminProfile {
        Objects.requireNonNull(name, "name");
        servers = Collections.unmodifiableMap(new LinkedHashMap<>(servers));
    }
}
