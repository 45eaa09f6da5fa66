package dev.dynamicmcp.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.config.NamespaceMode;
import dev.dynamicmcp.config.ProxySettings;
import dev.dynamicmcp.config.ToolFilter;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.JsonRpcPeer;
import dev.dynamicmcp.protocol.McpException;
import dev.dynamicmcp.protocol.McpMethods;
import dev.dynamicmcp.protocol.PendingRequest;
import dev.dynamicmcp.protocol.RequestOptions;
import dev.dynamicmcp.testsupport.FakeScheduler;
import dev.dynamicmcp.transport.server.DownstreamSession;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The merged server's routing and aggregation, against fake upstreams and an in-memory client session. */
class ProxyCoreTest {

    /** An upstream call the proxy made, answered by the test. */
    record Call(String server, String method, JsonNode params, RequestOptions options,
                CompletableFuture<JsonNode> result, List<String> cancels, JsonNode id) implements PendingRequest {

        @Override
        public void cancel(String reason) {
            cancels.add(reason);
            result.cancel(false);
        }
    }

    static final class FakeUpstreams implements Upstreams {
        final List<Call> calls = new CopyOnWriteArrayList<>();
        final AtomicLong upstreamIds = new AtomicLong();
        final List<String> ready = new CopyOnWriteArrayList<>(List.of("alpha", "beta"));
        /** What the manager would say about a server that is not READY (absent: it does not know the server). */
        final Map<String, String> unavailableReasons = new ConcurrentHashMap<>();
        final java.util.Set<String> isolatedServers = ConcurrentHashMap.newKeySet();
        /** Per isolated call, the client session it was sent for. */
        final Map<Call, String> isolatedFor = new ConcurrentHashMap<>();
        volatile String unavailable;
        /** Cache hints a 2026-07-28 upstream would have given (absent: a 2025-era server, none). */
        final Map<String, CacheHint> cacheHints = new ConcurrentHashMap<>();

        @Override
        public java.util.Optional<CacheHint> cacheHint(String server, String method) {
            return java.util.Optional.ofNullable(cacheHints.get(server));
        }

        @Override
        public java.util.Optional<String> unavailableReason(String server) {
            return java.util.Optional.ofNullable(unavailableReasons.get(server));
        }

        @Override
        public boolean isolated(String server) {
            return isolatedServers.contains(server);
        }

        /** The client sessions whose isolated upstream sessions were closed, in order. */
        final List<String> closedSessions = new CopyOnWriteArrayList<>();

        @Override
        public void sessionClosed(String sessionId) {
            closedSessions.add(sessionId);
        }

        @Override
        public PendingRequest sendIsolated(String sessionId, String server, String method, JsonNode params,
                                           RequestOptions options) {
            PendingRequest call = send(server, method, params, options);
            isolatedFor.put((Call) call, sessionId);
            return call;
        }

        @Override
        public PendingRequest send(String server, String method, JsonNode params, RequestOptions options) {
            Call call = new Call(server, method, params, options, new CompletableFuture<>(), new CopyOnWriteArrayList<>(),
                    Json.MAPPER.getNodeFactory().numberNode(upstreamIds.incrementAndGet()));
            if (server.equals(unavailable)) {
                call.result().completeExceptionally(McpException.local(JsonRpc.SERVER_UNAVAILABLE,
                        "server \"" + server + "\" is UNHEALTHY (last error: process exited with code 137)", null));
            }
            calls.add(call);
            onSend.accept(call);
            return call;
        }

        /** Runs on the sending thread before send returns: a server that answers (or asks) at once. */
        volatile java.util.function.Consumer<Call> onSend = call -> { };

        /** The notifications sent upstream, as "server method". */
        final List<String> notified = new CopyOnWriteArrayList<>();

        @Override
        public boolean notify(String server, String method, JsonNode params) {
            notified.add(server + " " + method);
            return true;
        }

        @Override
        public Duration requestTimeout(String server) {
            return Duration.ofSeconds(30);
        }

