package dev.dynamicmcp.admin;

import java.util.Objects;

/**
 * One change of the running configuration.
 *
 * @param server the server concerned, or null for {@link Kind#RELOADED} (the whole file was applied)
 * @param source where it came from: {@code "api"} or {@code "file"}
 */
public record ConfigChange(String server, Kind kind, String source) {
    public enum Kind { ADDED, REPLACED, REMOVED, RELOADED }

    public ConfigChange {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(source, "source");
    }
}
