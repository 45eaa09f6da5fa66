package dev.dynamicmcp.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.McpException;
import dev.dynamicmcp.protocol.PendingRequest;
import dev.dynamicmcp.testsupport.FakeScheduler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The one listen stream of a modern connection: what it asks for, when it is replaced and reopened. */
class UpstreamListenTest {
    /** A listen request that stays open until the test ends or cancels it. */
    static final class Listen implements PendingRequest {
        final JsonNode id;
        final ObjectNode params;
        final CompletableFuture<JsonNode> result = new CompletableFuture<>();
        volatile String cancelled;

        Listen(long id, ObjectNode params) {
            this.id = Json.MAPPER.getNodeFactory().numberNode(id);
            this.params = params;
        }

        @Override
        public JsonNode id() {
            return id;
        }

        @Override
        public String method() {
            return "subscriptions/listen";
        }

        @Override
        public CompletableFuture<JsonNode> result() {
            return result;
        }

        @Override
        public void cancel(String reason) {
            cancelled = reason;
        }
    }

    final FakeScheduler scheduler = new FakeScheduler().random(() -> 0.5);
    final List<Listen> sent = new CopyOnWriteArrayList<>();
    final AtomicLong ids = new AtomicLong();

    UpstreamListen listen(String capabilities) {
        return new UpstreamListen("s", (ObjectNode) Json.parse(capabilities), params -> {
            Listen request = new Listen(ids.incrementAndGet(), params);
            sent.add(request);
            return request;
        }, scheduler);
    }

    @Test
    void asksForWhatTheServerOffersAndNothingWhenItOffersNothing() {
        UpstreamListen none = listen("{\"tools\":{}}");
        none.start();
        assertThat(sent).isEmpty();
        assertThat(none.state()).isEqualTo(UpstreamListen.State.IDLE);

        UpstreamListen listen = listen("{\"tools\":{\"listChanged\":true},\"resources\":{\"subscribe\":true}}");
        listen.start();
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).params.path("notifications").toString()).isEqualTo("{\"toolsListChanged\":true}");
        listen.subscribe("test://a");
        assertThat(sent).hasSize(2);
        assertThat(sent.get(0).cancelled).isEqualTo("subscription changed");
        assertThat(sent.get(1).params.path("notifications").path("resourceSubscriptions").toString())
                .isEqualTo("[\"test://a\"]");
        assertThat(listen.isCurrent(sent.get(1).id)).isTrue();
        assertThat(listen.isCurrent(sent.get(0).id)).isFalse();
        listen.subscribe("test://a"); // no change, no new stream
        assertThat(sent).hasSize(2);
    }

    @Test
    void aStreamThatEndsIsOpenedAgainAfterABackoffUntilClosed() {
        UpstreamListen listen = listen("{\"prompts\":{\"listChanged\":true}}");
        listen.start();
        sent.get(0).result.completeExceptionally(new McpException(-32603, "stream broke"));
        assertThat(listen.state()).isEqualTo(UpstreamListen.State.WAITING);
        assertThat(sent).hasSize(1);
        scheduler.advance(Duration.ofMillis(499));
        assertThat(sent).hasSize(1);
        scheduler.advance(Duration.ofMillis(1));
        assertThat(sent).hasSize(2);
        sent.get(1).result.complete(Json.object()); // the server's graceful end: also reopened, later
        scheduler.advance(Duration.ofMillis(999));
        assertThat(sent).hasSize(2);
        scheduler.advance(Duration.ofMillis(1));
        assertThat(sent).hasSize(3);
        listen.close();
        assertThat(sent.get(2).cancelled).isEqualTo("connection closed");
        sent.get(2).result.completeExceptionally(new McpException(-32000, "closed"));
        scheduler.advance(Duration.ofMinutes(1));
        assertThat(sent).hasSize(3);
        assertThat(listen.state()).isEqualTo(UpstreamListen.State.CLOSED);
    }
}
