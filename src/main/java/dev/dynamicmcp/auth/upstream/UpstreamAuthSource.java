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
}
