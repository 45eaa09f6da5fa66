package dev.dynamicmcp.auth.upstream;

import dev.dynamicmcp.config.ServerConfig;
import java.io.IOException;

/** Where an HTTP client factory gets each upstream's credentials from. */
@FunctionalInterface
public interface UpstreamAuthSource {
    /** No OAuth anywhere: every server gets {@link UpstreamAuth#NONE}. */
    UpstreamAuthSource NONE = server -> UpstreamAuth.NONE;

    /**
     * The credentials for one connection to {@code server}: {@link UpstreamAuth#NONE} unless it has {@code oauth}.
     *
     * @throws IOException when it has {@code oauth} and the token store cannot be opened (no key...): the
     *                     message says what to do
     */
    UpstreamAuth forServer(ServerConfig server) throws IOException;

    /**
     * The credentials for one connection of {@code server} keyed {@code isolationKey}: a per-user server's
     * connection of one user ({@link #userKey}) gets that user's own credential; any other connection the
     * server's shared one.
     */
    default UpstreamAuth forServer(ServerConfig server, String isolationKey) throws IOException {
        return forServer(server);
    }

    /** The prefix of the isolation key of a user's own connection to a per-user server. */
    String USER_KEY_PREFIX = "user:";

    /** The isolation key of the upstream connection a downstream OAuth user has for themselves. */
    static String userKey(String principalKey) {
        return USER_KEY_PREFIX + principalKey;
    }

    /** The principal key of a {@link #userKey}, or null for any other isolation key (a session's, the shared). */
    static String principalOf(String isolationKey) {
        return isolationKey != null && isolationKey.startsWith(USER_KEY_PREFIX)
                ? isolationKey.substring(USER_KEY_PREFIX.length()) : null;
    }
}
