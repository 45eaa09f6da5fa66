package dev.dynamicmcp.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.PendingRequest;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Everything the core needs to know about the client behind one request, independent of the wire: who asks,
 * what it can do, which protocol revision it speaks, and how to reach it while the request runs (progress,
 * the server's own requests, cancellation).
 *
 * <p>Why: the revision is a seam. The downstream edge builds this — today {@link ProxySession}, from the
 * {@code initialize} handshake and the request's {@code _meta.progressToken}; a 2026-07-28 stateless front
 * would build the same record from each request's {@code _meta} — so the call router and the server-to-client
 * router never read session headers, progress tokens or other wire details, and never check a revision.
 * A front that cannot carry server-initiated requests on the wire (2026-07-28 answers {@code input_required}
 * instead) gives its own {@link ClientRequests}.
 *
 * @param sessionId          the downstream session, the key of isolated upstream sessions ("stdio" for stdio)
 * @param caller             who the caller is, as far as the front knows ("anonymous" behind the shared token)
 * @param profile            the profile the client came in on ({@code /mcp/{profile}}), null for the default
 *                           {@code /mcp}: what the client may see and call, and which servers may reach it
 * @param clientCapabilities what the client announced ({@code sampling}, {@code elicitation}, {@code roots})
 * @param clientInfo         the client's name and version, for logs
 * @param protocolRevision   the revision the client speaks, e.g. {@code 2025-06-18}
 * @param progress           where progress of the request goes, with the client's own token already applied
 * @param requests           how a server's request reaches this client, on the stream of this request
 * @param cancel             fired by the edge when the client gives up on the request, with its reason
 */
record CallContext(String sessionId, String caller, String profile, ObjectNode clientCapabilities, ObjectNode clientInfo,
                   String protocolRevision, ProgressSink progress, ClientRequests requests, CancelHandle cancel) {

    /** True when the client announced the capability. */
    boolean clientCan(String capability) {
        return clientCapabilities.has(capability);
    }

    /** Progress of one request, towards its client. */
    interface ProgressSink {
        /** The client asked for no progress. */
        ProgressSink NONE = new ProgressSink() {
            @Override
            public boolean wanted() {
                return false;
            }

            @Override
            public void send(ObjectNode progress) {
            }
        };

        /** False when the client gave no progress token: then the upstream is not asked for progress either. */
        boolean wanted();

        /** One progress notification's params as the upstream sent them; the sink applies the client's token. */
        void send(ObjectNode progress);

        /**
         * The sink of a request whose {@code _meta.progressToken} is {@code token} (NONE without one): each
         * upstream progress gets the client's token and goes to {@code deliver} (the request's own stream).
         */
        static ProgressSink forToken(JsonNode token, java.util.function.Consumer<ObjectNode> deliver) {
            if (token == null || token.isNull()) {
                return NONE;
            }
            return new ProgressSink() {
                @Override
                public boolean wanted() {
                    return true;
                }

                @Override
                public void send(ObjectNode upstreamProgress) {
                    ObjectNode mapped = dev.dynamicmcp.protocol.Json.shallowCopy(upstreamProgress);
                    mapped.set("progressToken", token);
                    deliver.accept(mapped);
                }
            };
        }
    }

    /** Sends a server's request (sampling, elicitation, roots) to the client. */
    @FunctionalInterface
    interface ClientRequests {
        PendingRequest send(String method, JsonNode params, Duration timeout);

        /**
         * A server asked for something the client did not declare it can do; the server hears a refusal. A
         * front whose revision says the client's call fails then (2026-07-28: -32021) does that here.
         */
        default void missingCapability(String method, String capability) {
        }

        /**
         * How much longer than the server's configured request timeout a call of this client may run, because
         * the client answers the server's requests between rounds (2026-07-28: the bridge's input wait). The
         * upstream timeout is extended by this, not paused.
         */
        default Duration waitAllowance() {
            return Duration.ZERO;
        }
    }

    /**
     * The client's cancel of one request. The edge fires it once, with the client's reason; the core registers
     * what to do then (cancel the upstream request with that same reason).
     */
    static final class CancelHandle {
        private final CompletableFuture<String> reason = new CompletableFuture<>();

        /** The client gave up; the first reason counts. */
        void cancel(String why) {
            reason.complete(why);
        }

        /** Runs {@code action} with the reason when the client cancels (at once if it already did). */
        void onCancel(Consumer<String> action) {
            reason.thenAccept(action);
        }

        boolean isCancelled() {
            return reason.isDone();
        }
    }
}
