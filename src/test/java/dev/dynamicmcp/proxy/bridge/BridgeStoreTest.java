package dev.dynamicmcp.proxy.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.McpException;
import dev.dynamicmcp.protocol.PendingRequest;
import dev.dynamicmcp.runtime.Failures;
import dev.dynamicmcp.testsupport.FakeScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The parks on the fake clock: rounds, bounds, expiry, and refusals that leave the legitimate retry alone. */
class BridgeStoreTest {
    private final FakeScheduler clock = new FakeScheduler();
    private final BridgeStore store = new BridgeStore(clock, new BridgeLimits(Duration.ofSeconds(120), 3, 2,
            Duration.ofMillis(20)), RequestStateCodec.random());
    private final List<String> cancelled = new ArrayList<>();

    private static final ObjectNode PARAMS = (ObjectNode) Json.parse("{\"name\":\"ask\",\"arguments\":{}}");

    private record Call(MrtrChannel channel, CompletableFuture<JsonNode> first) {
    }

    private Call open() {
        CompletableFuture<JsonNode> first = new CompletableFuture<>();
        return new Call(store.open("tools/call", "ask", PARAMS, first, n -> { }, cancelled::add), first);
    }

    private CompletableFuture<JsonNode> retry(JsonNode inputRequired, String responsesJson) {
        ObjectNode params = PARAMS.deepCopy();
        params.set("inputResponses", Json.parse(responsesJson));
        params.set("requestState", inputRequired.get("requestState"));
        return store.retry("tools/call", "ask", params, n -> { });
    }

    private static int code(CompletableFuture<?> future) {
        assertThat(future).isCompletedExceptionally();
        return ((McpException) Failures.unwrap(future.handle((v, f) -> f).join())).code();
    }

    @Test
    void asksOfOneWindowAreOneRoundAndTheRetryAnswersThem() {
        Call call = open();
        PendingRequest sampling = call.channel().ask("sampling/createMessage", Json.parse("{\"maxTokens\":5}"));
        PendingRequest roots = call.channel().ask("roots/list", Json.object());
        assertThat(call.first()).isNotDone();
        clock.advance(Duration.ofMillis(20));
        JsonNode first = call.first().join();
        assertThat(first.path("resultType").asText()).isEqualTo("input_required");
        assertThat(first.path("inputRequests").properties()).hasSize(2);
        assertThat(first.path("inputRequests").path("r1-1").path("method").asText()).isEqualTo("sampling/createMessage");
        assertThat(first.path("inputRequests").path("r1-2").path("method").asText()).isEqualTo("roots/list");
        assertThat(store.parkedCount()).isEqualTo(1);

        CompletableFuture<JsonNode> second = retry(first,
                "{\"r1-1\":{\"role\":\"assistant\",\"content\":{\"type\":\"text\",\"text\":\"hi\"}},"
                        + "\"r1-2\":{\"roots\":[]},\"extra\":{}}");
        assertThat(sampling.result().join().path("content").path("text").asText()).isEqualTo("hi");
        assertThat(roots.result().join().path("roots").isArray()).isTrue();
        assertThat(second).isNotDone(); // waits for the server's result
        call.channel().finished(CompletableFuture.completedFuture(Json.object().put("resultType", "complete")));
        assertThat(second.join().path("resultType").asText()).isEqualTo("complete");
        assertThat(store.parkedCount()).isZero();
        assertThat(call.channel().done()).isDone();
    }

    @Test
    void severalRoundsEachWithAFreshStateAndAReplayOfAnOlderRoundIsRefused() {
        Call call = open();
        PendingRequest a = call.channel().ask("elicitation/create", Json.object().put("message", "name?"));
        clock.advance(Duration.ofMillis(20));
        JsonNode round1 = call.first().join();
        CompletableFuture<JsonNode> retry1 = retry(round1, "{\"r1-1\":{\"action\":\"accept\"}}");
        assertThat(a.result()).isCompleted();
        PendingRequest b = call.channel().ask("elicitation/create", Json.object().put("message", "color?"));
        clock.advance(Duration.ofMillis(20));
        JsonNode round2 = retry1.join();
        assertThat(round2.path("inputRequests").has("r2-1")).isTrue();
        assertThat(round2.path("requestState").asText()).isNotEqualTo(round1.path("requestState").asText());

        // replay of round 1, then a tampered round 2: refused, the legitimate retry still works
        assertThat(code(retry(round1, "{\"r1-1\":{\"action\":\"accept\"}}"))).isEqualTo(-32602);
        ObjectNode tampered = ((ObjectNode) round2.deepCopy()).put("requestState", round2.path("requestState").asText() + "-TAMPERED");
        assertThat(code(retry(tampered, "{\"r2-1\":{\"action\":\"accept\"}}"))).isEqualTo(-32602);
        assertThat(b.result()).isNotDone();
        CompletableFuture<JsonNode> retry2 = retry(round2, "{\"r2-1\":{\"action\":\"decline\"}}");
        assertThat(b.result().join().path("action").asText()).isEqualTo("decline");
        // the same state twice: single use
        assertThat(code(retry(round2, "{\"r2-1\":{\"action\":\"decline\"}}"))).isEqualTo(-32602);
        call.channel().finished(CompletableFuture.completedFuture(Json.object().put("resultType", "complete")));
        assertThat(retry2.join().path("resultType").asText()).isEqualTo("complete");
    }

