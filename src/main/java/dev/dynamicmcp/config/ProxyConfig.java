package dev.dynamicmcp.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A whole validated config: the proxy settings, the servers in file order (disabled ones included) and the
 * profiles in file order (empty when the file has none: then only the default {@code /mcp} is served).
 */
public record ProxyConfig(ProxySettings proxy, Map<String, ServerConfig> servers, Map<String, Profile> profiles) {
    public ProxyConfig {
        servers = Collections.unmodifiableMap(new LinkedHashMap<>(servers));
        profiles = profiles == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(profiles));
    }

    /** A config without profiles. */
    public ProxyConfig(ProxySettings proxy, Map<String, ServerConfig> servers) {
        this(proxy, servers, Map.of());
    }

    /** The same config with other servers, its profiles kept (a reload or an API change of servers). */
    public ProxyConfig withServers(Map<String, ServerConfig> newServers) {
        return new ProxyConfig(proxy, newServers, profiles);
    }

    /** The same config with another profile set. */
    public ProxyConfig withProfiles(Map<String, Profile> newProfiles) {
        return new ProxyConfig(proxy, servers, newProfiles);
    }
}
