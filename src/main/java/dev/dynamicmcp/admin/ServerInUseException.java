package dev.dynamicmcp.admin;

import java.util.List;

/**
 * A server cannot be removed while profiles name it: the config file would no longer load (a profile may only
 * name servers of {@code mcpServers}). The admin API answers 409 naming the profiles.
 */
public final class ServerInUseException extends RuntimeException {
    private final String server;
    private final List<String> profiles;

    public ServerInUseException(String server, List<String> profiles) {
        super("server \"" + server + "\" is named by profile" + (profiles.size() == 1 ? " " : "s ")
                + String.join(", ", profiles.stream().map(p -> "\"" + p + "\"").toList())
                + "; remove it from " + (profiles.size() == 1 ? "that profile" : "those profiles") + " first");
        this.server = server;
        this.profiles = List.copyOf(profiles);
    }

    public String server() {
        return server;
    }

    public List<String> profiles() {
        return profiles;
    }
}
