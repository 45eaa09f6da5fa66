package dev.dynamicmcp.proxy.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.McpException;
import dev.dynamicmcp.protocol.McpMeta;
import dev.dynamicmcp.protocol.McpMethods;
import dev.dynamicmcp.protocol.McpResults;
import dev.dynamicmcp.protocol.PendingRequest;
import dev.dynamicmcp.runtime.Durations;
import dev.dynamicmcp.runtime.Failures;
import dev.dynamicmcp.runtime.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The revision bridge the other way (Bridge B): a 2025-era client's call to an MCP 2026-07-28 server. When
 * the server answers {@code input_required}, each of its {@code inputRequests} goes to the client as the
 * ordinary server-initiated request of its revision (sampling/createMessage, elicitation/create, roots/list)
 * on the stream of the call; the answers, keyed as the requests were, go back to the server in a retry with
 * the same params plus {@code inputResponses} and the server's {@code requestState} (opaque: echoed as
 * given). Round after round, until the server's answer is complete.
 *
 * <p>Bounds: at most {@link BridgeLimits#maxRounds} rounds; each round's answers within
 * {@link BridgeLimits#inputTimeout} (on the {@link Scheduler}); each attempt upstream has the call's own
 * timeout. What the client cannot do (a capability it did not declare at initialize), a client error, a
 * client that does not answer in time and a server that keeps asking each end the call with a JSON-RPC error
 * that says which — never a hang. The client's cancel ends the call: the attempt under way is cancelled
 * upstream by its sender, the client's open requests are withdrawn.
 *
 * <p>Nothing is kept between calls: the server holds its state in the {@code requestState} it hands out.
 */
public final class InputRequiredLoop {
    /** One attempt of the call upstream with these params (a fresh request each time). */
    @FunctionalInterface
    public interface Attempt {
        CompletableFuture<JsonNode> send(ObjectNode params);
    }

    /** The 2025-era client behind the call, as the call's front reaches it. */
    public interface Client {
        /** True when the client declared the capability at initialize. */
        boolean can(String capability);

        /** Sends the server-initiated request to the client, on the stream of the call. */
        PendingRequest ask(String method, JsonNode params, Duration timeout);

        /** Runs {@code action} with the reason when the client cancels the call (at once if it did). */
        void onCancel(Consumer<String> action);
    }

    /** Where one call is; moves forward only, DONE is final. */
    enum Phase { CALLING, ASKING, DONE }

    private final Scheduler scheduler;
    private final BridgeLimits limits;

    public InputRequiredLoop(Scheduler scheduler, BridgeLimits limits) {
        this.scheduler = scheduler;
        this.limits = limits;
    }

    /**
     * Runs the call to completion: the server's complete result (or its error), or the error that ended the
     * bridge.
     *
     * @param method  the client's method, for messages
     * @param params  the client's params, as the server is to see them (each retry adds the inputs to a copy)
     * @param attempt sends one attempt upstream
     * @param client  the client to ask
     */
    public CompletableFuture<JsonNode> run(String method, ObjectNode params, Attempt attempt, Client client) {
        Run run = new Run(method, params, attempt, client);
        client.onCancel(run::cancelled);
        run.call(params);
        return run.outcome;
    }


    private final class Run {
        private final String method;
        private final ObjectNode params;
        private final Attempt attempt;
        private final Client client;
        private final CompletableFuture<JsonNode> outcome = new CompletableFuture<>();
        private final AtomicReference<Phase> phase = new AtomicReference<>(Phase.CALLING);
        /** The client's open requests of the current round; replaced each round, withdrawn on the end. */
        private volatile List<PendingRequest> asks = List.of();
        private volatile Scheduler.Cancellable timer = Scheduler.Cancellable.NONE;
        private volatile int rounds; // written only by the one continuation running at a time

        Run(String method, ObjectNode params, Attempt attempt, Client client) {
            this.method = method;
            this.params = params;
            this.attempt = attempt;
            this.client = client;
        }

        void call(ObjectNode attemptParams) {
            if (!phase.compareAndSet(Phase.ASKING, Phase.CALLING) && phase.get() != Phase.CALLING) {
                return; // ended (cancelled, failed) meanwhile
            }
            CompletableFuture<JsonNode> sent;
            try {
                sent = attempt.send(attemptParams);
            } catch (RuntimeException e) {
                sent = CompletableFuture.failedFuture(e);
            }
            sent.whenComplete(this::answered);
        }

        private void answered(JsonNode result, Throwable failure) {
            if (failure != null) {
                end(null, Failures.unwrap(failure));
            } else if (!McpResults.isInputRequired(result)) {
                end(result, null);
            } else if (++rounds > limits.maxRounds()) {
                end(null, new McpException(JsonRpc.INTERNAL_ERROR, "the server behind the proxy kept asking for"
                        + " client input after " + limits.maxRounds() + " rounds of " + method
                        + " (proxy.bridge.maxRounds); the call was ended"));
            } else {
                ask((ObjectNode) result);
            }
        }

        /** Sends every input request of the server's answer to the client, then retries with the answers. */
        private void ask(ObjectNode inputRequired) {
            Map<String, ObjectNode> requests = new LinkedHashMap<>();
            JsonNode given = inputRequired.get(McpResults.INPUT_REQUESTS);
            if (given != null && !given.isNull()) {
                if (!given.isObject()) {
                    end(null, new McpException(JsonRpc.INTERNAL_ERROR,
                            "the server behind the proxy answered input_required with inputRequests that are not an object"));
                    return;
                }
                for (Iterator<Map.Entry<String, JsonNode>> it = given.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> entry = it.next();
                    McpException refused = refusal(entry.getKey(), entry.getValue());
                    if (refused != null) {
                        end(null, refused);
                        return;
                    }
                    requests.put(entry.getKey(), (ObjectNode) entry.getValue());
                }
            }
            if (!phase.compareAndSet(Phase.CALLING, Phase.ASKING)) {
                return;
            }
            JsonNode state = inputRequired.get(McpResults.REQUEST_STATE);
            if (requests.isEmpty()) { // only a state: the server wants the call again with it
                call(retryParams(Json.object(), state));
                return;
            }
            List<PendingRequest> sent = new ArrayList<>();
            Map<String, CompletableFuture<JsonNode>> answers = new LinkedHashMap<>();
            for (Map.Entry<String, ObjectNode> request : requests.entrySet()) {
                String askMethod = request.getValue().path("method").asText();
                PendingRequest pending = client.ask(askMethod, request.getValue().get("params"), limits.inputTimeout());
                sent.add(pending);
                answers.put(request.getKey(), pending.result().handle((answer, failure) -> {
                    if (failure != null) {
                        throw new java.util.concurrent.CompletionException(clientFailed(request.getKey(), askMethod,
                                Failures.unwrap(failure)));
                    }
                    if (!(answer instanceof ObjectNode)) {
                        throw new java.util.concurrent.CompletionException(new McpException(JsonRpc.INTERNAL_ERROR,
                                "the client's answer to " + askMethod + " is not a result object"));
                    }
                    return answer;
                }));
            }
            asks = sent;
            int round = rounds;
            timer = scheduler.schedule("bridge-input-timeout", limits.inputTimeout(), () -> {
                if (rounds == round && phase.get() == Phase.ASKING) {
                    end(null, new McpException(JsonRpc.INTERNAL_ERROR, "the client did not answer "
                            + String.join(", ", requests.values().stream().map(r -> r.path("method").asText()).toList())
                            + " within " + Durations.format(limits.inputTimeout()) + " (proxy.bridge.inputTimeout); " + method
                            + " was ended"));
                }
            });
            if (phase.get() == Phase.DONE) {
                timer.cancel(); // ended while the requests went out
                sent.forEach(p -> p.cancel("the call ended"));
                return;
            }
            for (CompletableFuture<JsonNode> answer : answers.values()) {
                answer.whenComplete((value, failure) -> {
                    if (failure != null) {
                        end(null, Failures.unwrap(failure));
                    }
                });
            }
            CompletableFuture.allOf(answers.values().toArray(CompletableFuture[]::new)).thenRun(() -> {
                timer.cancel();
                ObjectNode responses = Json.object();
                answers.forEach((key, answer) -> responses.set(key, answer.join()));
                call(retryParams(responses, state));
            });
        }

        /** Why the proxy cannot pass this input request to the client, or null when it can. */
        private McpException refusal(String key, JsonNode request) {
            String askMethod = request.path("method").asText("");
            String capability = McpMethods.clientCapabilityFor(askMethod);
            if (!request.isObject() || capability == null) {
                return new McpException(JsonRpc.INTERNAL_ERROR, "the server behind the proxy asked for input \"" + key
                        + "\" with " + (askMethod.isEmpty() ? "no method" : "\"" + askMethod + "\"")
                        + ", which a client of the 2025 revisions cannot be asked");
            }
            if (!client.can(capability)) {
                return new McpException(McpMeta.MISSING_CLIENT_CAPABILITY, "the server behind the proxy needs the"
                        + " client capability \"" + capability + "\" (it asked " + askMethod + " during " + method
                        + "), which the client did not declare at initialize",
                        McpMeta.missingCapabilityData(capability));
            }
            return null;
        }

        private McpException clientFailed(String key, String askMethod, Throwable failure) {
            String why = failure instanceof CancellationException ? "withdrew it" : "answered with an error: "
                    + (failure.getMessage() == null ? failure.toString() : failure.getMessage());
            return new McpException(JsonRpc.INTERNAL_ERROR, "the client " + why + " (" + askMethod
                    + ", input \"" + key + "\" the server behind the proxy needs for " + method + ")");
        }

        /** The original params plus this round's answers and the server's state, byte-exact as it gave it. */
        private ObjectNode retryParams(ObjectNode responses, JsonNode state) {
            ObjectNode retry = Json.shallowCopy(params);
            retry.set(McpResults.INPUT_RESPONSES, responses);
            if (state != null && !state.isNull()) {
                retry.set(McpResults.REQUEST_STATE, state);
            } else {
                retry.remove(McpResults.REQUEST_STATE);
            }
            return retry;
        }

        void cancelled(String reason) {
            end(null, new CancellationException(reason));
        }

        private void end(JsonNode result, Throwable failure) {
            if (phase.getAndSet(Phase.DONE) == Phase.DONE) {
                return;
            }
            timer.cancel();
            for (PendingRequest ask : asks) {
                if (!ask.result().isDone()) {
                    ask.cancel(failure == null ? "the call ended" : String.valueOf(failure.getMessage()));
                }
            }
            if (failure == null) {
                outcome.complete(result);
            } else {
                outcome.completeExceptionally(failure);
            }
        }
    }
}