        @Override
        public List<String> readyServers() {
            return ready;
        }

        @Override
        public boolean hasCapability(String server, String capability) {
            return true;
        }

        @Override
        public CompletableFuture<ServerLists> discover(String server) {
            return CompletableFuture.failedFuture(new UnsupportedOperationException());
        }

        Call last() {
            return calls.get(calls.size() - 1);
        }
    }

    /** A downstream client: what the proxy sends it is recorded; it answers sampling requests. */
    static final class Client implements DownstreamSession {
        final String id;
        final String profile;
        final List<ObjectNode> received = new CopyOnWriteArrayList<>();
        final List<JsonNode> relatedIds = new CopyOnWriteArrayList<>();
        final JsonRpcPeer peer;
        /** True once the proxy ended this session. */
        volatile boolean closed;

        Client(String id) {
            this(id, null);
        }

        /** A client of the profile ({@code /mcp/{profile}}); null for the default {@code /mcp}. */
        Client(String id, String profile) {
            this.id = id;
            this.profile = profile;
            this.peer = new JsonRpcPeer("client " + id, new JsonRpcPeer.Sender() {
                @Override
                public void send(ObjectNode message) {
                    received.add(message);
                }

                @Override
                public void send(ObjectNode message, JsonNode relatedRequestId) {
                    received.add(message);
                    relatedIds.add(relatedRequestId);
                }
            }, null);
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public String transport() {
            return "test";
        }

        @Override
        public JsonRpcPeer peer() {
            return peer;
        }

        @Override
        public String profile() {
            return profile;
        }

        @Override
        public void close() {
            closed = true;
        }

        List<ObjectNode> withMethod(String method) {
            return received.stream().filter(m -> method.equals(m.path("method").asText())).toList();
        }
    }

    private final FakeUpstreams upstreams = new FakeUpstreams();
    private final AtomicLong ids = new AtomicLong();

    private ProxyCore core(NamespaceMode mode, int pageSize) {
        ProxySettings settings = new ProxySettings("127.0.0.1", 0, mode, "__", null, 1 << 20, 4,
                ProxySettings.DEFAULTS.defaults());
        // notifications are delivered by scheduler tasks: inline here, so a test sees them at once and in order
        return new ProxyCore(settings, upstreams, pageSize, name -> List.of("alpha", "beta").indexOf(name),
                new FakeScheduler().runTasksInline());
    }

    private static ObjectNode tool(String name) {
        ObjectNode tool = Json.object().put("name", name).put("description", "d " + name);
        tool.putObject("inputSchema").put("type", "object");
        tool.putObject("_meta").put("vendor", "x");
        tool.putArray("icons").addObject().put("src", "https://example.com/i.png");
        return tool;
    }

    private static ServerLists lists(String server, List<ObjectNode> tools) {
        return new ServerLists(server, ToolFilter.ALLOW_ALL, server + " says hi", tools, List.of(),
                List.of(Json.object().put("uriTemplate", server + "://items/{id}").put("name", "items")),
                List.of(Json.object().put("name", "greet")));
    }

    /** What a client receives: list pages hold pre-serialized items, so look at them as written out. */
    private static JsonNode onTheWire(JsonNode result) {
        return Json.parse(Json.write(result));
    }

    private ObjectNode request(String method, ObjectNode params) {
        return JsonRpc.request(Json.MAPPER.getNodeFactory().numberNode(ids.incrementAndGet()), method, params);
    }

    private static ObjectNode initializeParams(boolean sampling) {
        ObjectNode params = Json.object().put("protocolVersion", "2025-06-18");
        ObjectNode capabilities = params.putObject("capabilities");
        if (sampling) {
            capabilities.putObject("sampling");
        }
        params.putObject("clientInfo").put("name", "test-client").put("version", "1");
        return params;
    }

