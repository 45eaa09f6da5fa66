package dev.dynamicmcp.proxy.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.McpException;
import dev.dynamicmcp.protocol.McpResults;
import dev.dynamicmcp.runtime.Scheduler;
import java.util.HexFormat;
import java.security.SecureRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The calls of 2026-07-28 clients that wait, parked, for the client's retry with {@code inputResponses}
 * while the 2025-era server behind them waits for its sampling, elicitation or roots answer. Bounded
 * ({@link BridgeLimits#maxParked}); each park expires on the {@link Scheduler}. The park is the irreducible
 * state of a stateful upstream: nothing else about a modern client is kept.
 */
public final class BridgeStore {
    private final Scheduler scheduler;
    private final BridgeLimits limits;
    private final RequestStateCodec codec;
    private final ConcurrentHashMap<String, ParkedCall> parked = new ConcurrentHashMap<>();
    private final AtomicInteger count = new AtomicInteger();
    private final SecureRandom ids = new SecureRandom();

    public BridgeStore(Scheduler scheduler, BridgeLimits limits, RequestStateCodec codec) {
        this.scheduler = scheduler;
        this.limits = limits;
        this.codec = codec;
    }

    public BridgeLimits limits() {
        return limits;
    }

    /** How many calls wait for client input now. */
    public int parkedCount() {
        return parked.size();
    }

    /**
     * The channel of one modern call: what the server asks goes through it to the client.
     *
     * @param method         the client's method ({@code tools/call}, ...)
     * @param target         the name or uri the client called (the downstream one)
     * @param params         the client's params (digested into every state; not changed afterwards)
     * @param answer         the answer to the client's first request
     * @param related        where notifications of the first request go (its stream)
     * @param cancelUpstream cancels the upstream call with a reason
     */
    public MrtrChannel open(String method, String target, ObjectNode params, CompletableFuture<JsonNode> answer,
                            Consumer<ObjectNode> related, Consumer<String> cancelUpstream) {
        return new MrtrChannel(new ParkedCall(this, method, target, params, answer, related, cancelUpstream));
    }

    /**
     * A client's retry with a {@code requestState}: the answer to it, or -32602 (the park is untouched when the
     * state is not good: a tampered or replayed copy cannot harm the legitimate retry).
     */
    public CompletableFuture<JsonNode> retry(String method, String target, ObjectNode params,
                                             Consumer<ObjectNode> related) {
        try {
            JsonNode token = params.get(McpResults.REQUEST_STATE);
            if (token == null || !token.isTextual()) {
                throw RequestStateCodec.invalid("requestState must be a string");
            }
            RequestStateCodec.State state = codec.verify(token.asText(), method, target,
                    RequestStateCodec.digest(params), scheduler.now());
            ParkedCall call = parked.get(state.parkId());
            if (call == null) {
                throw RequestStateCodec.invalid("the call it names is no longer waiting (it ended or expired)");
            }
            return call.retry(state.round(), params.get(McpResults.INPUT_RESPONSES), related);
        } catch (McpException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    // ---- for ParkedCall ---------------------------------------------------------------------------------

    Scheduler scheduler() {
        return scheduler;
    }

    RequestStateCodec codec() {
        return codec;
    }

    /**
     * Admits a call to the store on its first input_required, giving it its id (called under the call's lock);
     * false when the store is full.
     */
    boolean admit(ParkedCall call) {
        if (call.parkId() != null) { // admitted at an earlier round
            return true;
        }
        if (count.incrementAndGet() > limits.maxParked()) {
            count.decrementAndGet();
            return false;
        }
        byte[] id = new byte[16];
        ids.nextBytes(id);
        String parkId = HexFormat.of().formatHex(id);
        call.admitted(parkId);
        parked.put(parkId, call);
        return true;
    }

    void release(ParkedCall call) {
        String parkId = call.parkId();
        if (parkId != null && parked.remove(parkId, call)) {
            count.decrementAndGet();
        }
    }

    static McpException full(int max) {
        return new McpException(JsonRpc.INTERNAL_ERROR, "too many calls waiting for client input (" + max
                + ", proxy.bridge.maxParked); try again later");
    }
}
