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
 * @param proxyFields  the keys of the {@code proxy} section whose values differ ({@code authToken}, {@code port}…),
 *                     in declaration order; empty when the section is the same
 * @param profilesChanged whether the {@code profiles} section differs (applied live, no server restarts)
 */
public record ConfigDiff(List<String> added, List<String> removed, List<ServerConfig> changed,
                         List<String> proxyFields, boolean profilesChanged) {

    public ConfigDiff(List<String> added, List<String> removed, List<ServerConfig> changed, List<String> proxyFields) {
        this(added, removed, changed, proxyFields, false);
    }

    public ConfigDiff {
        added = List.copyOf(added);
        removed = List.copyOf(removed);
        changed = List.copyOf(changed);
        proxyFields = List.copyOf(proxyFields);
    }

    /** Whether the {@code proxy} section differs (some of it, like the port, needs a restart). */
    public boolean proxyChanged() {
        return !proxyFields.isEmpty();
    }

    /** The keys of the {@code proxy} section that differ between {@code old} and {@code neu}. */
    public static List<String> proxyFields(ProxySettings old, ProxySettings neu) {
        List<String> fields = new ArrayList<>();
        for (var component : ProxySettings.class.getRecordComponents()) {
            try {
                if (!java.util.Objects.equals(component.getAccessor().invoke(old), component.getAccessor().invoke(neu))) {
                    fields.add(component.getName());
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("a record accessor of ProxySettings failed", e);
            }
        }
        return fields;
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
        return new ConfigDiff(added, removed, changed, proxyFields(old.proxy(), neu.proxy()),
                !old.profiles().equals(neu.profiles()));
    }

    public boolean isEmpty() {
        return added.isEmpty() && removed.isEmpty() && changed.isEmpty() && proxyFields.isEmpty() && !profilesChanged;
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
        if (proxyChanged()) {
            parts.add("proxy settings changed " + proxyFields);
        }
        if (profilesChanged) {
            parts.add("profiles changed");
        }
        return String.join(", ", parts);
    }
}
