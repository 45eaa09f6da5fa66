package dev.dynamicmcp.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.dynamicmcp.testsupport.FakeScheduler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SchedulerTest {
    @Test
    void fakeTimersFireInDeadlineOrderOnlyWhenTimeIsAdvanced() {
        FakeScheduler scheduler = new FakeScheduler();
        List<String> ran = new CopyOnWriteArrayList<>();
        scheduler.schedule("b", Duration.ofSeconds(2), () -> ran.add("b@" + scheduler.nanoTime()));
        scheduler.schedule("a", Duration.ofSeconds(1), () -> ran.add("a"));
        Scheduler.Cancellable c = scheduler.schedule("c", Duration.ofSeconds(3), () -> ran.add("c"));
        long start = scheduler.nanoTime();

        scheduler.advance(Duration.ofMillis(999));
        assertThat(ran).isEmpty();
        scheduler.advance(Duration.ofMillis(1));
        assertThat(ran).containsExactly("a");
        assertThat(c.cancel()).isTrue();
        scheduler.advance(Duration.ofSeconds(10));
        assertThat(ran).containsExactly("a", "b@" + (start + Duration.ofSeconds(2).toNanos()));
        assertThat(scheduler.fired()).containsExactly("a", "b");
        assertThat(scheduler.nanoTime() - start).isEqualTo(Duration.ofSeconds(11).toNanos());
    }

    @Test
    void aTimerScheduledByATimerWithinTheWindowFiresInTheSameAdvance() {
        FakeScheduler scheduler = new FakeScheduler();
        List<String> ran = new CopyOnWriteArrayList<>();
        scheduler.schedule("first", Duration.ofSeconds(1), () -> {
            ran.add("first");
            scheduler.schedule("second", Duration.ofSeconds(1), () -> ran.add("second"));
        });
        scheduler.advance(Duration.ofMillis(1500));
        assertThat(ran).containsExactly("first");
        assertThat(scheduler.nextDelay()).isEqualTo(Duration.ofMillis(500));
        scheduler.advance(Duration.ofMillis(500));
        assertThat(ran).containsExactly("first", "second");
    }

    @Test
    void coarseTimersFireAtTheEndOfTheirSlotNeverEarlyAndCancelStopsThem() throws Exception {
        SystemScheduler scheduler = new SystemScheduler(java.time.Clock.systemUTC(), Duration.ofMillis(20),
                Duration.ofMillis(10));
        try {
            List<Long> firedAfter = new CopyOnWriteArrayList<>();
            CountDownLatch ran = new CountDownLatch(2);
            long start = System.nanoTime();
            scheduler.schedule("a", Duration.ofMillis(30), () -> {
                firedAfter.add(System.nanoTime() - start);
                ran.countDown();
            });
            scheduler.schedule("b", Duration.ofMillis(31), () -> { // the same slot, or the next
                firedAfter.add(System.nanoTime() - start);
                ran.countDown();
            });
            List<String> cancelledRan = new CopyOnWriteArrayList<>();
            Scheduler.Cancellable cancelled = scheduler.schedule("c", Duration.ofMillis(30), () -> cancelledRan.add("c"));
            assertThat(cancelled.cancel()).isTrue();
            assertThat(cancelled.cancel()).isFalse();

            assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(firedAfter).allSatisfy(after -> assertThat(after).isGreaterThanOrEqualTo(
                    Duration.ofMillis(30).toNanos()));
            Thread.sleep(30); // past c's slot
            assertThat(cancelledRan).isEmpty();
        } finally {
            scheduler.close(Duration.ofSeconds(1));
        }
    }

    @Test
    void aCoarseTimerCancelledAfterItRanSaysSo() throws Exception {
        SystemScheduler scheduler = new SystemScheduler(java.time.Clock.systemUTC(), Duration.ofMillis(5),
                Duration.ofMillis(5));
        try {
            CountDownLatch ran = new CountDownLatch(1);
            Scheduler.Cancellable timer = scheduler.schedule("a", Duration.ofMillis(5), ran::countDown);
            assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(timer.cancel()).isFalse();
        } finally {
            scheduler.close(Duration.ofSeconds(1));
        }
    }

    @Test
    void systemSchedulerRunsDelayedTasksOnVirtualThreadsAndCloseStopsTimers() throws Exception {
        SystemScheduler scheduler = new SystemScheduler();
        CountDownLatch ran = new CountDownLatch(1);
        List<Boolean> virtual = new CopyOnWriteArrayList<>();
        scheduler.schedule("t", Duration.ofMillis(5), () -> {
            virtual.add(Thread.currentThread().isVirtual());
            ran.countDown();
        });
        assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(virtual).containsExactly(true);

        CountDownLatch never = new CountDownLatch(1);
        scheduler.schedule("later", Duration.ofHours(1), never::countDown);
        Thread loop = scheduler.startLoop("loop", () -> {
            try {
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                // closing
            }
        });
        scheduler.close(Duration.ofSeconds(5));
        await().atMost(Duration.ofSeconds(5)).until(() -> !loop.isAlive());
        assertThat(scheduler.runningTasks()).isZero();
        scheduler.execute("after-close", never::countDown);
        assertThat(never.getCount()).isEqualTo(1);
    }

    @Test
    void platformLoopsRunOnDaemonPlatformThreadsAndCloseInterruptsThem() throws Exception {
        SystemScheduler scheduler = new SystemScheduler();
        CountDownLatch started = new CountDownLatch(1);
        List<Boolean> virtual = new CopyOnWriteArrayList<>();
        Thread loop = scheduler.startPlatformLoop("pipe-reader", () -> {
            virtual.add(Thread.currentThread().isVirtual());
            started.countDown();
            try {
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                // closing
            }
        });
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(virtual).containsExactly(false);
        assertThat(loop.isDaemon()).isTrue();
        assertThat(loop.getName()).isEqualTo("pipe-reader");
        assertThat(scheduler.runningTasks()).isEqualTo(1);

        scheduler.close(Duration.ofSeconds(5));
        await().atMost(Duration.ofSeconds(5)).until(() -> !loop.isAlive());
        assertThat(scheduler.runningTasks()).isZero();
    }
}
