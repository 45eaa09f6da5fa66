package dev.dynamicmcp.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dynamicmcp.protocol.Json;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunningCallsTest {
    private final RunningCalls running = new RunningCalls();

    private static CallContext context(String sessionId) {
        return new CallContext(sessionId, ProxySession.ANONYMOUS, null, Json.object(), Json.object(), "2025-11-25",
                CallContext.ProgressSink.NONE, null, new CallContext.CancelHandle());
    }

    private List<String> sessionsOn(String server) {
        return running.on(server).stream().map(call -> call.context().sessionId()).toList();
    }

    @Test
    void callsStayOldestFirstWhateverOrderTheyEndIn() {
        List<RunningCalls.Call> calls = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            calls.add(running.started(context("s" + i), "echo"));
        }
        running.started(context("other"), "other");
        running.ended(calls.get(3));
        running.ended(calls.get(0));
        running.ended(calls.get(0)); // idempotent
        RunningCalls.Call late = running.started(context("s6"), "echo");

        assertThat(sessionsOn("echo")).containsExactly("s1", "s2", "s4", "s5", "s6");
        assertThat(sessionsOn("other")).containsExactly("other");
        assertThat(sessionsOn("none")).isEmpty();

        List<String> seen = new ArrayList<>();
        running.forEachOn("echo", call -> seen.add(call.context().sessionId()));
        assertThat(seen).containsExactly("s1", "s2", "s4", "s5", "s6");

        running.ended(late);
        calls.forEach(running::ended);
        assertThat(sessionsOn("echo")).isEmpty();
    }

    @Test
    void theSnapshotIsNotChangedByCallsThatStartOrEndLater() {
        RunningCalls.Call first = running.started(context("a"), "echo");
        List<RunningCalls.Call> snapshot = running.on("echo");
        running.ended(first);
        running.started(context("b"), "echo");
        assertThat(snapshot).containsExactly(first);
    }
}
