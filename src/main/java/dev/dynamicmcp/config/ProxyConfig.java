package dev.dynamicmcp.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** A whole validated config: the proxy settings and the servers in file order (disabled ones included). */
public record ProxyConfig(ProxySettings proxy, Map<String, ServerConfig> servers) {
    public ProxyConfig {
        servers = Collections.unmodifiableMap(new LinkedHashMap<>(servers));
    }
}