    private JsonRpcPeer.Handler open(ProxyCore core, Client client, boolean sampling) throws Exception {
        JsonRpcPeer.Handler handler = core.opened(client);
        handler.onRequest(request("initialize", initializeParams(sampling))).get(1, TimeUnit.SECONDS);
        handler.onNotification(JsonRpc.notification(McpMethods.INITIALIZED, null));
        return handler;
    }

    @Test
    void toolsArePrefixedWithTheirServerAndKeepEveryOtherField() throws Exception {
        ProxyCore core = core(NamespaceMode.PREFIX, 100);
        core.serverUpdated(lists("alpha", List.of(tool("echo"))));
        core.serverUpdated(lists("beta", List.of(tool("echo"), tool("add"))));
        JsonRpcPeer.Handler handler = open(core, new Client("s1"), false);

        JsonNode result = onTheWire(handler.onRequest(request("tools/list", Json.object())).get(1, TimeUnit.SECONDS));

        assertThat(result.path("tools").findValuesAsText("name"))
                .containsExactly("alpha__echo", "beta__echo", "beta__add");
        JsonNode first = result.path("tools").get(0);
        assertThat(first.path("_meta").path("vendor").asText()).isEqualTo("x");
        assertThat(first.path("icons").get(0).path("src").asText()).isEqualTo("https://example.com/i.png");
        assertThat(result.has("nextCursor")).isFalse();
    }

    @Test
    void withoutNamespaceTheFirstServerInConfigOrderWinsACollision() throws Exception {
        ProxyCore core = core(NamespaceMode.NONE, 100);
        core.serverUpdated(lists("beta", List.of(tool("echo"), tool("add"))));
        core.serverUpdated(lists("alpha", List.of(tool("echo"))));
        JsonRpcPeer.Handler handler = open(core, new Client("s1"), false);

        handler.onRequest(request("tools/call", Json.object().put("name", "echo")));

        assertThat(upstreams.last().server()).isEqualTo("alpha");
        assertThat(core.catalog().tools()).extracting(t -> t.path("name").asText()).containsExactly("echo", "add");
    }

    @Test
    void longNamesAreShortenedDeterministicallyToSixtyFourCharacters() {
        String longName = "a_tool_with_a_really_long_descriptive_name_that_goes_on_and_on_forever";
        Catalog one = Catalog.build(1, List.of(lists("alpha", List.of(tool(longName)))), NamespaceMode.PREFIX, "__");
        Catalog two = Catalog.build(2, List.of(lists("alpha", List.of(tool(longName)))), NamespaceMode.PREFIX, "__");

        String exposed = one.tools().get(0).path("name").asText();
        assertThat(exposed).hasSize(64).startsWith("alpha__a_tool_with").matches(".*_[0-9a-f]{8}");
        assertThat(two.tools().get(0).path("name").asText()).isEqualTo(exposed);
        assertThat(one.tool(exposed)).contains(new Catalog.Route("alpha", longName));
    }

    @Test
    void toolFiltersHideDeniedTools() {
        ServerLists filtered = new ServerLists("alpha", new ToolFilter(List.of("get_*", "echo"), List.of("get_secret")),
                null, List.of(tool("echo"), tool("get_time"), tool("get_secret"), tool("rm")), List.of(), List.of(),
                List.of());
        Catalog catalog = Catalog.build(1, List.of(filtered), NamespaceMode.PREFIX, "__");

        assertThat(catalog.tools()).extracting(t -> t.path("name").asText())
                .containsExactly("alpha__echo", "alpha__get_time");
        assertThat(catalog.tool("alpha__get_secret")).isEmpty();
    }

