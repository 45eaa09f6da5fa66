package dev.dynamicmcp.proxy.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.McpException;
import dev.dynamicmcp.protocol.McpMeta;
import dev.dynamicmcp.protocol.PendingRequest;
import dev.dynamicmcp.testsupport.FakeScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Bridge B's round loop on the fake clock: a fake upstream answers input_required, a fake 2025 client answers. */
class InputRequiredLoopTest {
    private final FakeScheduler scheduler = new FakeScheduler();
    private final BridgeLimits limits = new BridgeLimits(Duration.ofSeconds(30), 3, 10, Duration.ofMillis(20));
    private final InputRequiredLoop loop = new InputRequiredLoop(scheduler, limits);

    /** The upstream: each attempt's params recorded, answered by the test. */
    private final List<ObjectNode> attempts = new ArrayList<>();
    private final List<CompletableFuture<JsonNode>> attemptAnswers = new ArrayList<>();

    private CompletableFuture<JsonNode> attempt(ObjectNode params) {
        attempts.add(params);
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        attemptAnswers.add(answer);
        return answer;
    }

    /** The 2025 client: what it was asked, each with its answer future and whether it was cancelled. */
    private final class FakeClient implements InputRequiredLoop.Client {
        final Set<String> capabilities;
        final List<String> asked = new ArrayList<>();
        final List<JsonNode> askedParams = new ArrayList<>();
        final List<CompletableFuture<JsonNode>> answers = new ArrayList<>();
        final List<String> cancelled = new ArrayList<>();
        final CompletableFuture<String> cancel = new CompletableFuture<>();

        FakeClient(String... capabilities) {
            this.capabilities = Set.of(capabilities);
        }

        @Override
        public boolean can(String capability) {
            return capabilities.contains(capability);
        }

        @Override
        public PendingRequest ask(String method, JsonNode params, Duration timeout) {
            asked.add(method);
            askedParams.add(params);
            CompletableFuture<JsonNode> answer = new CompletableFuture<>();
            answers.add(answer);
            return PendingRequest.local(method, answer, reason -> {
                cancelled.add(method + ": " + reason);
                answer.cancel(false);
            });
        }

        @Override
        public void onCancel(Consumer<String> action) {
            cancel.thenAccept(action);
        }
    }

    private static ObjectNode inputRequired(String state, String... keyAndMethod) {
        ObjectNode result = Json.object().put("resultType", "input_required");
        ObjectNode requests = result.putObject("inputRequests");
        for (int i = 0; i < keyAndMethod.length; i += 2) {
            requests.putObject(keyAndMethod[i]).put("method", keyAndMethod[i + 1]).putObject("params").put("n", i);
        }
        if (state != null) {
            result.put("requestState", state);
        }
        return result;
    }

    private static ObjectNode complete(String text) {
        ObjectNode result = Json.object().put("resultType", "complete");
        result.putArray("content").addObject().put("type", "text").put("text", text);
        return result;
    }

    private static ObjectNode callParams() {
        ObjectNode params = Json.object().put("name", "ask");
        params.putObject("arguments").put("topic", "x");
        params.putObject("_meta").put("progressToken", 7);
        return params;
    }

    @Test
    void eachRoundAsksTheClientAndRetriesWithItsAnswersAndTheStateAsGiven() throws Exception {
        FakeClient client = new FakeClient("elicitation", "sampling", "roots");
        CompletableFuture<JsonNode> outcome = loop.run("tools/call", callParams(), this::attempt, client);

        attemptAnswers.get(0).complete(inputRequired("s1==", "who", "elicitation/create", "where", "roots/list"));
        assertThat(client.asked).containsExactly("elicitation/create", "roots/list");
        assertThat(client.askedParams.get(0).path("n").asInt()).isZero();
        client.answers.get(1).complete(Json.object().set("roots", Json.array()));
        assertThat(attempts).hasSize(1); // waits for every answer of the round
        client.answers.get(0).complete(Json.object().put("action", "accept"));

        assertThat(attempts).hasSize(2);
        ObjectNode retry = attempts.get(1);
        assertThat(retry.path("name").asText()).isEqualTo("ask");
        assertThat(retry.path("arguments").path("topic").asText()).isEqualTo("x");
        assertThat(retry.path("_meta").path("progressToken").asInt()).isEqualTo(7);
        assertThat(retry.path("requestState").asText()).isEqualTo("s1==");
        assertThat(retry.path("inputResponses").path("who").path("action").asText()).isEqualTo("accept");
        assertThat(retry.path("inputResponses").path("where").has("roots")).isTrue();
        assertThat(attempts.get(0).has("inputResponses")).as("the original params are untouched").isFalse();

        attemptAnswers.get(1).complete(inputRequired(null, "summary", "sampling/createMessage"));
        client.answers.get(2).complete(Json.object().put("model", "m"));
        assertThat(attempts).hasSize(3);
        assertThat(attempts.get(2).has("requestState")).as("no state given, none sent").isFalse();
        assertThat(attempts.get(2).path("inputResponses").fieldNames()).toIterable().containsExactly("summary");

        attemptAnswers.get(2).complete(complete("done"));
        assertThat(outcome.get().path("content").path(0).path("text").asText()).isEqualTo("done");
        assertThat(scheduler.pending()).as("no timer left behind").isEmpty();
    }

