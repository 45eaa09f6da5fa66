package dev.dynamicmcp.transport;

import static dev.dynamicmcp.transport.RawMessages.echo;
import static dev.dynamicmcp.transport.RawMessages.initialize;
import static dev.dynamicmcp.transport.RawMessages.initialized;
import static dev.dynamicmcp.transport.RawMessages.request;
import static dev.dynamicmcp.transport.RawMessages.toolsList;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.testsupport.LogCapture;
import dev.dynamicmcp.testsupport.Peers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StdioTransportTest {
    private final List<StdioTransport> opened = new ArrayList<>();
    private final RecordingListener listener = new RecordingListener();

    @TempDir
    Path tmp;

    @AfterEach
    void closeAll() {
        opened.forEach(StdioTransport::close);
    }

    private StdioTransport transport(String name, String command, List<String> args) {
        return transport(name, command, args, StdioTransport.DEFAULT_CLOSE_GRACE);
    }

    private StdioTransport transport(String name, String command, List<String> args, Duration grace) {
        StdioTransport transport = new StdioTransport(name, command, args, Map.of(), null, grace);
        opened.add(transport);
        return transport;
    }

    private static StdioTransport sh(List<StdioTransport> opened, String name, String script) {
        StdioTransport transport = new StdioTransport(name, "sh", List.of("-c", script), Map.of(), null);
        opened.add(transport);
        return transport;
    }

    @Test
    void talksToServerEverythingAndLeavesNoProcessBehind() throws IOException {
        List<String> command = Peers.everythingStdioCommand();
        StdioTransport transport = transport("everything", command.get(0), command.subList(1, command.size()));
        transport.start(listener);
        ProcessHandle child = ProcessHandle.of(transport.pid()).orElseThrow();

        transport.send(initialize(1));
        assertThat(listener.awaitResponse(1).path("result").path("protocolVersion").asText()).isNotEmpty();
        transport.send(initialized());
        transport.send(toolsList(2));
        JsonNode tools = listener.awaitResponse(2).path("result").path("tools");
        assertThat(tools.findValuesAsText("name")).contains("echo");
        transport.send(echo(3, "über stdio ✓"));
        assertThat(listener.awaitResponse(3).path("result").path("content").get(0).path("text").asText())
                .isEqualTo("Echo: über stdio ✓");

        StdioTransport.CloseReport report = transport.closeAndReport();

        assertThat(child.isAlive()).isFalse();
        assertThat(report.survivors()).isEmpty();
        assertThat(listener.closedOnRequest()).isTrue();
        assertThat(listener.closeCount()).isEqualTo(1);
        assertThatThrownBy(() -> transport.send(toolsList(4))).isInstanceOf(IOException.class);
    }

    @Test
    void garbageLinesAreReportedAndSkippedWhileValidMessagesGetThrough() throws IOException {
        Path script = Path.of("src/test/resources/fake-servers/garbage-server.sh").toAbsolutePath();
        StdioTransport transport = transport("sloppy", "bash", List.of(script.toString()));
        transport.start(listener);

        transport.send(request(1, "ping", null));
        transport.send(request(2, "ping", null));
        transport.send(request(3, "ping", null));

        await().atMost(Duration.ofSeconds(10)).until(() -> listener.messages.size() == 3);
        assertThat(listener.messages).extracting(m -> m.path("result").path("n").asInt()).containsExactly(1, 2, 3);
        // per request: a log line, cut JSON, an object that is no JSON-RPC message, an array, a bare string
        await().atMost(Duration.ofSeconds(5)).until(() -> listener.badInputs.size() == 15);
        assertThat(listener.badInputs).anyMatch(d -> d.contains("not valid JSON") && d.contains("Server starting"))
                .anyMatch(d -> d.contains("jsonrpc") && d.contains("hello"));
        assertThat(listener.closeCount()).isZero();
    }

    @Test
    void stdoutIsReadOnAPlatformThreadThatEndsWithTheTransport() throws IOException {
        StdioTransport transport = sh(opened, "reader", "printf '{\"jsonrpc\":\"2.0\",\"method\":\"hi\"}\\n'; cat");
        transport.start(listener);

        await().atMost(Duration.ofSeconds(10)).until(() -> listener.messages.size() == 1);
        Thread reader = listener.deliveredOn.get(0);
        // a pipe read on a virtual thread pins its carrier and wakes a spare one per read
        assertThat(reader.isVirtual()).isFalse();
        assertThat(reader.isDaemon()).isTrue();
        assertThat(reader.getName()).isEqualTo("stdio-out-reader");

        transport.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> !reader.isAlive());
    }

    @Test
    void aLineOfSeveralMegabytesIsOneMessage() throws IOException {
        int size = 6 * 1024 * 1024;
        StdioTransport transport = sh(opened, "bulky", "printf '{\"jsonrpc\":\"2.0\",\"method\":\"big\",\"params\":{\"data\":\"';"
                + " head -c " + size + " /dev/zero | tr '\\0' a; printf '\"}}\\n'; cat");
        transport.start(listener);

        await().atMost(Duration.ofSeconds(20)).until(() -> listener.messages.size() == 1);
        assertThat(listener.messages.get(0).path("params").path("data").asText()).hasSize(size);
        assertThat(listener.badInputs).isEmpty();
    }

    @Test
    void envIsAddedToTheInheritedEnvironmentAndCwdIsHonoured() throws IOException {
        StdioTransport transport = new StdioTransport("envy", "sh",
                List.of("-c", "printf '{\"jsonrpc\":\"2.0\",\"method\":\"%s\",\"params\":{\"cwd\":\"%s\",\"home\":\"%s\"}}\\n'"
                        + " \"$GREETING\" \"$(pwd)\" \"$HOME\"; cat"),
                Map.of("GREETING", "hello"), tmp);
        opened.add(transport);
        transport.start(listener);

        await().atMost(Duration.ofSeconds(10)).until(() -> listener.messages.size() == 1);
        ObjectNode message = listener.messages.get(0);
        assertThat(message.path("method").asText()).isEqualTo("hello");
        assertThat(Path.of(message.path("params").path("cwd").asText()).toRealPath()).isEqualTo(tmp.toRealPath());
        assertThat(message.path("params").path("home").asText()).isEqualTo(System.getenv("HOME"));
    }

    @Test
    void aCommandThatDoesNotExistFailsStartNamingIt() {
        StdioTransport transport = transport("ghost", "no-such-mcp-server-xyz", List.of("--stdio"));

        assertThatThrownBy(() -> transport.start(listener))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("no-such-mcp-server-xyz")
                .hasMessageContaining("not found on PATH");
        assertThat(transport.pid()).isEqualTo(-1);
    }

    @Test
    void aFileThatIsNotExecutableOrAMissingCwdFailsStartNamingTheCause() throws IOException {
        Path plain = Files.writeString(tmp.resolve("server.sh"), "echo hi\n");
        StdioTransport notExecutable = transport("plain", plain.toString(), List.of());
        assertThatThrownBy(() -> notExecutable.start(listener))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(plain.toString())
                .hasMessageContaining("not an executable");

        Path missing = tmp.resolve("gone");
        StdioTransport noCwd = new StdioTransport("lost", "sh", List.of("-c", "cat"), Map.of(), missing);
        opened.add(noCwd);
        assertThatThrownBy(() -> noCwd.start(listener))
                .isInstanceOfSatisfying(UpstreamFailure.class,
                        e -> assertThat(e.detail()).contains(missing.toString()))
                .hasMessageContaining("does not exist");
    }

    @Test
    void aServerThatExitsIsReportedClosedOnceWithExitCodeAndLastStderr() throws IOException {
        StdioTransport transport = sh(opened, "crashy",
                "echo '{\"jsonrpc\":\"2.0\",\"method\":\"last words\"}'; echo 'fatal: config broken' >&2; exit 3");
        transport.start(listener);

        await().atMost(Duration.ofSeconds(10)).until(() -> listener.closeCount() == 1);
        Throwable cause = listener.closes.get(0);
        // the stderr tail is for the log and the operator; a client sees the exit code only (issue 9, item 10)
        assertThat(cause).isInstanceOfSatisfying(UpstreamFailure.class, e -> {
            assertThat(e.summary()).isEqualTo("exited with code 3");
            assertThat(e.detail()).contains("exited with code 3").contains("fatal: config broken");
            assertThat(UpstreamFailure.detailOf(new java.util.concurrent.CompletionException(e)))
                    .contains("crashy").contains("fatal: config broken");
        }).hasMessage("server 'crashy': exited with code 3");
        // the message written before the exit was delivered before the close
        assertThat(listener.messages).extracting(m -> m.path("method").asText()).containsExactly("last words");

        transport.close();
        assertThat(listener.closeCount()).isEqualTo(1);
        assertThatThrownBy(() -> transport.send(toolsList(1))).isInstanceOf(IOException.class);
    }

    @Test
    void closeTerminatesTheWholeProcessTreeAndLeavesNoZombie() throws IOException {
        StdioTransport transport = sh(opened, "tree", "sleep 1000 & sleep 1000");
        transport.start(listener);
        ProcessHandle root = ProcessHandle.of(transport.pid()).orElseThrow();
        await().atMost(Duration.ofSeconds(10)).until(() -> root.descendants().count() == 2);
        List<ProcessHandle> tree = new ArrayList<>(root.descendants().toList());
        tree.add(root);

        StdioTransport.CloseReport report = transport.closeAndReport();

        assertThat(tree).allSatisfy(handle -> assertThat(gone(handle.pid()))
                .as("pid %d is gone (not even a zombie)", handle.pid()).isTrue());
        assertThat(report.terminated()).extracting(StdioTransport.KilledProcess::pid)
                .containsAll(tree.stream().map(ProcessHandle::pid).filter(pid -> pid != root.pid()).toList());
        assertThat(report.forceKilled()).isEmpty();
        assertThat(report.survivors()).isEmpty();
        assertThat(transport.closeReport()).isEqualTo(report);
        assertThat(listener.closedOnRequest()).isTrue();
    }

    @Test
    void processesThatIgnoreSigtermAreForceKilledAndReported() throws IOException {
        StdioTransport transport = transport("stubborn", "sh",
                List.of("-c", "trap '' TERM; sleep 1000 & sleep 1000"), Duration.ofMillis(300));
        transport.start(listener);
        ProcessHandle root = ProcessHandle.of(transport.pid()).orElseThrow();
        await().atMost(Duration.ofSeconds(10)).until(() -> root.descendants().count() == 2);
        List<ProcessHandle> tree = new ArrayList<>(root.descendants().toList());
        tree.add(root);

        StdioTransport.CloseReport report = transport.closeAndReport();

        // a SIGKILLed orphan is reaped by init, which may take a moment on a loaded machine
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(tree).allSatisfy(handle -> assertThat(gone(handle.pid())).isTrue()));
        // the sleeps inherit the ignored SIGTERM; sh then exits by itself once its children are killed
        assertThat(report.forceKilled()).extracting(StdioTransport.KilledProcess::pid)
                .containsAll(tree.stream().map(ProcessHandle::pid).filter(pid -> pid != root.pid()).toList());
        assertThat(report.summary()).contains("force-killed");
        assertThat(report.took()).isLessThan(Duration.ofSeconds(5));
    }

    /**
     * kill() is for deadlines: no stdin close, no grace, no SIGTERM; the tree (which ignores both SIGTERM and
     * stdin EOF here) is SIGKILLed leaves first at once, and nothing is left, not even a zombie.
     */
    @Test
    void killEndsTheWholeTreeAtOnceWithoutGraceAndIsIdempotent() throws IOException {
        Duration longGrace = Duration.ofSeconds(20);
        StdioTransport transport = transport("stuck", "sh",
                List.of("-c", "trap '' TERM; sleep 1000 & sleep 1000"), longGrace);
        transport.start(listener);
        ProcessHandle root = ProcessHandle.of(transport.pid()).orElseThrow();
        await().atMost(Duration.ofSeconds(10)).until(() -> root.descendants().count() == 2);
        List<ProcessHandle> tree = new ArrayList<>(root.descendants().toList());
        tree.add(root);

        long started = System.nanoTime();
        transport.kill();
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(tree).allSatisfy(handle -> assertThat(gone(handle.pid()))
                .as("pid %d is gone (not even a zombie)", handle.pid()).isTrue());
        StdioTransport.CloseReport report = transport.closeReport();
        assertThat(report.exitedByItself()).isFalse();
        assertThat(report.terminated()).as("no SIGTERM round").isEmpty();
        // the sleeps are killed first; sh may then exit by itself before its own SIGKILL
        assertThat(report.forceKilled()).extracting(StdioTransport.KilledProcess::pid)
                .containsAll(tree.stream().map(ProcessHandle::pid).filter(pid -> pid != root.pid()).toList());
        assertThat(report.survivors()).isEmpty();
        // a polite close would first wait the 20 s grace for an exit that never comes
        assertThat(took).isLessThan(Duration.ofSeconds(10));
        assertThat(listener.closeCount()).isEqualTo(1);
        assertThat(listener.closedOnRequest()).isTrue();

        transport.kill();
        transport.close();
        assertThat(listener.closeCount()).isEqualTo(1);
        assertThat(transport.closeReport()).isEqualTo(report);
        assertThatThrownBy(() -> transport.send(toolsList(1))).isInstanceOf(UpstreamFailure.class)
                .hasMessageContaining("not connected");
    }

    @Test
    void closeIsIdempotentAndReportsClosedOnce() throws IOException {
        StdioTransport transport = sh(opened, "idle", "cat");
        transport.start(listener);

        transport.close();
        transport.close();

        assertThat(listener.closeCount()).isEqualTo(1);
        assertThat(listener.closedOnRequest()).isTrue();
        assertThat(transport.closeReport().exitedByItself()).isTrue(); // cat ends when its stdin closes
    }

    /**
     * Many sessions calling one server send on stdin at once: each message must arrive whole (never interleaved
     * with another's bytes, also past the pipe's 8 KB buffer: messages up to 12 KB), once, and in its sender's
     * order.
     */
    @Test
    void concurrentSendersMessagesArriveWholeOnceAndInEachSendersOrder() throws Exception {
        StdioTransport transport = sh(opened, "parrot", "exec cat");
        transport.start(listener);
        int senders = 16;
        int each = 300;
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        for (int t = 0; t < senders; t++) {
            int sender = t;
            threads.add(Thread.ofVirtual().start(() -> {
                for (int seq = 0; seq < each; seq++) {
                    try {
                        transport.send(Json.object().put("jsonrpc", "2.0").put("method", "n").put("sender", sender)
                                .put("seq", seq).put("pad", "p".repeat(padLength(sender, seq))));
                    } catch (IOException e) {
                        failures.add(e);
                    }
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join(30_000);
        }

        assertThat(failures).isEmpty();
        await().atMost(Duration.ofSeconds(30)).until(() -> listener.messages.size() >= senders * each);
        assertThat(listener.messages).hasSize(senders * each);
        assertThat(listener.badInputs).isEmpty();
        int[] next = new int[senders];
        for (ObjectNode message : listener.messages) {
            int sender = message.path("sender").asInt();
            int seq = message.path("seq").asInt();
            assertThat(seq).as("sender %d's messages in order", sender).isEqualTo(next[sender]++);
            assertThat(message.path("pad").asText()).hasSize(padLength(sender, seq));
        }
    }

    /** Sizes spread over 0 to 12 KB, different for each sender's each message. */
    private static int padLength(int sender, int seq) {
        return (sender * 997 + seq * 131) % 12_000;
    }

    @Test
    void aWriteToAServerThatClosedItsStdinFailsItsSenderNamingIt() throws IOException {
        StdioTransport transport = sh(opened, "closer", "exec 0<&-; exec sleep 30");
        transport.start(listener);

        AtomicReference<IOException> failed = new AtomicReference<>();
        // writes succeed into the pipe until the child has closed its end
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            try {
                transport.send(request(1, "ping", null));
                return false;
            } catch (IOException e) {
                failed.set(e);
                return true;
            }
        });

        assertThat(failed.get()).isInstanceOf(UpstreamFailure.class)
                .hasMessage("server 'closer': closed the connection");
        assertThat(((UpstreamFailure) failed.get()).detail()).contains("cannot write to its stdin");
    }

    /** A server that stops reading stdin must not hang every caller: the next writer kills it. */
    @Test
    void aServerThatStopsReadingItsStdinIsKilledByTheNextWriter() throws Exception {
        StdioTransport transport = sh(opened, "deaf", "exec sleep 1000").stuckWriteLimit(Duration.ofMillis(300));
        transport.start(listener);
        long pid = transport.pid();
        String big = "x".repeat(1 << 20); // far more than a pipe holds: this write blocks
        Thread stuck = Thread.ofVirtual().start(() -> {
            try {
                transport.send(Json.object().put("jsonrpc", "2.0").put("method", "big").put("pad", big));
            } catch (IOException expected) {
                // unblocked when the process dies
            }
        });

        long started = System.nanoTime();
        try (LogCapture warnings = LogCapture.of(StdioTransport.class)) {
            // Until a write fails. Which writer blocks first is a race (small writes can fill the pipe before the
            // big one starts): the one that waits then kills the server, and the blocked one fails with its exit.
            assertThatThrownBy(() -> {
                while (true) {
                    transport.send(Json.object().put("jsonrpc", "2.0").put("method", "small"));
                }
            }).isInstanceOf(IOException.class).message().startsWith("server 'deaf': ");
            // the message depends on which writer failed and when the kill landed ("stopped reading its stdin",
            // "exited with code 137", "closed the connection"); the kill itself is what the log line proves
            await().atMost(Duration.ofSeconds(5)).until(() -> warnings.events().stream()
                    .anyMatch(e -> e.getFormattedMessage().contains("has not read its stdin")));
        }

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        await().atMost(Duration.ofSeconds(5)).until(() -> listener.closeCount() == 1);
        assertThat(gone(pid)).isTrue();
        stuck.join(5000);
        assertThat(stuck.isAlive()).isFalse();
    }

    @Test
    void aChattyStderrReachesTheLogAndNeverBlocksTheServer() throws IOException {
        try (LogCapture stderr = LogCapture.of("upstream.chatty")) { // at INFO: the level stderr lines are logged at
            // 3000 lines of ~100 bytes: far more than a pipe buffer holds
            StdioTransport transport = sh(opened, "chatty", "i=0; while [ $i -lt 3000 ]; do"
                    + " echo \"noise $i ..........................................................................\" >&2;"
                    + " i=$((i+1)); done; echo '{\"jsonrpc\":\"2.0\",\"method\":\"done\"}'; cat");
            transport.start(listener);

            await().atMost(Duration.ofSeconds(20)).until(() -> listener.messages.size() == 1);
            await().atMost(Duration.ofSeconds(5)).until(() -> stderr.events().size() == 3000);
            assertThat(stderr.events().get(2999).getFormattedMessage()).startsWith("noise 2999 ");
        }
    }

    /** Neither running nor a zombie waiting to be reaped. */
    private static boolean gone(long pid) {
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isEmpty() || !handle.get().isAlive()) {
            return true;
        }
        // a zombie still has /proc/<pid>: ProcessHandle counts it alive, and so do we
        return !Files.exists(Path.of("/proc/" + pid));
    }
}