    @Test
    void mergedListsArePaginatedWithOpaqueCursors() throws Exception {
        ProxyCore core = core(NamespaceMode.PREFIX, 2);
        core.serverUpdated(lists("alpha", List.of(tool("a"), tool("b"), tool("c"), tool("d"), tool("e"))));
        JsonRpcPeer.Handler handler = open(core, new Client("s1"), false);

        List<String> names = new ArrayList<>();
        ObjectNode params = Json.object();
        for (int page = 0; page < 10; page++) {
            JsonNode result = onTheWire(handler.onRequest(request("tools/list", params)).get(1, TimeUnit.SECONDS));
            names.addAll(result.path("tools").findValuesAsText("name"));
            if (!result.has("nextCursor")) {
                break;
            }
            params = Json.object().put("cursor", result.get("nextCursor").asText());
        }
        assertThat(names).containsExactly("alpha__a", "alpha__b", "alpha__c", "alpha__d", "alpha__e");

        CompletableFuture<JsonNode> bad = handler.onRequest(request("tools/list", Json.object().put("cursor", "zzz")));
        assertThat(bad).failsWithin(1, TimeUnit.SECONDS).withThrowableThat()
                .havingRootCause().isInstanceOf(McpException.class).withMessageContaining("invalid cursor");
    }

    @Test
    void toolCallIsRoutedWithTheOriginalNameAndTheResultPassesThroughUntouched() throws Exception {
        ProxyCore core = core(NamespaceMode.PREFIX, 100);
        core.serverUpdated(lists("beta", List.of(tool("echo"))));
        JsonRpcPeer.Handler handler = open(core, new Client("s1"), false);
        ObjectNode params = Json.object().put("name", "beta__echo");
        params.putObject("arguments").put("message", "hi");
        params.putObject("_meta").put("custom", "kept");

        CompletableFuture<JsonNode> answer = handler.onRequest(request("tools/call", params));
        Call call = upstreams.last();
        assertThat(call.server()).isEqualTo("beta");
        assertThat(call.params().path("name").asText()).isEqualTo("echo");
        assertThat(call.params().path("arguments").path("message").asText()).isEqualTo("hi");
        assertThat(call.params().path("_meta").path("custom").asText()).isEqualTo("kept");

        ObjectNode upstreamResult = (ObjectNode) Json.parse("{\"content\":[{\"type\":\"text\",\"text\":\"hi\","
                + "\"annotations\":{\"audience\":[\"user\"]}}],\"structuredContent\":{\"echo\":\"hi\"},"
                + "\"_meta\":{\"trace\":1},\"somethingNew\":{\"x\":[1,2,3]}}");
        call.result().complete(upstreamResult);
        assertThat(answer.get(1, TimeUnit.SECONDS)).isEqualTo(upstreamResult);
    }

    @Test
    void progressReachesTheClientWithItsOwnTokenOnTheRequestsStream() throws Exception {
        ProxyCore core = core(NamespaceMode.PREFIX, 100);
        core.serverUpdated(lists("alpha", List.of(tool("long"))));
        Client client = new Client("s1");
        JsonRpcPeer.Handler handler = open(core, client, false);
        ObjectNode params = Json.object().put("name", "alpha__long");
        params.putObject("_meta").put("progressToken", "client-42");
        ObjectNode downstream = request("tools/call", params);

        handler.onRequest(downstream);
        Call call = upstreams.last();
        ObjectNode progress = Json.object().put("progressToken", "upstream-token").put("progress", 3).put("total", 10)
                .put("message", "step 3");
        call.options().onProgress().accept(progress);

        ObjectNode received = client.withMethod(McpMethods.PROGRESS).get(0);
        assertThat(received.path("params").path("progressToken").asText()).isEqualTo("client-42");
        assertThat(received.path("params").path("progress").asInt()).isEqualTo(3);
        assertThat(received.path("params").path("message").asText()).isEqualTo("step 3");
        assertThat(client.relatedIds).contains(downstream.get("id"));
    }

    @Test
    void clientCancelCancelsTheUpstreamRequest() throws Exception {
        ProxyCore core = core(NamespaceMode.PREFIX, 100);
        core.serverUpdated(lists("alpha", List.of(tool("sleep"))));
        JsonRpcPeer.Handler handler = open(core, new Client("s1"), false);

        CompletableFuture<JsonNode> answer = handler.onRequest(request("tools/call", Json.object().put("name", "alpha__sleep")));
        answer.cancel(true); // what JsonRpcPeer does on notifications/cancelled

        assertThat(upstreams.last().cancels()).containsExactly("cancelled by the client");
    }

