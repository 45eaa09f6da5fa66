package dev.dynamicmcp.transport.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The replay ring of a stream: full, it gives up notifications and delivered events, never an undelivered answer. */
class EventStreamTest {

    private static ObjectNode notification(int n) {
        return JsonRpc.notification("notifications/message", Json.object().put("n", n));
    }

    private static ObjectNode response(int id) {
        return JsonRpc.result(Json.MAPPER.getNodeFactory().numberNode(id), Json.object());
    }

    @Test
    void anUndeliveredResponseSurvivesABurstOfNotifications() throws Exception {
        EventStream stream = new EventStream(0, 3);
        stream.append(response(7));
        for (int n = 0; n < 100; n++) {
            stream.append(notification(n));
        }

        assertThat(stream.after(0)).extracting(e -> e.message().path("id").asInt(-1)).contains(7);
        assertThat(stream.after(0)).hasSize(3);
        assertThat(stream.dropped()).isEqualTo(98);
    }

    @Test
    void aDeliveredResponseMakesRoomLikeAnyOtherEvent() throws Exception {
        EventStream stream = new EventStream(0, 2);
        stream.append(response(1));
        assertThat(stream.awaitAfter(0, Duration.ofMillis(10), () -> true)).hasSize(1); // handed to the writer

        stream.append(notification(1));
        stream.append(notification(2));

        assertThat(stream.after(0)).extracting(e -> e.message().has("id")).containsExactly(false, false);
    }

    @Test
    void undeliveredRequestsAndResponsesAreKeptBeyondTheCapacity() {
        EventStream stream = new EventStream(0, 2);
        for (int id = 1; id <= 5; id++) {
            stream.append(response(id));
        }
        assertThat(stream.after(0)).hasSize(5);
        assertThat(stream.dropped()).isZero();
    }

    @Test
    void aClientThatNeverReadsCannotGrowTheRingWithoutBound() {
        EventStream stream = new EventStream(0, 2);
        for (int id = 1; id <= 100; id++) {
            stream.append(response(id));
        }
        assertThat(stream.after(0)).hasSize(EventStream.HARD_LIMIT_FACTOR * 2);
    }
}
