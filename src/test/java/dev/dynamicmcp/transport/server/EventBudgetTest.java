package dev.dynamicmcp.transport.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import org.junit.jupiter.api.Test;

/**
 * Regression (issue 9, item 2): each stream bounded itself, but nothing bounded all of them: 20,000 idle sessions
 * and a flapping server buffered 4.3 M events. The budget gives up notifications of never-read streams first and
 * never an undelivered request or response.
 */
class EventBudgetTest {

    private static ObjectNode notification(int n) {
        return JsonRpc.notification("notifications/tools/list_changed", Json.object().put("n", n));
    }

    private static ObjectNode request(int id) {
        return JsonRpc.request(Json.MAPPER.getNodeFactory().numberNode(id), "sampling/createMessage", Json.object());
    }

    @Test
    void manyIdleStreamsStayWithinTheBudgetAndUndeliveredRequestsSurvive() {
        EventBudget budget = new EventBudget(100);
        EventStream[] idle = new EventStream[50];
        for (int i = 0; i < idle.length; i++) {
            idle[i] = new EventStream(0, 256, budget);
            idle[i].append(request(i)); // a request to the client: it must reach it whenever it comes
        }
        for (int flap = 0; flap < 20; flap++) {
            for (EventStream stream : idle) {
                stream.append(notification(flap));
            }
        }

        // 50 requests + 1,000 notifications were appended; without the budget each stream would keep all 21
        assertThat(budget.total()).isLessThanOrEqualTo(100 + idle.length);
        assertThat(budget.reclaimed()).isGreaterThan(800);
        for (int i = 0; i < idle.length; i++) {
            assertThat(idle[i].after(0)).extracting(e -> e.message().path("id").asInt(-1)).contains(i);
        }
    }

    @Test
    void aStreamThatIsReadKeepsItsNotificationsWhileNeverReadOnesGiveUpTheirsFirst() {
        EventBudget budget = new EventBudget(40);
        EventStream read = new EventStream(0, 256, budget);
        read.reader(() -> { });
        EventStream neverRead = new EventStream(0, 256, budget);
        for (int n = 0; n < 30; n++) {
            neverRead.append(notification(n));
        }
        for (int n = 0; n < 15; n++) {
            read.append(notification(n));
        }

        assertThat(read.after(0)).hasSize(15);
        assertThat(neverRead.size()).isLessThan(30);
        assertThat(budget.total()).isLessThanOrEqualTo(40);
    }

    @Test
    void aReleasedStreamGivesItsEventsBack() {
        EventBudget budget = new EventBudget(1_000);
        EventStream stream = new EventStream(0, 256, budget);
        for (int n = 0; n < 10; n++) {
            stream.append(notification(n));
        }
        assertThat(budget.total()).isEqualTo(10);

        stream.release();

        assertThat(budget.total()).isZero();
        assertThat(stream.append(notification(11))).isFalse();
    }

    @Test
    void whatCannotBeGivenUpIsNotWalkedAgainOnEveryAppend() {
        EventBudget budget = new EventBudget(100);
        EventStream waiting = new EventStream(0, 256, budget);
        for (int id = 0; id < 150; id++) {
            waiting.append(request(id)); // never read: over the budget, and none of it may be given up
        }
        // a walk when the budget is passed, then one per tenth of it added (was one per append: 50)
        assertThat(budget.total()).isEqualTo(150);
        assertThat(budget.walks()).isBetween(1L, 6L);

        waiting.release(); // back within the budget: the next events over it are reclaimed at once
        EventStream neverRead = new EventStream(0, 256, budget);
        for (int n = 0; n < 200; n++) {
            neverRead.append(notification(n));
        }
        assertThat(budget.total()).isLessThanOrEqualTo(100);
        assertThat(budget.reclaimed()).isGreaterThanOrEqualTo(100);
    }
}
