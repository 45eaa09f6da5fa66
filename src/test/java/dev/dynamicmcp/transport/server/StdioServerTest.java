package dev.dynamicmcp.transport.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.McpException;
import dev.dynamicmcp.protocol.PendingRequest;
import dev.dynamicmcp.protocol.RequestOptions;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import dev.dynamicmcp.testsupport.FakeScheduler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class StdioServerTest {

    @Test
    void roundTripWithABadLineInBetweenAndEndOfInputClosingTheSession() throws Exception {
        EchoListener listener = new EchoListener();
        PipedOutputStream toServer = new PipedOutputStream();
        PipedInputStream serverIn = new PipedInputStream(toServer, 64 * 1024);
        Lines replies = new Lines();
        StdioServer server = new StdioServer(serverIn, replies, listener).start();

        send(toServer, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
                + "\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"desktop\",\"version\":\"1\"}}}");
        JsonNode initialized = Json.parse(replies.readLine());
        send(toServer, "this is not json");
        JsonNode parseError = Json.parse(replies.readLine());
        send(toServer, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"echo\",\"params\":{\"still\":\"reading\"}}");
        JsonNode echoed = Json.parse(replies.readLine());
        toServer.close();

        assertThat(initialized.path("id").asInt()).isEqualTo(1);
        assertThat(initialized.path("result").path("serverInfo").path("name").asText()).isEqualTo("echo");
        assertThat(parseError.get("id").isNull()).isTrue();
        assertThat(parseError.path("error").path("code").asInt()).isEqualTo(JsonRpc.PARSE_ERROR);
        assertThat(echoed.path("result").path("still").asText()).isEqualTo("reading");
        server.done().get(10, TimeUnit.SECONDS);
        assertThat(listener.closed).containsExactly("stdio");
        assertThat(listener.open).isEmpty();
    }

    @Test
    void theSessionIsCalledStdioAndServerMessagesGoOutAsLines() throws Exception {
        EchoListener listener = new EchoListener();
        PipedOutputStream toServer = new PipedOutputStream();
        Lines replies = new Lines();
        try (StdioServer server = new StdioServer(new PipedInputStream(toServer), replies, listener).start()) {
            assertThat(listener.open).containsKey("stdio");

            listener.notifyUnrelated("stdio", "notifications/tools/list_changed");

            assertThat(JsonRpc.method(Json.parse(replies.readLine()))).isEqualTo("notifications/tools/list_changed");
        }
        assertThat(listener.closed).containsExactly("stdio");
        toServer.close();
    }

    @Test
    void aClientsAnswerOverTheStringLimitFailsTheProxysRequestAtOnce() throws Exception {
        EchoListener listener = new EchoListener();
        PipedOutputStream toServer = new PipedOutputStream();
        Lines replies = new Lines();
        try (StdioServer server = new StdioServer(new PipedInputStream(toServer, 1 << 20), replies, listener).start()) {
            PendingRequest sampling = server.peer().request("sampling/createMessage", Json.object(),
                    RequestOptions.timeout(Duration.ofSeconds(60)));
            JsonNode sent = Json.parse(replies.readLine());
            long start = System.nanoTime();
            send(toServer, "{\"jsonrpc\":\"2.0\",\"id\":" + sent.get("id") + ",\"result\":{\"content\":{\"type\":"
                    + "\"text\",\"text\":\"" + "x".repeat(Json.MAX_STRING_CHARS + 1) + "\"}}}");

            assertThatThrownBy(() -> sampling.result().get(20, TimeUnit.SECONDS)).cause()
                    .isInstanceOf(McpException.class)
                    .hasMessage("stdio client answered sampling/createMessage with a message over the 20 MB JSON string limit");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
            send(toServer, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"echo\",\"params\":{\"still\":\"reading\"}}");
            assertThat(Json.parse(replies.readLine()).path("result").path("still").asText()).isEqualTo("reading");
        }
        toServer.close();
    }

    @Test
    @Timeout(20) // a producer that waits on the stalled pipe never returns: that is the failure
    void aClientThatStopsReadingHoldsUpOnlyItsOwnOutputAndGetsEveryLineInOrderOnceItReads() throws Exception {
        EchoListener listener = new EchoListener();
        PipedOutputStream toServer = new PipedOutputStream();
        StalledLines replies = new StalledLines();
        try (StdioServer server = new StdioServer(new PipedInputStream(toServer), replies, listener, null,
                new FakeScheduler()).start()) {
            // the producer (here the test thread; in the proxy the HTTP client's or a stdio upstream's reader)
            // must not wait on the pipe: with the client not reading, every send still returns at once
            Thread producer = Thread.currentThread();
            for (int i = 1; i <= 3; i++) {
                assertThat(server.peer().sendNotification("notifications/message",
                        Json.object().put("n", i))).isTrue();
            }
            assertThat(replies.blocked.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(replies.blockedThread).isNotSameAs(producer);

            replies.reading.countDown();

            for (int i = 1; i <= 3; i++) {
                JsonNode line = Json.parse(replies.readLine());
                assertThat(line.path("params").path("n").asInt()).isEqualTo(i);
            }
        }
        toServer.close();
    }

    @Test
    void aFailedWriteEndsTheSessionAndLaterSendsSayWhy() throws Exception {
        EchoListener listener = new EchoListener();
        PipedOutputStream toServer = new PipedOutputStream();
        OutputStream gone = new OutputStream() {
            @Override
            public void write(int b) throws java.io.IOException {
                throw new java.io.IOException("Broken pipe");
            }
        };
        StdioServer server = new StdioServer(new PipedInputStream(toServer), gone, listener, null,
                new FakeScheduler()).start();

        server.peer().sendNotification("notifications/tools/list_changed", null);

        server.done().get(10, TimeUnit.SECONDS);
        assertThat(listener.closed).containsExactly("stdio");
        assertThat(server.peer().sendNotification("notifications/tools/list_changed", null)).isFalse();
        toServer.close();
    }

    /** Lines whose writer blocks (as on a full pipe) until the client starts reading. */
    static final class StalledLines extends Lines {
        final java.util.concurrent.CountDownLatch blocked = new java.util.concurrent.CountDownLatch(1);
        final java.util.concurrent.CountDownLatch reading = new java.util.concurrent.CountDownLatch(1);
        volatile Thread blockedThread;

        @Override
        public void write(int b) {
            if (reading.getCount() > 0) {
                blockedThread = Thread.currentThread();
                blocked.countDown();
                try {
                    reading.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            super.write(b);
        }
    }

    /**
     * What the server writes, split into lines. (A PipedInputStream would fail with "write end dead": the
     * server writes from short-lived virtual threads.)
     */
    static class Lines extends OutputStream {
        private final ByteArrayOutputStream current = new ByteArrayOutputStream();
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

        @Override
        public synchronized void write(int b) {
            if (b == '\n') {
                lines.add(current.toString(StandardCharsets.UTF_8));
                current.reset();
            } else {
                current.write(b);
            }
        }

        String readLine() throws InterruptedException {
            String line = lines.poll(10, TimeUnit.SECONDS);
            if (line == null) {
                throw new AssertionError("the server wrote no line within 10 s");
            }
            return line;
        }
    }

    private static void send(PipedOutputStream out, String line) throws Exception {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
