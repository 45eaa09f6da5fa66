package dev.dynamicmcp.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpcPeer;
import dev.dynamicmcp.runtime.Scheduler;
import dev.dynamicmcp.testsupport.FakeScheduler;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Notifications to a client: in order, without a thread per message, and a stuck client holds up only itself. */
class OutboxTest {
    /** Real virtual threads (FakeScheduler's default), counting the tasks asked for. */
    static final class CountingScheduler implements Scheduler {
        final FakeScheduler delegate = new FakeScheduler();
        final AtomicInteger tasks = new AtomicInteger();

        @Override
        public long nanoTime() {
            return delegate.nanoTime();
        }

        @Override
        public Clock clock() {
            return delegate.clock();
        }

        @Override
        public double random() {
            return delegate.random();
        }

        @Override
        public Cancellable schedule(String name, Duration delay, Runnable task) {
            return delegate.schedule(name, delay, task);
        }

        @Override
        public void execute(String name, Runnable task) {
            tasks.incrementAndGet();
            delegate.execute(name, task);
        }

        @Override
        public Thread startLoop(String name, Runnable loop) {
            return delegate.startLoop(name, loop);
        }

        @Override
        public void close(Duration timeout) {
            delegate.close(timeout);
        }
    }

    /** A client whose writes block until released. */
    static final class SlowClient {
        final List<Integer> received = new CopyOnWriteArrayList<>();
        final CountDownLatch release = new CountDownLatch(1);
        final JsonRpcPeer peer = new JsonRpcPeer("slow client", (ObjectNode message) -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            received.add(message.path("params").path("n").asInt());
        }, null);
    }

    private final CountingScheduler scheduler = new CountingScheduler();

    @Test
    void aBurstIsDeliveredInOrderByOneTaskNotAThreadPerMessage() {
        SlowClient client = new SlowClient();
        Outbox outbox = new Outbox("s1", client.peer, scheduler);

        for (int n = 0; n < 1000; n++) {
            outbox.post("notifications/message", Json.object().put("n", n));
        }
        client.release.countDown();

        await().atMost(Duration.ofSeconds(5)).until(() -> client.received.size() == 1000);
        assertThat(client.received).isSorted().doesNotHaveDuplicates();
        assertThat(scheduler.tasks.get()).isEqualTo(1);
    }

    @Test
    void aClientThatDoesNotReadHoldsUpOnlyItsOwnNotifications() {
        SlowClient stuck = new SlowClient();
        SlowClient reading = new SlowClient();
        reading.release.countDown();
        Outbox stuckBox = new Outbox("stuck", stuck.peer, scheduler);
        Outbox readingBox = new Outbox("reading", reading.peer, scheduler);

        stuckBox.post("notifications/tools/list_changed", Json.object().put("n", 1));
        readingBox.post("notifications/tools/list_changed", Json.object().put("n", 1));

        await().atMost(Duration.ofSeconds(5)).until(() -> reading.received.size() == 1);
        assertThat(stuck.received).isEmpty();
        stuck.release.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> stuck.received.size() == 1);
    }

    @Test
    void aClosedSessionGetsNothingMore() {
        SlowClient client = new SlowClient();
        client.release.countDown();
        Outbox outbox = new Outbox("s1", client.peer, new FakeScheduler().runTasksInline());

        outbox.post("notifications/message", Json.object().put("n", 1));
        outbox.close();
        outbox.post("notifications/message", Json.object().put("n", 2));

        assertThat(client.received).containsExactly(1);
    }
}
