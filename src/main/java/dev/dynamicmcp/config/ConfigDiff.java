package dev.dynamicmcp.config;

import java.util.ArrayList;
import java.util.List;

/**
 * What a reload changes: servers to start, to stop and to restart, and whether the proxy settings moved.
 * Two servers are "the same" when their records are equal, so any difference (an option inherited from
 * {@code proxy.defaults}, a header, the {@code disabled} flag) makes a server {@code changed}.
 *
 * @param added        names only in the new config, in its order
 * @param removed      names only in the old config, in its order
 * @param changed      the new configs of servers in both whose records differ, in the new config's order
 * @param proxyChanged whether the {@code proxy} section differs (some of it, like the port, needs a restart)
 */
public record ConfigDiff(List<String> added, List<String> removed, List<ServerConfig> changed,
                         boolean proxyChanged) {

    public ConfigDiff {
        added = List.copyOf(added);
        removed = List.copyOf(removed);
        changed = List.copyOf(changed);
    }

    public static ConfigDiff between(ProxyConfig old, ProxyConfig neu) {
        List<String> added = new ArrayList<>();
        List<ServerConfig> changed = new ArrayList<>();
        neu.servers().forEach((name, server) -> {
            ServerConfig before = old.servers().get(name);
            if (before == null) {
                added.add(name);
            } else if (!before.equals(server)) {
                changed.add(server);
            }
        });
        List<String> removed = old.servers().keySet().stream()
                .filter(name -> !neu.servers().containsKey(name))
                .toList();
        return new ConfigDiff(added, removed, changed, !old.proxy().equals(neu.proxy()));
    }

    public boolean isEmpty() {
        return added.isEmpty() && removed.isEmpty() && changed.isEmpty() && !proxyChanged;
    }

    /** One line for logs, e.g. {@code added [a], removed [b], changed [c], proxy settings changed}. */
    public String summary() {
        if (isEmpty()) {
            return "no changes";
        }
        List<String> parts = new ArrayList<>();
        if (!added.isEmpty()) {
            parts.add("added " + added);
        }
        if (!removed.isEmpty()) {
            parts.add("removed " + removed);
        }
        if (!changed.isEmpty()) {
            parts.add("changed " + changed.stream().map(ServerConfig::name).toList());
        }
        if (proxyChanged) {
            parts.add("proxy settings changed");
        }
        return String.join(", ", parts);
    }
}
