package dev.dynamicmcp.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.McpMethods;
import dev.dynamicmcp.protocol.PendingRequest;
import dev.dynamicmcp.transport.SessionExpiredException;
import dev.dynamicmcp.transport.Transport;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class McpClientTest {
    private static final McpClient.Options OPTIONS = new McpClient.Options(Json.object().put("name", "t"),
            Json.object(), Duration.ofSeconds(5));

    /** A server in memory: answers every request at once; can forget the session (404) on the next call. */
    static final class MemoryServer implements Transport {
        final List<ObjectNode> sent = new CopyOnWriteArrayList<>();
        final AtomicBoolean forgetOnNextCall = new AtomicBoolean();
        final AtomicInteger initializes = new AtomicInteger();
        /** When set, {@link #sendAsync} sends on a thread of its own once it opens (as an HTTP client does). */
        volatile CountDownLatch holdAsyncSends;
        final boolean http;
        private volatile Listener listener;

        MemoryServer(boolean http) {
            this.http = http;
        }

        @Override
        public void start(Listener listener) {
            this.listener = listener;
        }

        @Override
        public void send(ObjectNode message) throws IOException {
            String method = message.path("method").asText("");
            if (McpMethods.TOOLS_CALL.equals(method) && forgetOnNextCall.compareAndSet(true, false)) {
                throw new SessionExpiredException("memory", "session s" + initializes.get() + " forgotten");
            }
            sent.add(message);
            if (!message.has("id")) {
                return;
            }
            ObjectNode result = Json.object();
            if (McpMethods.INITIALIZE.equals(method)) {
                initializes.incrementAndGet();
                result.put("protocolVersion", McpMethods.LATEST_PROTOCOL_VERSION);
                result.putObject("capabilities").putObject("resources").put("subscribe", true);
            } else if (McpMethods.TOOLS_CALL.equals(method)) {
                result.put("called", message.path("params").path("name").asText());
            }
            listener.onMessage(JsonRpc.result(message.get("id"), result));
        }

        @Override
        public CompletableFuture<Void> sendAsync(ObjectNode message) {
            CountDownLatch hold = holdAsyncSends;
            if (hold == null) {
                return Transport.super.sendAsync(message);
            }
            CompletableFuture<Void> sent = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    hold.await();
                    send(message);
                    sent.complete(null);
                } catch (IOException | InterruptedException | RuntimeException e) {
                    sent.completeExceptionally(e);
                }
            });
            return sent;
        }

        @Override
        public boolean sendMayWaitForAnswer() {
            return http;
        }

        List<String> methods() {
            return sent.stream().map(m -> m.path("method").asText()).toList();
        }

        @Override
        public String describe() {
            return "memory";
        }

        @Override
        public void close() {
            Listener l = listener;
            if (l != null) {
                l.onClosed(null);
            }
        }
    }

    @Test
    void theSessionStateIsRememberedHoweverItWasSentAndRestoredOntoANewClient() throws IOException {
        MemoryServer first = new MemoryServer(false);
        try (McpClient client = new McpClient("memory", first, OPTIONS)) {
            client.connect(Duration.ofSeconds(5));
            client.request(McpMethods.RESOURCES_SUBSCRIBE, Json.object().put("uri", "file:///a")).result().join();
            client.subscribe("file:///b");
            client.setLogLevel("debug");
            client.unsubscribe("file:///b");

            SessionState state = client.sessionState();
            assertThat(state.subscriptions()).containsExactly("file:///a");
            assertThat(state.logLevel()).isEqualTo("debug");

            client.subscribe("file:///c");
            assertThat(state.subscriptions()).as("a snapshot does not change").containsExactly("file:///a");

            MemoryServer second = new MemoryServer(false);
            try (McpClient reconnected = new McpClient("memory", second, OPTIONS)) {
                reconnected.connect(Duration.ofSeconds(5));
                reconnected.restore(state);
                assertThat(second.methods()).containsExactly(McpMethods.INITIALIZE, McpMethods.INITIALIZED,
                        McpMethods.LOGGING_SET_LEVEL, McpMethods.RESOURCES_SUBSCRIBE);
                assertThat(second.sent.get(2).path("params").path("level").asText()).isEqualTo("debug");
                assertThat(second.sent.get(3).path("params").path("uri").asText()).isEqualTo("file:///a");
                assertThat(reconnected.sessionState().subscriptions()).containsExactly("file:///a");
                assertThat(reconnected.sessionState().logLevel()).isEqualTo("debug");
            }
        }
    }

    /** HTTP 404: the client initializes again, replays its state once, and re-sends; the caller sees the result. */
    @Test
    void aForgottenSessionIsReopenedReplayedAndTheRequestResent() throws IOException {
        MemoryServer server = new MemoryServer(true);
        try (McpClient client = new McpClient("memory", server, OPTIONS)) {
            client.connect(Duration.ofSeconds(5));
            client.subscribe("file:///a");
            client.setLogLevel("warning");
            server.sent.clear();
            server.forgetOnNextCall.set(true);

            assertThat(client.callTool("echo", null).path("called").asText()).isEqualTo("echo");

            assertThat(server.initializes.get()).isEqualTo(2);
            assertThat(server.methods()).containsExactly(McpMethods.INITIALIZE, McpMethods.INITIALIZED,
                    McpMethods.LOGGING_SET_LEVEL, McpMethods.RESOURCES_SUBSCRIBE, McpMethods.TOOLS_CALL);
        }
    }

    /**
     * Issue 12: over HTTP the caller only hands the request over; a 404 that comes later (on the sending
     * thread) still reopens the session and re-sends, and the caller's request object gets the answer.
     */
    @Test
    void aSessionForgottenAfterTheCallerReturnedIsReopenedAndTheSameRequestAnswered() throws Exception {
        MemoryServer server = new MemoryServer(true);
        try (McpClient client = new McpClient("memory", server, OPTIONS)) {
            client.connect(Duration.ofSeconds(5));
            client.subscribe("file:///a");
            server.sent.clear();
            server.forgetOnNextCall.set(true);
            CountDownLatch hold = new CountDownLatch(1);
            server.holdAsyncSends = hold;

            PendingRequest call = client.request(McpMethods.TOOLS_CALL, Json.object().put("name", "echo"));

            assertThat(call.result()).as("the caller returned before the request was even sent").isNotDone();
            assertThat(server.sent).isEmpty();
            hold.countDown();
            assertThat(call.result().get(5, TimeUnit.SECONDS).path("called").asText()).isEqualTo("echo");
            assertThat(server.initializes.get()).isEqualTo(2);
            assertThat(server.methods()).containsExactly(McpMethods.INITIALIZE, McpMethods.INITIALIZED,
                    McpMethods.RESOURCES_SUBSCRIBE, McpMethods.TOOLS_CALL);
        }
    }

    /** The handshake is one replaceable piece (a server/discover handshake for MCP 2026-07-28 goes here). */
    @Test
    void anotherHandshakeReplacesInitializeWholesale() throws IOException {
        MemoryServer server = new MemoryServer(false);
        AtomicInteger opened = new AtomicInteger();
        Handshake discover = (channel, options, timeout) -> {
            opened.incrementAndGet();
            ObjectNode raw = Json.object().put("protocolVersion", "2026-07-28");
            return new InitializeResult("2026-07-28", Json.object(), Json.object().put("name", "modern"), null, raw);
        };
        try (McpClient client = new McpClient("memory", server, OPTIONS, null, discover)) {
            InitializeResult info = client.connect(Duration.ofSeconds(5));
            assertThat(info.protocolVersion()).isEqualTo("2026-07-28");
            assertThat(client.info()).isSameAs(info);
            assertThat(opened).hasValue(1);
            assertThat(server.methods()).as("no initialize was sent").isEmpty();
            assertThat(client.callTool("x", null).path("called").asText()).isEqualTo("x");
        }
    }

    @Test
    void requestsWaitingForTheSendTaskFailWhenTheClientCloses() throws IOException {
        MemoryServer server = new MemoryServer(true);
        McpClient client = new McpClient("memory", server, OPTIONS);
        client.connect(Duration.ofSeconds(5));
        client.close();
        assertThat(client.request(McpMethods.TOOLS_LIST, null).result()).failsWithin(Duration.ofSeconds(5));
    }
}