    /** Issue 9 item 13: the client's own reason reaches the upstream's notifications/cancelled. */
    @Test
    void aClientsCancelReasonIsKeptUpstream() throws Exception {
        ProxyCore core = core(NamespaceMode.PREFIX, 100);
        core.serverUpdated(lists("alpha", List.of(tool("sleep"))));
        JsonRpcPeer.Handler handler = open(core, new Client("s1"), false);
        CompletableFuture<JsonNode> tool = handler.onRequest(request("tools/call", Json.object().put("name", "alpha__sleep")));
        Call toolCall = upstreams.last();
        CompletableFuture<JsonNode> read = handler.onRequest(request("resources/read", Json.object().put("uri", "alpha://items/1")));
        Call readCall = upstreams.last();

        // how a transport cancels a request with the reason of the client's notifications/cancelled
        tool.completeExceptionally(new java.util.concurrent.CancellationException("user pressed stop"));
        read.completeExceptionally(new java.util.concurrent.CancellationException("no longer needed"));

        assertThat(toolCall.cancels()).containsExactly("user pressed stop");
        assertThat(readCall.cancels()).containsExactly("no longer needed");
    }

    @Test
    void unavailableServerGivesAToolErrorNamingItAndUpstreamErrorsPassThrough() throws Exception {
        ProxyCore core = core(NamespaceMode.PREFIX, 100);
        core.serverUpdated(lists("alpha", List.of(tool("echo"))));
        JsonRpcPeer.Handler handler = open(core, new Client("s1"), false);
        upstreams.unavailable = "alpha";

        JsonNode result = handler.onRequest(request("tools/call", Json.object().put("name", "alpha__echo")))
                .get(1, TimeUnit.SECONDS);
        assertThat(result.path("isError").asBoolean()).isTrue();
        assertThat(result.path("content").get(0).path("text").asText())
                .contains("server \"alpha\"").contains("UNHEALTHY").contains("exited with code 137");

        upstreams.unavailable = null;
        CompletableFuture<JsonNode> refused = handler.onRequest(request("tools/call", Json.object().put("name", "alpha__echo")));
        upstreams.last().result().completeExceptionally(new McpException(-32602, "Invalid arguments: message required",
                Json.object().put("field", "message")));
        assertThat(refused).failsWithin(1, TimeUnit.SECONDS).withThrowableThat().havingRootCause()
                .isInstanceOfSatisfying(McpException.class, e -> {
                    assertThat(e.code()).isEqualTo(-32602);
                    assertThat(e.data().path("field").asText()).isEqualTo("message");
                });
    }

    @Test
    void unknownToolAndUnknownMethodAreProtocolErrors() throws Exception {
        ProxyCore core = core(NamespaceMode.PREFIX, 100);
        JsonRpcPeer.Handler handler = open(core, new Client("s1"), false);

        assertThat(handler.onRequest(request("tools/call", Json.object().put("name", "nope__x"))))
                .failsWithin(1, TimeUnit.SECONDS).withThrowableThat().havingRootCause()
                .isInstanceOfSatisfying(McpException.class, e -> assertThat(e.code()).isEqualTo(JsonRpc.INVALID_PARAMS))
                .withMessageContaining("Unknown tool: nope__x");
        assertThat(handler.onRequest(request("tools/explode", Json.object())))
                .failsWithin(1, TimeUnit.SECONDS).withThrowableThat().havingRootCause()
                .isInstanceOfSatisfying(McpException.class, e -> assertThat(e.code()).isEqualTo(JsonRpc.METHOD_NOT_FOUND));
    }

