package dev.dynamicmcp.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import dev.dynamicmcp.testsupport.FakeScheduler;
import org.junit.jupiter.api.Test;

class JsonRpcPeerTest {

    /** Records what the peer sends; answers nothing unless told to. */
    static final class Wire implements JsonRpcPeer.Sender {
        final List<ObjectNode> sent = new CopyOnWriteArrayList<>();

        @Override
        public void send(ObjectNode message) {
            sent.add(message);
        }

        ObjectNode last() {
            return sent.get(sent.size() - 1);
        }

        List<ObjectNode> withMethod(String method) {
            return sent.stream().filter(m -> method.equals(m.path("method").asText())).toList();
        }
    }

    static final class Recorder implements JsonRpcPeer.Handler {
        final List<ObjectNode> notifications = new CopyOnWriteArrayList<>();
        final List<CompletableFuture<JsonNode>> running = new CopyOnWriteArrayList<>();

        @Override
        public CompletableFuture<JsonNode> onRequest(ObjectNode request) {
            if ("echo".equals(JsonRpc.method(request))) {
                return CompletableFuture.completedFuture(JsonRpc.params(request));
            }
            if ("fail".equals(JsonRpc.method(request))) {
                return CompletableFuture.failedFuture(new McpException(-32602, "bad params for fail"));
            }
            CompletableFuture<JsonNode> never = new CompletableFuture<>();
            running.add(never);
            return never;
        }

        @Override
        public void onNotification(ObjectNode notification) {
            notifications.add(notification);
        }
    }

    private final Wire wire = new Wire();
    private final Recorder handler = new Recorder();
    private final JsonRpcPeer peer = new JsonRpcPeer("server \"t\"", wire, handler);

    @Test
    void answerCompletesTheRequestWithItsResultUntouched() throws Exception {
        PendingRequest request = peer.request("tools/call", Json.object().put("name", "x"),
                RequestOptions.timeout(Duration.ofSeconds(5)));
        ObjectNode result = (ObjectNode) Json.parse(
                "{\"content\":[],\"structuredContent\":{\"a\":1},\"_meta\":{\"k\":\"v\"},\"unknownField\":[1,2]}");
        peer.onMessage(JsonRpc.result(request.id(), result));

        assertThat(request.result().get(1, TimeUnit.SECONDS)).isEqualTo(result);
        assertThat(peer.inFlight()).isZero();
    }

    @Test
    void anAnswerTheReaderCouldNotReadFailsItsRequestAtOnceNamingPeerMethodAndLimit() {
        PendingRequest request = peer.request("tools/call", null, RequestOptions.timeout(Duration.ofSeconds(60)));
        peer.onMessage(OversizedMessage.failedAnswer(request.id()));

        assertThat(request.result()).isCompletedExceptionally();
        assertThatThrownBy(() -> request.result().get(1, TimeUnit.SECONDS)).cause()
                .isInstanceOfSatisfying(McpException.class, e -> {
                    assertThat(e.getMessage())
                            .isEqualTo("server \"t\" answered tools/call with a message over the 20 MB JSON string limit");
                    assertThat(e.isLocal()).as("the server answered: not a lost connection").isFalse();
                    assertThat(e.data().path("maxStringChars").asInt()).isEqualTo(Json.MAX_STRING_CHARS);
                    assertThat(e.data().has("tooLarge")).as("the internal marker is not passed on").isFalse();
                });
        assertThat(peer.inFlight()).isZero();
    }

    @Test
    void errorAnswerFailsTheRequestWithTheServersCodeAndMessage() {
        PendingRequest request = peer.request("tools/call", null, RequestOptions.timeout(Duration.ofSeconds(5)));
        peer.onMessage(JsonRpc.error(request.id(), -32602, "Unknown tool: nope", null));

        assertThatThrownBy(() -> request.result().get(1, TimeUnit.SECONDS))
                .hasCauseInstanceOf(McpException.class)
                .hasMessageContaining("Unknown tool: nope");
    }