    @Test
    void aCapabilityTheClientDidNotDeclareEndsTheCallNamingIt() {
        FakeClient client = new FakeClient("sampling");
        CompletableFuture<JsonNode> outcome = loop.run("tools/call", callParams(), this::attempt, client);
        attemptAnswers.get(0).complete(inputRequired("s", "a", "sampling/createMessage", "b", "elicitation/create"));

        assertThat(client.asked).as("nothing is asked when one input cannot be").isEmpty();
        assertThatThrownBy(outcome::get).cause().isInstanceOfSatisfying(McpException.class, e -> {
            assertThat(e.code()).isEqualTo(McpMeta.MISSING_CLIENT_CAPABILITY);
            assertThat(e.getMessage()).contains("\"elicitation\"", "elicitation/create", "initialize");
            assertThat(e.data().path("requiredCapabilities").has("elicitation")).isTrue();
        });
        assertThat(attempts).hasSize(1);
    }

    @Test
    void anInputRequestOfAnUnknownMethodIsRefused() {
        FakeClient client = new FakeClient("sampling", "elicitation", "roots");
        CompletableFuture<JsonNode> outcome = loop.run("prompts/get", callParams(), this::attempt, client);
        attemptAnswers.get(0).complete(inputRequired("s", "t", "tasks/get"));
        assertThatThrownBy(outcome::get).cause().hasMessageContaining("\"tasks/get\"");
    }

    @Test
    void aClientThatDoesNotAnswerInTimeEndsTheCallAndItsRequestIsWithdrawn() {
        FakeClient client = new FakeClient("elicitation");
        CompletableFuture<JsonNode> outcome = loop.run("tools/call", callParams(), this::attempt, client);
        attemptAnswers.get(0).complete(inputRequired("s", "who", "elicitation/create"));

        scheduler.advance(Duration.ofSeconds(29));
        assertThat(outcome).isNotDone();
        scheduler.advance(Duration.ofSeconds(1));
        assertThatThrownBy(outcome::get).cause().hasMessageContaining("did not answer elicitation/create within 30.0 s");
        assertThat(client.cancelled).singleElement().asString().startsWith("elicitation/create: ");
        assertThat(attempts).as("no retry after the end").hasSize(1);
    }

    @Test
    void aClientErrorEndsTheCallNamingWhatWasAsked() {
        FakeClient client = new FakeClient("sampling");
        CompletableFuture<JsonNode> outcome = loop.run("tools/call", callParams(), this::attempt, client);
        attemptAnswers.get(0).complete(inputRequired("s", "q", "sampling/createMessage"));
        client.answers.get(0).completeExceptionally(new McpException(-1, "User rejected sampling"));

        assertThatThrownBy(outcome::get).cause()
                .hasMessageContaining("answered with an error: User rejected sampling")
                .hasMessageContaining("sampling/createMessage").hasMessageContaining("\"q\"");
        assertThat(scheduler.pending()).isEmpty();
    }

    @Test
    void aServerThatKeepsAskingIsStoppedAfterTheMaximumRounds() {
        FakeClient client = new FakeClient("elicitation");
        CompletableFuture<JsonNode> outcome = loop.run("tools/call", callParams(), this::attempt, client);
        for (int round = 0; round < 3; round++) {
            attemptAnswers.get(round).complete(inputRequired("s" + round, "k" + round, "elicitation/create"));
            client.answers.get(round).complete(Json.object().put("action", "decline"));
        }
        attemptAnswers.get(3).complete(inputRequired("s3", "k3", "elicitation/create"));

        assertThat(client.asked).hasSize(3);
        assertThatThrownBy(outcome::get).cause().hasMessageContaining("after 3 rounds");
    }

    @Test
    void theClientsCancelWhileItIsAskedEndsTheCallAndWithdrawsTheRequests() {
        FakeClient client = new FakeClient("elicitation");
        CompletableFuture<JsonNode> outcome = loop.run("tools/call", callParams(), this::attempt, client);
        attemptAnswers.get(0).complete(inputRequired("s", "who", "elicitation/create"));

        client.cancel.complete("user closed the dialog");
        assertThat(outcome.handle((value, failure) -> failure).join()).isInstanceOf(CancellationException.class)
                .hasMessage("user closed the dialog");
        assertThat(client.cancelled).containsExactly("elicitation/create: user closed the dialog");
        assertThat(attempts).hasSize(1);
        assertThat(scheduler.pending()).isEmpty();
    }

    @Test
    void theClientsCancelDuringAnAttemptStartsNoFurtherRound() throws Exception {
        FakeClient client = new FakeClient("elicitation");
        CompletableFuture<JsonNode> outcome = loop.run("tools/call", callParams(), this::attempt, client);
        client.cancel.complete("gone");
        // the attempt's own sender cancels it upstream; its late answer starts nothing
        attemptAnswers.get(0).complete(inputRequired("s", "who", "elicitation/create"));
        assertThat(outcome).isCompletedExceptionally();
        assertThat(client.asked).isEmpty();
    }

    @Test
    void theServersErrorAndACompleteFirstAnswerPassAsTheyAre() throws ExecutionException, InterruptedException {
        FakeClient client = new FakeClient();
        CompletableFuture<JsonNode> first = loop.run("tools/call", callParams(), this::attempt, client);
        attemptAnswers.get(0).complete(complete("at once"));
        assertThat(first.get().path("content").path(0).path("text").asText()).isEqualTo("at once");

        CompletableFuture<JsonNode> second = loop.run("tools/call", callParams(), this::attempt, client);
        attemptAnswers.get(1).completeExceptionally(new McpException(-32602, "Invalid or expired requestState"));
        assertThatThrownBy(second::get).cause().isInstanceOf(McpException.class)
                .hasMessage("Invalid or expired requestState");
    }
}
