package dev.dynamicmcp.proxy.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.McpException;
import dev.dynamicmcp.protocol.McpResults;
import dev.dynamicmcp.runtime.Scheduler;
import dev.dynamicmcp.runtime.Durations;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One modern client's call to a 2025-era server, across its rounds. While the server works, the client's
 * current request waits (RUNNING); when the server asks the client something, the asks of a short window are
 * answered to the client as one {@code input_required} with a fresh {@code requestState} (PARKED); the
 * client's retry with that state brings the answers, which go to the server, and the retry's request waits in
 * turn (RUNNING again) — for the server's result, or its next asks. The call ends (DONE) with the server's
 * result, the client going away, or the client not retrying in time (the server's asks get an error and the
 * upstream call is cancelled).
 *
 * <p>Futures are completed, timers set and the upstream cancelled only outside the lock: completing a
 * client's answer writes to its stream.
 */
final class ParkedCall {
    private static final Logger log = LoggerFactory.getLogger(ParkedCall.class);

    enum Phase { RUNNING, PARKED, DONE }

    /** A server's request not answered yet. {@code asked} once it went out in an input_required. */
    private record Open(String method, JsonNode params, CompletableFuture<JsonNode> answer) {
    }

    private final BridgeStore store;
    private final String method;
    private final String target;
    /** The client's first params, digested into the states; never changed once a request arrived. */
    private final ObjectNode params;
    /**
     * Made at the call's first input_required (under the lock), not when it starts: most calls never park,
     * and the random id and the params' digest were a third of the modern path's extra cost per call.
     * Null until then; volatile for {@link BridgeStore#release}, which may read it from another thread.
     */
    private volatile String parkId;
    private String digest;
    private final Consumer<String> cancelUpstream;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, Open> open = new LinkedHashMap<>();
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private Phase phase = Phase.RUNNING;
    private CompletableFuture<JsonNode> waiter;
    private Consumer<ObjectNode> related;
    private int round = 1;
    private int asksThisRound;
    /** A gather timer is set for the round being collected (the flag, not the timer, decides: no race). */
    private boolean gathering;
    private Scheduler.Cancellable gather = Scheduler.Cancellable.NONE;
    private Scheduler.Cancellable expiry = Scheduler.Cancellable.NONE;
    /** The server's outcome when it came while the call was parked: the retry gets it. */
    private CompletableFuture<JsonNode> outcome;

    ParkedCall(BridgeStore store, String method, String target, ObjectNode params,
               CompletableFuture<JsonNode> first, Consumer<ObjectNode> related, Consumer<String> cancelUpstream) {
        this.store = store;
        this.method = method;
        this.target = target;
        this.params = params;
        this.waiter = first;
        this.related = related;
        this.cancelUpstream = cancelUpstream;
        watch(first);
    }

    /** Null until the call is first admitted to the store. */
    String parkId() {
        return parkId;
    }

    /** The store admitted the call (its first input_required, under this call's lock): its id and digest. */
    void admitted(String id) {
        digest = RequestStateCodec.digest(params);
        parkId = id;
    }

    CompletableFuture<Void> done() {
        return done;
    }

    Phase phase() {
        lock.lock();
        try {
            return phase;
        } finally {
            lock.unlock();
        }
    }

    /** A notification of the call (progress, log) goes to the stream of the client's current request. */
    void relay(ObjectNode notification) {
        Consumer<ObjectNode> to;
        lock.lock();
        try {
            to = phase == Phase.RUNNING ? related : null; // parked: no stream is open, dropped
        } finally {
            lock.unlock();
        }
        if (to != null) {
            to.accept(notification);
        }
    }

    /** The server asks the client; the answer is the client's bare result for it. */
    CompletableFuture<JsonNode> ask(String askMethod, JsonNode params) {
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        boolean startGather = false;
        lock.lock();
        try {
            if (phase == Phase.DONE) {
                answer.completeExceptionally(new McpException(JsonRpc.INTERNAL_ERROR,
                        "the client's call has ended; " + askMethod + " cannot reach it"));
                return answer;
            }
            String key = "r" + round + "-" + (++asksThisRound);
            while (open.containsKey(key)) {
                key = "r" + round + "-" + (++asksThisRound);
            }
            open.put(key, new Open(askMethod, params, answer));
            String k = key;
            answer.whenComplete((v, f) -> withdraw(k, answer));
            startGather = phase == Phase.RUNNING && !gathering;
            gathering |= startGather;
        } finally {
            lock.unlock();
        }
        if (startGather) {
            Scheduler.Cancellable timer = store.scheduler().schedule("bridge-gather", store.limits().gatherWindow(),
                    this::answerInputRequired);
            lock.lock();
            try {
                gather = timer;
            } finally {
                lock.unlock();
            }
        }
        return answer;
    }