    @Test
    void aMissingResponseIsAskedAgainAndAMalformedOneIsRefusedWithoutHarm() {
        Call call = open();
        PendingRequest a = call.channel().ask("roots/list", Json.object());
        PendingRequest b = call.channel().ask("elicitation/create", Json.object());
        clock.advance(Duration.ofMillis(20));
        JsonNode round1 = call.first().join();
        assertThat(code(retry(round1, "{\"r1-1\":12345}"))).isEqualTo(-32602);
        assertThat(code(retry(round1, "12345"))).isEqualTo(-32602);
        CompletableFuture<JsonNode> retry = retry(round1, "{\"r1-1\":{\"roots\":[]}}");
        assertThat(a.result()).isCompleted();
        JsonNode round2 = retry.join(); // at once: r1-2 is still open
        assertThat(round2.path("resultType").asText()).isEqualTo("input_required");
        assertThat(round2.path("inputRequests").properties()).extracting(java.util.Map.Entry::getKey)
                .containsExactly("r1-2");
        assertThat(b.result()).isNotDone();
    }

    @Test
    void aClientThatNeverRetriesReleasesTheServerAndTheUpstreamCall() {
        Call call = open();
        PendingRequest ask = call.channel().ask("sampling/createMessage", Json.object());
        clock.advance(Duration.ofMillis(20));
        JsonNode round1 = call.first().join();
        clock.advance(Duration.ofSeconds(119));
        assertThat(ask.result()).isNotDone();
        clock.advance(Duration.ofSeconds(1));
        assertThat(code(ask.result())).isEqualTo(-32603);
        assertThat(Failures.unwrap(ask.result().handle((v, f) -> f).join()).getMessage())
                .contains("did not answer within");
        assertThat(cancelled).singleElement().asString().contains("did not answer within");
        assertThat(store.parkedCount()).isZero();
        assertThat(call.channel().done()).isDone();
        // a late retry: the state expired
        assertThat(code(retry(round1, "{\"r1-1\":{}}"))).isEqualTo(-32602);
    }

    @Test
    void theStoreIsBoundedAndRoundsAreBounded() {
        for (int i = 0; i < 2; i++) {
            Call call = open();
            call.channel().ask("roots/list", Json.object());
            clock.advance(Duration.ofMillis(20));
            assertThat(call.first().join().path("resultType").asText()).isEqualTo("input_required");
        }
        Call third = open();
        PendingRequest refused = third.channel().ask("roots/list", Json.object());
        clock.advance(Duration.ofMillis(20));
        assertThat(code(third.first())).isEqualTo(-32603);
        assertThat(code(refused.result())).isEqualTo(-32603);
        assertThat(cancelled).singleElement().asString().contains("too many calls waiting");
        assertThat(store.parkedCount()).isEqualTo(2);

        BridgeStore small = new BridgeStore(clock, new BridgeLimits(Duration.ofSeconds(120), 2, 10,
                Duration.ofMillis(20)), RequestStateCodec.random());
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        MrtrChannel channel = small.open("tools/call", "ask", PARAMS, answer, n -> { }, cancelled::add);
        for (int round = 1; round <= 2; round++) {
            channel.ask("roots/list", Json.object());
            clock.advance(Duration.ofMillis(20));
            JsonNode inputRequired = answer.join();
            ObjectNode params = PARAMS.deepCopy();
            params.set("inputResponses", Json.parse("{\"r" + round + "-1\":{\"roots\":[]}}"));
            params.set("requestState", inputRequired.get("requestState"));
            answer = small.retry("tools/call", "ask", params, n -> { });
        }
        channel.ask("roots/list", Json.object());
        clock.advance(Duration.ofMillis(20));
        assertThat(code(answer)).isEqualTo(-32603);
        assertThat(Failures.unwrap(answer.handle((v, f) -> f).join()).getMessage()).contains("after 2 rounds");
    }

    @Test
    void aResultWhileParkedGoesToTheRetryAndAClientGoingAwayCancelsUpstream() {
        Call call = open();
        call.channel().ask("roots/list", Json.object());
        clock.advance(Duration.ofMillis(20));
        JsonNode round1 = call.first().join();
        call.channel().finished(CompletableFuture.completedFuture(Json.object().put("resultType", "complete")));
        assertThat(retry(round1, "{}").join().path("resultType").asText()).isEqualTo("complete");

        Call other = open();
        other.channel().ask("roots/list", Json.object());
        clock.advance(Duration.ofMillis(20));
        CompletableFuture<JsonNode> retry = retry(other.first().join(), "{\"r1-1\":{\"roots\":[]}}");
        retry.cancel(false);
        assertThat(cancelled).singleElement().asString().contains("cancel");
        assertThat(other.channel().done()).isDone();
    }
}