    @Test
    void samplingFromAnUpstreamGoesToTheSessionWhoseCallIsRunning() throws Exception {
        ProxyCore core = core(NamespaceMode.PREFIX, 100);
        core.serverUpdated(lists("alpha", List.of(tool("sample"))));
        Client idle = new Client("idle");
        Client caller = new Client("caller");
        open(core, idle, true);
        JsonRpcPeer.Handler handler = open(core, caller, true);
        ObjectNode downstream = request("tools/call", Json.object().put("name", "alpha__sample"));
        handler.onRequest(downstream);

        ObjectNode sampling = JsonRpc.request(Json.MAPPER.getNodeFactory().textNode("up-1"),
                McpMethods.SAMPLING_CREATE_MESSAGE, Json.object().put("maxTokens", 10));
        CompletableFuture<JsonNode> answer = core.upstreamRequest("alpha", sampling, null);

        await().atMost(Duration.ofSeconds(2)).until(() -> !caller.withMethod(McpMethods.SAMPLING_CREATE_MESSAGE).isEmpty());
        assertThat(idle.withMethod(McpMethods.SAMPLING_CREATE_MESSAGE)).isEmpty();
        ObjectNode sent = caller.withMethod(McpMethods.SAMPLING_CREATE_MESSAGE).get(0);
        assertThat(caller.relatedIds).contains(downstream.get("id"));
        caller.peer.onMessage(JsonRpc.result(sent.get("id"), Json.object().put("model", "m").put("role", "assistant")));
        assertThat(answer.get(1, TimeUnit.SECONDS).path("model").asText()).isEqualTo("m");
    }

    @Test
    void samplingThatCameOnACallsStreamGoesToThatCallsSessionNotTheNewest() throws Exception {
        ProxyCore core = core(NamespaceMode.PREFIX, 100);
        core.serverUpdated(lists("alpha", List.of(tool("sample"))));
        Client older = new Client("older");
        Client newer = new Client("newer");
        JsonRpcPeer.Handler olderHandler = open(core, older, true);
        JsonRpcPeer.Handler newerHandler = open(core, newer, true);
        ObjectNode olderCall = request("tools/call", Json.object().put("name", "alpha__sample"));
        olderHandler.onRequest(olderCall);
        JsonNode olderUpstreamId = upstreams.last().id();
        newerHandler.onRequest(request("tools/call", Json.object().put("name", "alpha__sample")));

        core.upstreamRequest("alpha", JsonRpc.request(Json.MAPPER.getNodeFactory().textNode("up-9"),
                McpMethods.SAMPLING_CREATE_MESSAGE, Json.object().put("maxTokens", 5)), olderUpstreamId);

        await().atMost(Duration.ofSeconds(2)).until(() -> !older.withMethod(McpMethods.SAMPLING_CREATE_MESSAGE).isEmpty());
        assertThat(newer.withMethod(McpMethods.SAMPLING_CREATE_MESSAGE)).isEmpty();
        assertThat(older.relatedIds).contains(olderCall.get("id"));
    }

    @Test
    void samplingIsRefusedClearlyWhenTheClientLacksTheCapability() throws Exception {
        ProxyCore core = core(NamespaceMode.PREFIX, 100);
        core.serverUpdated(lists("alpha", List.of(tool("sample"))));
        JsonRpcPeer.Handler handler = open(core, new Client("plain"), false);
        handler.onRequest(request("tools/call", Json.object().put("name", "alpha__sample")));

        CompletableFuture<JsonNode> answer = core.upstreamRequest("alpha", JsonRpc.request(
                Json.MAPPER.getNodeFactory().numberNode(5), McpMethods.SAMPLING_CREATE_MESSAGE, Json.object()), null);

        assertThat(answer).failsWithin(1, TimeUnit.SECONDS).withThrowableThat().havingRootCause()
                .withMessageContaining("does not support sampling").withMessageContaining("server \"alpha\"");
    }