    /** The server no longer waits for this ask (answered, or it cancelled its request). */
    private void withdraw(String key, CompletableFuture<JsonNode> answer) {
        lock.lock();
        try {
            Open o = open.get(key);
            if (o != null && o.answer() == answer) {
                open.remove(key);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Answers the client's current request with input_required carrying every open ask. */
    private void answerInputRequired() {
        CompletableFuture<JsonNode> to;
        ObjectNode answer;
        McpException refusal = null;
        lock.lock();
        try {
            gathering = false;
            if (phase != Phase.RUNNING || open.isEmpty()) {
                return;
            }
            to = waiter;
            if (round > store.limits().maxRounds()) {
                refusal = new McpException(JsonRpc.INTERNAL_ERROR, "the server kept asking for client input after "
                        + store.limits().maxRounds() + " rounds (proxy.bridge.maxRounds); the call was cancelled");
                answer = null;
            } else if (!store.admit(this)) {
                refusal = BridgeStore.full(store.limits().maxParked());
                answer = null;
            } else {
                answer = Json.object().put(McpResults.RESULT_TYPE, McpResults.INPUT_REQUIRED);
                ObjectNode requests = answer.putObject(McpResults.INPUT_REQUESTS);
                open.forEach((key, o) -> {
                    ObjectNode request = requests.putObject(key).put("method", o.method());
                    if (o.params() != null && !o.params().isNull()) {
                        request.set("params", o.params());
                    }
                });
                long expires = store.scheduler().now().plus(store.limits().inputTimeout()).toEpochMilli();
                answer.put(McpResults.REQUEST_STATE, store.codec().encode(new RequestStateCodec.State(parkId, round, method,
                        target, digest, expires, store.codec().instance())));
                phase = Phase.PARKED;
                waiter = null;
                related = null;
            }
        } finally {
            lock.unlock();
        }
        if (refusal != null) {
            end(refusal, refusal.getMessage());
            return;
        }
        int parkedRound = round;
        Scheduler.Cancellable timer = store.scheduler().schedule("bridge-input-timeout",
                store.limits().inputTimeout(), () -> expire(parkedRound));
        lock.lock();
        try {
            expiry = timer;
        } finally {
            lock.unlock();
        }
        to.complete(answer);
    }

    /** The client's retry of {@code stateRound} with its answers; the verified state named this park. */
    CompletableFuture<JsonNode> retry(int stateRound, JsonNode responses, Consumer<ObjectNode> retryRelated) {
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        List<Map.Entry<CompletableFuture<JsonNode>, JsonNode>> answered = new ArrayList<>();
        boolean askAgain;
        CompletableFuture<JsonNode> result;
        Scheduler.Cancellable timer;
        lock.lock();
        try {
            if (phase != Phase.PARKED || stateRound != round) {
                return CompletableFuture.failedFuture(RequestStateCodec.invalid(
                        "it was already used, or is from an earlier round of this call"));
            }
            if (responses != null && !responses.isNull() && !responses.isObject()) {
                return CompletableFuture.failedFuture(new McpException(JsonRpc.INVALID_PARAMS,
                        "inputResponses must be an object keyed by the inputRequests keys"));
            }
            if (responses != null && responses.isObject()) {
                for (Map.Entry<String, Open> entry : open.entrySet()) {
                    JsonNode response = responses.get(entry.getKey());
                    if (response != null && !response.isObject()) {
                        return CompletableFuture.failedFuture(new McpException(JsonRpc.INVALID_PARAMS,
                                "inputResponses." + entry.getKey() + " must be the result object of "
                                        + entry.getValue().method()));
                    }
                }
                for (Map.Entry<String, Open> entry : open.entrySet()) { // extra keys: ignored, as the spec says
                    JsonNode response = responses.get(entry.getKey());
                    if (response != null) {
                        answered.add(Map.entry(entry.getValue().answer(), response));
                    }
                }
            }
            answered.forEach(a -> open.values().removeIf(o -> o.answer() == a.getKey()));
            timer = expiry;
            expiry = Scheduler.Cancellable.NONE;
            round++;
            asksThisRound = 0;
            phase = Phase.RUNNING;
            waiter = answer;
            related = retryRelated;
            result = outcome;
            askAgain = result == null && !open.isEmpty();
        } finally {
            lock.unlock();
        }
        timer.cancel();
        watch(answer);
        if (result != null) {
            deliver(result);
            return answer;
        }
        for (Map.Entry<CompletableFuture<JsonNode>, JsonNode> a : answered) {
            a.getKey().complete(a.getValue()); // the server's request gets the client's answer; its call goes on
        }
        if (askAgain) { // what the client left unanswered, or what the server asked meanwhile
            answerInputRequired();
        }
        return answer;
    }

    /** The server answered the call (result or error), already in the client's revision. */
    void finished(CompletableFuture<JsonNode> serverOutcome) {
        boolean now;
        lock.lock();
        try {
            if (phase == Phase.DONE) {
                return;
            }
            now = phase == Phase.RUNNING;
            if (!now) {
                outcome = serverOutcome; // parked: the retry gets it
            }
        } finally {
            lock.unlock();
        }
        if (now) {
            deliver(serverOutcome);
        }
    }

    private void deliver(CompletableFuture<JsonNode> serverOutcome) {
        CompletableFuture<JsonNode> to;
        List<Open> left;
        Scheduler.Cancellable timer;
        lock.lock();
        try {
            to = waiter;
            left = new ArrayList<>(open.values());
            open.clear();
            timer = gather;
            phase = Phase.DONE;
            waiter = null;
        } finally {
            lock.unlock();
        }
        timer.cancel();
        store.release(this);
        left.forEach(o -> o.answer().completeExceptionally(new McpException(JsonRpc.INTERNAL_ERROR,
                "the call ended before the client answered")));
        serverOutcome.whenComplete((value, failure) -> {
            if (failure == null) {
                to.complete(value);
            } else {
                to.completeExceptionally(failure);
            }
        });
        done.complete(null);
    }

    /** No retry within the input timeout: the server hears why, its call is cancelled, the park is dropped. */
    private void expire(int parkedRound) {
        lock.lock();
        try {
            if (phase != Phase.PARKED || round != parkedRound) {
                return;
            }
        } finally {
            lock.unlock();
        }
        String why = "the client did not answer within " + Durations.format(store.limits().inputTimeout())
                + " (proxy.bridge.inputTimeout)";
        log.info("call {} {} waited for client input in vain: {}; cancelling it upstream", method, target, why);
        end(new McpException(JsonRpc.INTERNAL_ERROR, why), why);
    }

    /** Ends the call without the server's result: the client's current request (if any) hears {@code failure}. */
    private void end(McpException failure, String reason) {
        CompletableFuture<JsonNode> to;
        List<Open> left;
        Scheduler.Cancellable timers;
        lock.lock();
        try {
            if (phase == Phase.DONE) {
                return;
            }
            to = waiter;
            left = new ArrayList<>(open.values());
            open.clear();
            Scheduler.Cancellable g = gather;
            Scheduler.Cancellable e = expiry;
            timers = () -> g.cancel() | e.cancel();
            phase = Phase.DONE;
            waiter = null;
        } finally {
            lock.unlock();
        }
        timers.cancel();
        store.release(this);
        left.forEach(o -> o.answer().completeExceptionally(new McpException(JsonRpc.INTERNAL_ERROR, reason)));
        cancelUpstream.accept(reason);
        if (to != null) {
            to.completeExceptionally(failure);
        }
        done.complete(null);
    }

    /** The client giving up on its current request (the future cancelled) ends the call upstream too. */
    private void watch(CompletableFuture<JsonNode> request) {
        request.whenComplete((value, failure) -> {
            if (request.isCancelled()) {
                String why = failure != null && failure.getMessage() != null ? failure.getMessage()
                        : "cancelled by the client";
                end(new McpException(JsonRpc.INTERNAL_ERROR, why), why);
            }
        });
    }
}
