package dev.dynamicmcp.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.auth.upstream.UpstreamAuthSource;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.McpException;
import dev.dynamicmcp.runtime.Failures;
import dev.dynamicmcp.transport.UpstreamAuthFailure;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Calls to a per-user OAuth server ({@code oauth.perUser}): each downstream OAuth user's calls go over their
 * own upstream connection (isolation key {@link UpstreamAuthSource#userKey}), with their own token and their
 * own upstream session. A user who has not signed in gets a JSON-RPC error carrying their own sign-in link (the
 * URL-elicitation shape of MCP 2025-11-25, code {@value #URL_ELICITATION_REQUIRED}): the link is theirs, unlike
 * the shared credential's, which only the operator sees.
 */
final class PerUserCalls {
    /** MCP's {@code URLElicitationRequiredError}: the client must have its user open a URL first. */
    static final int URL_ELICITATION_REQUIRED = -32042;

    private PerUserCalls() {
    }

    /**
     * The isolation key of the caller's own connection to {@code server}.
     *
     * @throws McpException when the caller has no OAuth identity (static token, no authentication, stdio)
     */
    static String isolationKey(CallContext context, String server) {
        if (ProxySession.ANONYMOUS.equals(context.caller())) {
            throw new McpException(JsonRpc.INVALID_REQUEST, "server \"" + server + "\" signs in each user for"
                    + " themselves, and this caller has no OAuth identity: connect with an access token of the"
                    + " proxy's authorization server (proxy.auth)");
        }
        return UpstreamAuthSource.userKey(context.caller());
    }

    /** The outcome of a per-user call, with a failure that only the user's sign-in can fix made into that link. */
    static CompletableFuture<JsonNode> mapped(String server, CompletableFuture<JsonNode> result) {
        return result.handle((value, failure) -> {
            if (failure == null) {
                return value;
            }
            throw new CompletionException(signInNeeded(server, failure));
        });
    }

    /** The failure as the user should see it: their sign-in link when only signing in helps, else as it was. */
    static Throwable signInNeeded(String server, Throwable failure) {
        Throwable cause = Failures.unwrap(failure);
        URI url = UpstreamAuthFailure.of(cause).filter(UpstreamAuthFailure::needsSignIn)
                .map(UpstreamAuthFailure::signInUrl).orElse(null);
        if (url == null) {
            return cause;
        }
        String message = "server \"" + server + "\" needs you to sign in: open " + url + " and then call again";
        ObjectNode data = Json.object();
        ObjectNode elicitation = data.putArray("elicitations").addObject();
        elicitation.put("mode", "url");
        elicitation.put("elicitationId", "sign-in-" + server);
        elicitation.put("url", url.toString());
        elicitation.put("message", "Sign in to " + server + " to use its tools through the proxy");
        data.put("server", server);
        return new McpException(URL_ELICITATION_REQUIRED, message, data);
    }
}
