package dev.dynamicmcp.transport.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.JsonRpcPeer;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * 2026-07-28 lines and 2025-era lines on one stdio: each message is classified on its own; modern requests go
 * to the endpoint and their related messages and answers come back as lines; {@code notifications/cancelled}
 * cancels a running modern request (and no answer follows); an unknown revision is -32022 with the id.
 */
class ModernStdioTest {
    private static final String META = "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"%s\","
            + "\"io.modelcontextprotocol/clientCapabilities\":{}}";

    /** An endpoint that echoes, or hangs for method "hang" after sending one related notification. */
    static final class FakeEndpoint implements ModernEndpoint {
        final List<CompletableFuture<JsonNode>> hanging = new CopyOnWriteArrayList<>();

        @Override
        public List<String> supportedVersions() {
            return List.of("2026-07-28", "2025-11-25");
        }

        @Override
        public CompletableFuture<JsonNode> request(ObjectNode request, String caller, Consumer<ObjectNode> related) {
            if (JsonRpc.method(request).equals("hang")) {
                related.accept(JsonRpc.notification("notifications/progress", Json.object().put("progress", 1)));
                CompletableFuture<JsonNode> future = new CompletableFuture<>();
                hanging.add(future);
                return future;
            }
            return CompletableFuture.completedFuture(Json.object().put("resultType", "complete")
                    .put("method", JsonRpc.method(request)));
        }
    }

    @Test
    void bothErasShareTheLines() throws Exception {
        EchoListener echo = new EchoListener();
        FakeEndpoint endpoint = new FakeEndpoint();
        SessionListener listener = new SessionListener() {
            @Override
            public JsonRpcPeer.Handler opened(DownstreamSession session) {
                return echo.opened(session);
            }

            @Override
            public void closed(DownstreamSession session) {
                echo.closed(session);
            }

            @Override
            public ModernEndpoint modern() {
                return endpoint;
            }
        };
        PipedOutputStream toServer = new PipedOutputStream();
        StdioServerTest.Lines replies = new StdioServerTest.Lines();
        try (StdioServer server = new StdioServer(new PipedInputStream(toServer, 64 * 1024), replies, listener).start()) {
            send(toServer, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{" + META.formatted("2026-07-28") + "}}");
            JsonNode modern = Json.parse(replies.readLine());
            assertThat(modern.path("id").asInt()).isEqualTo(1);
            assertThat(modern.path("result").path("method").asText()).isEqualTo("tools/list");

            send(toServer, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"echo\",\"params\":{\"era\":\"2025\"}}");
            JsonNode older = Json.parse(replies.readLine());
            assertThat(older.path("result").path("era").asText()).isEqualTo("2025"); // the session's handler

            send(toServer, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\",\"params\":{" + META.formatted("v999") + "}}");
            JsonNode unsupported = Json.parse(replies.readLine());
            assertThat(unsupported.path("id").asInt()).isEqualTo(3);
            assertThat(unsupported.path("error").path("code").asInt()).isEqualTo(-32022);
            assertThat(unsupported.path("error").path("data").path("requested").asText()).isEqualTo("v999");

            send(toServer, "{\"jsonrpc\":\"2.0\",\"id\":\"h\",\"method\":\"hang\",\"params\":{" + META.formatted("2026-07-28") + "}}");
            assertThat(Json.parse(replies.readLine()).path("method").asText()).isEqualTo("notifications/progress");
            send(toServer, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":\"h\","
                    + "\"reason\":\"enough\"}}");
            send(toServer, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"ping\",\"params\":{" + META.formatted("2026-07-28") + "}}");
            JsonNode next = Json.parse(replies.readLine());
            assertThat(next.path("id").asInt()).as("no answer for the cancelled request").isEqualTo(4);
            assertThat(endpoint.hanging).hasSize(1);
            assertThat(endpoint.hanging.get(0).isCancelled()).isTrue();
        }
        toServer.close();
    }

    private static void send(PipedOutputStream out, String line) throws Exception {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
