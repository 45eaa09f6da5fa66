package dev.dynamicmcp.proxy.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.PendingRequest;
import java.util.concurrent.CompletableFuture;

/**
 * How a 2025-era server's requests reach a 2026-07-28 client during one of its calls: as {@code inputRequests}
 * of an {@code input_required} answer, the client's retry bringing the answers (MRTR, SEP-2322). The front
 * hands the call's outcome and notifications through here, because after the first round they belong to the
 * client's latest retry, not to the request that started the call.
 */
public final class MrtrChannel {
    private final ParkedCall call;

    MrtrChannel(ParkedCall call) {
        this.call = call;
    }

    /** The server's request, sent to the client in the next input_required; the result is the client's answer. */
    public PendingRequest ask(String method, JsonNode params) {
        CompletableFuture<JsonNode> answer = call.ask(method, params);
        // the server gave up on it: it is not asked again
        return PendingRequest.local(method, answer, reason -> answer.cancel(false));
    }

    /**
     * The server's outcome of the call (in the client's revision), once it completes: it answers the client's
     * current request (or, while parked, the retry to come).
     */
    public void finished(CompletableFuture<JsonNode> outcome) {
        outcome.whenComplete((value, failure) -> call.finished(outcome));
    }

    /** A notification of the call, for the stream of the client's current request (dropped while parked). */
    public void relay(ObjectNode notification) {
        call.relay(notification);
    }

    /** Completes when the call is over for good (result delivered, expired, or the client went away). */
    public CompletableFuture<Void> done() {
        return call.done();
    }

    /** True while the call waits for the client's retry. */
    public boolean parked() {
        return call.phase() == ParkedCall.Phase.PARKED;
    }
}