    @Test
    void timeoutFailsTheRequestAndSendsCancelledToThePeer() {
        PendingRequest request = peer.request("tools/call", null, RequestOptions.timeout(Duration.ofMillis(100)));

        assertThatThrownBy(() -> request.result().get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(McpException.class)
                .hasMessageContaining("server \"t\" did not answer tools/call within");
        await().atMost(Duration.ofSeconds(5)).until(() -> !wire.withMethod(McpMethods.CANCELLED).isEmpty());
        ObjectNode cancelled = wire.withMethod(McpMethods.CANCELLED).get(0);
        assertThat(cancelled.path("params").path("requestId")).isEqualTo(request.id());
        assertThat(((McpException) catchCause(request)).code()).isEqualTo(JsonRpc.REQUEST_TIMEOUT);
    }

    /** On the fake clock: the timeout fires when the clock passes it, not a nanosecond before. */
    @Test
    void aRequestTimesOutExactlyWhenTheClockPassesItsTimeoutAndTheServerIsToldCancelled() {
        FakeScheduler clock = new FakeScheduler().runTasksInline();
        JsonRpcPeer timed = new JsonRpcPeer("server \"t\"", wire, handler, false, clock);
        PendingRequest request = timed.request("tools/call", Json.object().put("name", "slow"),
                RequestOptions.timeout(Duration.ofSeconds(30)));
        assertThat(clock.pending()).containsExactly("rpc-timeout-tools/call");

        clock.advance(Duration.ofSeconds(30).minusNanos(1));
        assertThat(request.result()).isNotDone();
        assertThat(timed.inFlight()).isEqualTo(1);
        assertThat(wire.withMethod(McpMethods.CANCELLED)).isEmpty();

        clock.advance(Duration.ofNanos(1));
        McpException failure = (McpException) catchCause(request);
        assertThat(failure.code()).isEqualTo(JsonRpc.REQUEST_TIMEOUT);
        assertThat(failure.isLocal()).isTrue();
        assertThat(failure).hasMessage("server \"t\" did not answer tools/call within 30.0 s; the request was cancelled");
        assertThat(timed.inFlight()).isZero();
        assertThat(wire.withMethod(McpMethods.CANCELLED)).singleElement().satisfies(m -> {
            assertThat(m.path("params").path("requestId")).isEqualTo(request.id());
            assertThat(m.path("params").path("reason").asText()).isEqualTo("timeout after 30.0 s");
        });
        // a late answer changes nothing
        timed.onMessage(JsonRpc.result(request.id(), Json.object()));
        assertThat(catchCause(request)).isSameAs(failure);
        assertThat(clock.pending()).isEmpty();
    }

    /** Each progress restarts the timeout on the fake clock, up to maxTotal; the answer then completes it. */
    @Test
    void progressIsRoutedToItsRequestWithAFreshTokenAndResetsTheTimeout() throws Exception {
        FakeScheduler clock = new FakeScheduler().runTasksInline();
        JsonRpcPeer peer = new JsonRpcPeer("server \"t\"", wire, handler, false, clock);
        List<ObjectNode> progress = new CopyOnWriteArrayList<>();
        ObjectNode params = Json.object().put("name", "long");
        params.putObject("_meta").put("progressToken", "client-token").put("other", "kept");
        PendingRequest request = peer.request("tools/call", params,
                RequestOptions.timeout(Duration.ofMillis(300)).withProgress(progress::add, Duration.ofSeconds(10)));

        ObjectNode sentMeta = (ObjectNode) wire.last().path("params").path("_meta");
        JsonNode token = sentMeta.get("progressToken");
        assertThat(token.asText()).isNotEqualTo("client-token");
        assertThat(sentMeta.path("other").asText()).isEqualTo("kept");
        assertThat(params.path("_meta").path("progressToken").asText()).as("caller's params untouched")
                .isEqualTo("client-token");

        for (int i = 1; i <= 4; i++) { // 4 x 150 ms > the 300 ms timeout: only resets keep it alive
            ObjectNode p = Json.object().put("progress", i);
            p.set("progressToken", token);
            peer.onMessage(JsonRpc.notification(McpMethods.PROGRESS, p));
            clock.advance(Duration.ofMillis(150));
        }
        assertThat(request.result()).as("600 ms after a 300 ms timeout, kept alive by progress").isNotDone();
        peer.onMessage(JsonRpc.result(request.id(), Json.object().put("done", true)));

        assertThat(request.result().get(1, TimeUnit.SECONDS).path("done").asBoolean()).isTrue();
        assertThat(progress).extracting(p -> p.path("progress").asInt()).containsExactly(1, 2, 3, 4);
        assertThat(handler.notifications).as("routed progress is not also a general notification").isEmpty();
    }

    @Test
    void progressNeverKeepsARequestAliveBeyondItsMaxTotal() {
        FakeScheduler clock = new FakeScheduler().runTasksInline();
        JsonRpcPeer peer = new JsonRpcPeer("server \"t\"", wire, handler, false, clock);
        PendingRequest request = peer.request("tools/call", null,
                RequestOptions.timeout(Duration.ofMillis(300)).withProgress(p -> { }, Duration.ofSeconds(1)));
        JsonNode token = wire.last().path("params").path("_meta").get("progressToken");
        for (int i = 0; i < 4; i++) { // progress at 0, 200, 400, 600 ms
            ObjectNode p = Json.object().put("progress", i);
            p.set("progressToken", token);
            peer.onMessage(JsonRpc.notification(McpMethods.PROGRESS, p));
            clock.advance(Duration.ofMillis(200));
        }
        ObjectNode last = Json.object().put("progress", 9);
        last.set("progressToken", token);
        peer.onMessage(JsonRpc.notification(McpMethods.PROGRESS, last)); // at 800 ms: 200 ms left of maxTotal
        clock.advance(Duration.ofMillis(199));
        assertThat(request.result()).isNotDone();
        clock.advance(Duration.ofMillis(1));
        assertThat(((McpException) catchCause(request)).code()).isEqualTo(JsonRpc.REQUEST_TIMEOUT);
    }

    @Test
    void aPeerWithoutASchedulerMakesItsOwnAndReleasesItOnClose() {
        JsonRpcPeer own = new JsonRpcPeer("server \"own\"", wire, handler);
        assertThat(own.scheduler()).isInstanceOf(dev.dynamicmcp.runtime.SystemScheduler.class);
        FakeScheduler injected = new FakeScheduler();
        assertThat(new JsonRpcPeer("server \"t\"", wire, handler, false, injected).scheduler()).isSameAs(injected);
        own.close(null);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            PendingRequest after = own.request("ping", null, RequestOptions.timeout(Duration.ofSeconds(1)));
            assertThat(after.result()).isCompletedExceptionally();
        });
    }

    @Test
    void cancelSendsCancelledAndIgnoresALateAnswer() {
        PendingRequest request = peer.request("tools/call", null, RequestOptions.timeout(Duration.ofSeconds(5)));
        request.cancel("user pressed stop");
        peer.onMessage(JsonRpc.result(request.id(), Json.object()));

        assertThat(request.result()).isCompletedExceptionally();
        await().atMost(Duration.ofSeconds(5)).until(() -> !wire.withMethod(McpMethods.CANCELLED).isEmpty());
        assertThat(wire.withMethod(McpMethods.CANCELLED)).singleElement()
                .satisfies(m -> assertThat(m.path("params").path("reason").asText()).isEqualTo("user pressed stop"));
    }

    @Test
    void aTimedOutInitializeIsNotCancelled() {
        PendingRequest request = peer.request(McpMethods.INITIALIZE, Json.object(),
                RequestOptions.timeout(Duration.ofMillis(50)));

        assertThat(request.result()).failsWithin(Duration.ofSeconds(5));
        assertThat(((McpException) catchCause(request)).isLocal()).isTrue();
        assertThat(wire.withMethod(McpMethods.CANCELLED)).as("the spec forbids cancelling initialize").isEmpty();
    }

    @Test
    void closeFailsEveryWaitingRequestWithTheCause() {
        PendingRequest a = peer.request("ping", null, RequestOptions.timeout(Duration.ofSeconds(30)));
        PendingRequest b = peer.request("tools/list", null, RequestOptions.timeout(Duration.ofSeconds(30)));
        peer.close(new java.io.IOException("process exited with code 137"));

        for (PendingRequest request : List.of(a, b)) {
            McpException failure = (McpException) catchCause(request);
            assertThat(failure.code()).isEqualTo(JsonRpc.CONNECTION_CLOSED);
            assertThat(failure).hasMessageContaining("server \"t\"").hasMessageContaining("exited with code 137");
        }
        PendingRequest after = peer.request("ping", null, RequestOptions.timeout(Duration.ofSeconds(30)));
        assertThat(after.result()).isCompletedExceptionally();
    }

    @Test
    void peerRequestsAreAnsweredAndErrorsKeepTheirCode() {
        peer.onMessage(JsonRpc.request(Json.MAPPER.getNodeFactory().textNode("a1"), "echo", Json.object().put("x", 1)));
        peer.onMessage(JsonRpc.request(Json.MAPPER.getNodeFactory().numberNode(7), "fail", null));

        await().atMost(Duration.ofSeconds(5)).until(() -> wire.sent.size() == 2);
        ObjectNode echo = wire.sent.stream().filter(m -> m.path("id").asText().equals("a1")).findFirst().orElseThrow();
        assertThat(echo.path("result").path("x").asInt()).isEqualTo(1);
        ObjectNode fail = wire.sent.stream().filter(m -> m.path("id").asInt() == 7).findFirst().orElseThrow();
        assertThat(fail.path("error").path("code").asInt()).isEqualTo(-32602);
        assertThat(fail.path("error").path("message").asText()).isEqualTo("bad params for fail");
    }

    @Test
    void peerCancellationCancelsTheHandlerAndSuppressesTheResponse() {
        peer.onMessage(JsonRpc.request(Json.MAPPER.getNodeFactory().numberNode(9), "slow", null));
        await().atMost(Duration.ofSeconds(5)).until(() -> handler.running.size() == 1);

        peer.onMessage(JsonRpc.notification(McpMethods.CANCELLED, Json.object().put("requestId", 9)));

        await().atMost(Duration.ofSeconds(5)).until(() -> handler.running.get(0).isCancelled());
        assertThat(wire.sent).as("no response after a cancel").isEmpty();
    }

    @Test
    void malformedRequestGetsInvalidRequestAndOtherGarbageIsIgnored() {
        peer.onMessage((ObjectNode) Json.parse("{\"jsonrpc\":\"1.0\",\"id\":3,\"method\":\"x\"}"));
        peer.onMessage((ObjectNode) Json.parse("{\"hello\":\"world\"}"));

        assertThat(wire.sent).singleElement().satisfies(m -> {
            assertThat(m.path("id").asInt()).isEqualTo(3);
            assertThat(m.path("error").path("code").asInt()).isEqualTo(JsonRpc.INVALID_REQUEST);
            assertThat(m.path("error").path("message").asText()).contains("\"jsonrpc\" must be \"2.0\"");
        });
    }

    @Test
    void otherNotificationsReachTheHandlerInOrder() {
        for (int i = 0; i < 5; i++) {
            peer.onMessage(JsonRpc.notification("notifications/message", Json.object().put("n", i)));
        }
        assertThat(handler.notifications).extracting(n -> n.path("params").path("n").asInt())
                .containsExactly(0, 1, 2, 3, 4);
    }

    private static Throwable catchCause(PendingRequest request) {
        try {
            request.result().get(5, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aPeersCancelReachesTheHandlersWorkWithThePeersReasonAndNoAnswerIsSent() throws Exception {
        peer.onMessage(JsonRpc.request(Json.MAPPER.getNodeFactory().numberNode(7), "slow", null));
        await().atMost(Duration.ofSeconds(5)).until(() -> handler.running.size() == 1);
        CompletableFuture<JsonNode> work = handler.running.get(0);

        peer.onMessage(JsonRpc.notification(McpMethods.CANCELLED,
                Json.object().put("requestId", 7).put("reason", "user pressed stop")));

        await().atMost(Duration.ofSeconds(5)).until(work::isDone);
        assertThat(work).isCancelled();
        assertThat(work.handle((value, failure) -> failure).join())
                .isInstanceOf(java.util.concurrent.CancellationException.class).hasMessage("user pressed stop");
        assertThat(wire.sent).noneMatch(m -> m.has("id") && m.path("id").asInt() == 7);
    }
}
