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
import org.junit.jupiter.api.Test;

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

    /**
     * What the server writes, split into lines. (A PipedInputStream would fail with "write end dead": the
     * server writes from short-lived virtual threads.)
     */
    static final class Lines extends OutputStream {
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