    @Test
    void resourcesAreRoutedByUriTemplateAndUpdatesGoToSubscribers() throws Exception {
        ProxyCore core = core(NamespaceMode.PREFIX, 100);
        core.serverUpdated(lists("alpha", List.of()));
        core.serverUpdated(lists("beta", List.of()));
        Client subscriber = new Client("sub");
        Client other = new Client("other");
        JsonRpcPeer.Handler handler = open(core, subscriber, false);
        open(core, other, false);

        handler.onRequest(request("resources/read", Json.object().put("uri", "beta://items/7")));
        assertThat(upstreams.last().server()).isEqualTo("beta");

        CompletableFuture<JsonNode> subscribed = handler.onRequest(request("resources/subscribe",
                Json.object().put("uri", "beta://items/7")));
        upstreams.last().result().complete(Json.object());
        subscribed.get(1, TimeUnit.SECONDS);
        core.upstreamNotification("beta", JsonRpc.notification(McpMethods.RESOURCES_UPDATED,
                Json.object().put("uri", "beta://items/7")));

        assertThat(subscriber.withMethod(McpMethods.RESOURCES_UPDATED)).hasSize(1);
        assertThat(other.withMethod(McpMethods.RESOURCES_UPDATED)).isEmpty();
        assertThat(handler.onRequest(request("resources/read", Json.object().put("uri", "gamma://x"))))
                .failsWithin(1, TimeUnit.SECONDS).withThrowableThat().havingRootCause()
                .withMessageContaining("Resource not found: gamma://x");
    }

    @Test
    void aServerGoingDownRemovesItsToolsAndTellsSessions() throws Exception {
        ProxyCore core = core(NamespaceMode.PREFIX, 100);
        core.serverUpdated(lists("alpha", List.of(tool("echo"))));
        core.serverUpdated(lists("beta", List.of(tool("add"))));
        Client client = new Client("s1");
        open(core, client, false);

        core.serverGone("alpha");

        assertThat(core.catalog().tools()).extracting(t -> t.path("name").asText()).containsExactly("beta__add");
        // each list that lost items is announced exactly once, in a stable order (one serial outbox per session)
        assertThat(client.received).extracting(m -> m.path("method").asText()).containsExactly(
                McpMethods.TOOLS_LIST_CHANGED, McpMethods.PROMPTS_LIST_CHANGED, McpMethods.RESOURCES_LIST_CHANGED);
    }

    @Test
    void initializeAnswersWithMergedCapabilitiesAndInstructions() throws Exception {
        ProxyCore core = core(NamespaceMode.PREFIX, 100);
        core.serverUpdated(lists("alpha", List.of(tool("echo"))));
        JsonRpcPeer.Handler handler = core.opened(new Client("s1"));

        JsonNode result = handler.onRequest(request("initialize", initializeParams(false))).get(1, TimeUnit.SECONDS);

        assertThat(result.path("protocolVersion").asText()).isEqualTo("2025-06-18");
        assertThat(result.path("capabilities").path("tools").path("listChanged").asBoolean()).isTrue();
        assertThat(result.path("capabilities").path("resources").path("subscribe").asBoolean()).isTrue();
        assertThat(result.path("serverInfo").path("name").asText()).isEqualTo("dynamic-mcp-proxy");
        assertThat(result.path("instructions").asText()).contains("## alpha").contains("alpha says hi");
    }

    @Test
    void initializeWithAnUnsupportedProtocolVersionAnswersTheLatestTheProxySpeaks() throws Exception {
        ProxyCore core = core(NamespaceMode.PREFIX, 100);
        JsonRpcPeer.Handler handler = core.opened(new Client("s1"));

        JsonNode result = handler.onRequest(request("initialize", initializeParams(false).put("protocolVersion", "1999-01-01")))
                .get(1, TimeUnit.SECONDS);

        assertThat(result.path("protocolVersion").asText()).isEqualTo(McpMethods.LATEST_PROTOCOL_VERSION);
        assertThat(McpMethods.PROTOCOL_VERSIONS).contains("2025-06-18").doesNotContain("1999-01-01");
    }
}
