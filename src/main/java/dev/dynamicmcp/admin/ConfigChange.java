package dev.dynamicmcp.admin;

import java.util.Objects;

/**
 * One change of the running configuration: of a server, of a profile, or of the whole file.
 *
 * @param server  the server concerned, or null for a profile's change and for {@link Kind#RELOADED} (the whole
 *                file was applied)
 * @param source  where it came from: {@code "api"} or {@code "file"}
 * @param profile the profile concerned, or null for a server's change
 */
public record ConfigChange(String server, Kind kind, String source, String profile) {
    public enum Kind { ADDED, REPLACED, REMOVED, RELOADED }

    public ConfigChange {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(source, "source");
        if (server != null && profile != null) {
            throw new IllegalArgumentException("a change concerns a server or a profile, not both");
        }
    }

    /** A server's change (or, with a null server, the whole file's). */
    public ConfigChange(String server, Kind kind, String source) {
        this(server, kind, source, null);
    }

    /** A profile's change. */
    public static ConfigChange ofProfile(String profile, Kind kind, String source) {
        return new ConfigChange(null, kind, source, Objects.requireNonNull(profile, "profile"));
    }
}
