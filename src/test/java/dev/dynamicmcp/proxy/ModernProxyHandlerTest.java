package dev.dynamicmcp.proxy;

import static dev.dynamicmcp.proxy.ProxyFixture.lists;
import static dev.dynamicmcp.proxy.ProxyFixture.tool;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.config.ConfigLoader;
import dev.dynamicmcp.config.NamespaceMode;
import dev.dynamicmcp.config.ProxySettings;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.McpException;
import dev.dynamicmcp.protocol.McpMethods;
import dev.dynamicmcp.transport.server.ModernEndpoint;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The merged server as a 2026-07-28 client sees it, against fake upstreams: the envelope becomes the same
 * call context a session's request gets, results carry what the revision asks, merged lists are as cacheable as
 * their least cacheable server, listen streams hear list and resource changes tagged with their subscription,
 * log messages reach only a call that set a level, and a server's mid-call request is refused clearly.
 */
class ModernProxyHandlerTest {
    private final ProxyFixture fixture = new ProxyFixture();
    private final List<ObjectNode> related = new CopyOnWriteArrayList<>();

    private static ObjectNode params(String capabilities, String logLevel) {
        ObjectNode params = Json.object();
        ObjectNode meta = params.putObject("_meta");
        meta.put("io.modelcontextprotocol/protocolVersion", "2026-07-28");
        meta.set("io.modelcontextprotocol/clientCapabilities", Json.parse(capabilities));
        meta.putObject("io.modelcontextprotocol/clientInfo").put("name", "modern").put("version", "1");
        if (logLevel != null) {
            meta.put("io.modelcontextprotocol/logLevel", logLevel);
        }
        return params;
    }

    private CompletableFuture<JsonNode> send(ProxyCore core, String method, ObjectNode params) {
        ModernEndpoint modern = core.modern();
        return modern.request(fixture.request(method, params), related::add);
    }

    private static JsonNode get(CompletableFuture<JsonNode> future) throws Exception {
        return Json.parse(Json.write(future.get(1, TimeUnit.SECONDS))); // as written on the wire
    }

    private ProxyCore core() {
        ProxyCore core = fixture.core(NamespaceMode.NONE);
        core.serverUpdated(lists("alpha", List.of(tool("echo")), List.of("alpha://r"), List.of()));
        core.serverUpdated(lists("beta", List.of(tool("add")), List.of(), List.of()));
        return core;
    }

    @Test
    void aMergedListIsOnlyAsCacheableAsItsLeastCacheableServer() throws Exception {
        ProxyCore core = core();
        fixture.upstreams.cacheHints.put("alpha", new CacheHint(60_000, true));
        fixture.upstreams.cacheHints.put("beta", new CacheHint(30_000, true));
        JsonNode both = get(send(core, McpMethods.TOOLS_LIST, params("{}", null)));
        assertThat(both.path("ttlMs").asLong()).isEqualTo(30_000);
        assertThat(both.path("cacheScope").asText()).isEqualTo("public");
        assertThat(both.path("tools")).extracting(t -> t.path("name").asText()).containsExactly("echo", "add");

        fixture.upstreams.cacheHints.put("beta", new CacheHint(90_000, false));
        JsonNode oncePrivate = get(send(core, McpMethods.TOOLS_LIST, params("{}", null)));
        assertThat(oncePrivate.path("ttlMs").asLong()).isEqualTo(60_000);
        assertThat(oncePrivate.path("cacheScope").asText()).isEqualTo("private");

        fixture.upstreams.cacheHints.remove("beta"); // a 2025-era server: no hints
        JsonNode legacy = get(send(core, McpMethods.SERVER_DISCOVER, params("{}", null)));
        assertThat(legacy.path("ttlMs").asLong()).isZero();
        assertThat(legacy.path("cacheScope").asText()).isEqualTo("private");
        assertThat(legacy.path("resultType").asText()).isEqualTo("complete");
    }

    @Test
    void aCallGoesUpstreamWithoutTheEnvelopeAndComesBackWithTheRevisionsFields() throws Exception {
        ProxyCore core = core();
        ObjectNode params = params("{}", null).put("name", "echo");
        ((ObjectNode) params.get("_meta")).put("progressToken", "t-1").put("traceparent", "00-abc-def-01");
        CompletableFuture<JsonNode> answer = send(core, McpMethods.TOOLS_CALL, params);

        ProxyCoreTest.Call upstream = fixture.upstreams.last();
        assertThat(upstream.server()).isEqualTo("alpha");
        JsonNode meta = upstream.params().path("_meta");
        assertThat(meta.fieldNames()).toIterable().containsExactlyInAnyOrder("progressToken", "traceparent");
        upstream.options().onProgress().accept(Json.object().put("progressToken", 99).put("progress", 5));
        upstream.result().complete(Json.object().put("isError", false));

        JsonNode result = get(answer);
        assertThat(result.path("resultType").asText()).isEqualTo("complete");
        assertThat(result.path("_meta").path("io.modelcontextprotocol/serverInfo").path("name").asText())
                .isEqualTo("dynamic-mcp-proxy");
        assertThat(related).singleElement().satisfies(progress -> {
            assertThat(progress.path("method").asText()).isEqualTo(McpMethods.PROGRESS);
            assertThat(progress.path("params").path("progressToken").asText()).isEqualTo("t-1");
        });
    }

    @Test
    void theClientsParamsAreNotChangedByWhatGoesUpstream() throws Exception {
        ProxyCore core = core();
        ObjectNode params = params("{}", null).put("name", "echo");
        params.putObject("arguments").put("text", "hi");
        String before = Json.write(params);
        send(core, McpMethods.TOOLS_CALL, params);

        ProxyCoreTest.Call upstream = fixture.upstreams.last();
        assertThat(upstream.params().has("_meta")).isFalse(); // the envelope was all of it
        assertThat(upstream.params().path("arguments").path("text").asText()).isEqualTo("hi");
        assertThat(Json.write(params)).isEqualTo(before);
    }

    @Test
    void aCallToAnIsolatedServerHasAnUpstreamSessionOfItsOwnThatClosesWithTheAnswer() throws Exception {
        ProxyCore core = core();
        fixture.upstreams.isolatedServers.add("alpha");
        CompletableFuture<JsonNode> answer = send(core, McpMethods.TOOLS_CALL, params("{}", null).put("name", "echo"));

        ProxyCoreTest.Call upstream = fixture.upstreams.last();
        String session = fixture.upstreams.isolatedFor.get(upstream);
        assertThat(session).isNotNull();
        assertThat(fixture.upstreams.closedSessions).isEmpty(); // the call is still running
        upstream.result().complete(Json.object().put("isError", false));
        get(answer);

        assertThat(fixture.upstreams.closedSessions).containsExactly(session);
    }

    @Test
    void withoutIsolatedServersACallClosesNoUpstreamSession() throws Exception {
        ProxyCore core = core();
        CompletableFuture<JsonNode> answer = send(core, McpMethods.TOOLS_CALL, params("{}", null).put("name", "echo"));
        fixture.upstreams.last().result().complete(Json.object().put("isError", false));
        get(answer);

        assertThat(fixture.upstreams.isolatedFor).isEmpty();
        assertThat(fixture.upstreams.closedSessions).isEmpty();
    }

    @Test
    void logMessagesReachOnlyACallThatSetALevelAndOnlyAtOrAboveIt() throws Exception {
        ProxyCore core = core();
        CompletableFuture<JsonNode> quiet = send(core, McpMethods.TOOLS_CALL, params("{}", null).put("name", "echo"));
        CompletableFuture<JsonNode> warned = send(core, McpMethods.TOOLS_CALL,
                params("{}", "warning").put("name", "echo"));
        assertThat(fixture.upstreams.calls).anyMatch(c -> c.method().equals(McpMethods.LOGGING_SET_LEVEL)
                && c.params().path("level").asText().equals("warning"));

        core.upstreamNotification("alpha", JsonRpc.notification(McpMethods.LOGGING_MESSAGE,
                Json.object().put("level", "info").put("data", "chatter")));
        core.upstreamNotification("alpha", JsonRpc.notification(McpMethods.LOGGING_MESSAGE,
                Json.object().put("level", "error").put("data", "trouble")));
        assertThat(related).singleElement().satisfies(log -> {
            assertThat(log.path("params").path("data").asText()).isEqualTo("trouble");
            assertThat(log.path("params").path("logger").asText()).isEqualTo("alpha");
        });
        fixture.upstreams.calls.stream().filter(c -> c.method().equals(McpMethods.TOOLS_CALL))
                .forEach(c -> c.result().complete(Json.object()));
        get(quiet);
        get(warned);
        core.upstreamNotification("alpha", JsonRpc.notification(McpMethods.LOGGING_MESSAGE,
                Json.object().put("level", "error").put("data", "after the call")));
        assertThat(related).hasSize(1);
    }

    /** A client of the revision sends its level with every call: the servers are told once, and again when more. */
    @Test
    void aLevelEveryCallRepeatsIsSentUpstreamOnceAndAMoreVerboseOneAgain() throws Exception {
        ProxyCore core = core();
        for (String level : List.of("warning", "warning", "error", "debug", "info")) {
            CompletableFuture<JsonNode> answer = send(core, McpMethods.TOOLS_CALL,
                    params("{}", level).put("name", "echo"));
            fixture.upstreams.calls.stream().filter(c -> !c.result().isDone())
                    .forEach(c -> c.result().complete(Json.object()));
            get(answer);
        }
        assertThat(fixture.upstreams.calls).filteredOn(c -> c.method().equals(McpMethods.LOGGING_SET_LEVEL))
                .extracting(c -> c.server() + ":" + c.params().path("level").asText())
                .containsExactlyInAnyOrder("alpha:warning", "beta:warning", "alpha:debug", "beta:debug");

        fixture.upstreams.calls.clear();
        core.restoreSessionState("beta"); // no client holds a level now: the reconnected server gets the last told
        assertThat(fixture.upstreams.calls).singleElement().satisfies(c -> {
            assertThat(c.server()).isEqualTo("beta");
            assertThat(c.params().path("level").asText()).isEqualTo("debug");
        });
    }

    @Test
    void aServerAskingForAnUndeclaredCapabilityFailsTheCallWithMissingCapability() throws Exception {
        ProxyCore core = core();
        CompletableFuture<JsonNode> answer = send(core, McpMethods.TOOLS_CALL, params("{}", null).put("name", "echo"));
        ProxyCoreTest.Call upstream = fixture.upstreams.last();

        CompletableFuture<JsonNode> serverRequest = core.upstreamRequest("alpha",
                JsonRpc.request(Json.MAPPER.getNodeFactory().numberNode(1), McpMethods.SAMPLING_CREATE_MESSAGE,
                        Json.object()), upstream.id());

        assertThatThrownBy(() -> answer.get(1, TimeUnit.SECONDS)).cause().isInstanceOfSatisfying(McpException.class, e -> {
            assertThat(e.code()).isEqualTo(-32021);
            assertThat(e.data().path("requiredCapabilities")).isEqualTo(Json.parse("{\"sampling\":{}}"));
        });
        assertThat(upstream.cancels()).singleElement().asString().contains("sampling");
        assertThat(serverRequest).isCompletedExceptionally();
    }

    /** The server asks before the call is even under way: -32021 still wins over the cancel it causes. */
    @Test
    void aServerAskingAtOnceForAnUndeclaredCapabilityStillGetsMissingCapability() throws Exception {
        ProxyCore core = core();
        fixture.upstreams.onSend = call -> core.upstreamRequest("alpha",
                JsonRpc.request(Json.MAPPER.getNodeFactory().numberNode(1), McpMethods.SAMPLING_CREATE_MESSAGE,
                        Json.object()), call.id());
        CompletableFuture<JsonNode> answer = send(core, McpMethods.TOOLS_CALL, params("{}", null).put("name", "echo"));

        assertThatThrownBy(() -> answer.get(1, TimeUnit.SECONDS)).cause().isInstanceOfSatisfying(McpException.class,
                e -> assertThat(e.code()).isEqualTo(-32021));
        assertThat(fixture.upstreams.last().cancels()).singleElement().asString().contains("sampling");
    }

    @Test
    void rootsAskedDuringACallOfAClientWithoutRootsAreRefusedWithoutFailingTheCall() throws Exception {
        ProxyCore core = core();
        CompletableFuture<JsonNode> answer = send(core, McpMethods.TOOLS_CALL, params("{}", null).put("name", "echo"));
        ProxyCoreTest.Call upstream = fixture.upstreams.last();

        CompletableFuture<JsonNode> roots = core.upstreamRequest("alpha",
                JsonRpc.request(Json.MAPPER.getNodeFactory().numberNode(1), McpMethods.ROOTS_LIST, Json.object()), null);

        assertThat(roots).isCompletedExceptionally();
        assertThat(answer).isNotDone();
        assertThat(upstream.cancels()).isEmpty();
        upstream.result().complete(Json.object());
        assertThat(get(answer).path("resultType").asText()).isEqualTo("complete");
    }

    @Test
    void aServerAskingADeclaringClientIsAnsweredThroughTheBridge() throws Exception {
        ProxyCore core = core();
        ObjectNode params = params("{\"elicitation\":{}}", null).put("name", "echo");
        CompletableFuture<JsonNode> answer = send(core, McpMethods.TOOLS_CALL, params);
        ProxyCoreTest.Call upstream = fixture.upstreams.last();
        // the call may run as long as the server's timeout plus the input wait
        assertThat(upstream.options().timeout()).isEqualTo(
                fixture.upstreams.requestTimeout("alpha").plus(Duration.ofSeconds(120)));

        CompletableFuture<JsonNode> serverRequest = core.upstreamRequest("alpha",
                JsonRpc.request(Json.MAPPER.getNodeFactory().numberNode(1), McpMethods.ELICITATION_CREATE,
                        Json.object().put("message", "name?")), upstream.id());
        assertThat(answer).isNotDone();
        fixture.scheduler.advance(Duration.ofMillis(20));
        JsonNode inputRequired = get(answer);
        assertThat(inputRequired.path("resultType").asText()).isEqualTo("input_required");
        assertThat(inputRequired.path("inputRequests").path("r1-1").path("params").path("message").asText())
                .isEqualTo("name?");

        ObjectNode retry = params.deepCopy();
        retry.putObject("inputResponses").putObject("r1-1").put("action", "accept");
        retry.set("requestState", inputRequired.get("requestState"));
        CompletableFuture<JsonNode> second = send(core, McpMethods.TOOLS_CALL, retry);
        assertThat(fixture.upstreams.last()).as("a retry is no new upstream call").isSameAs(upstream);
        assertThat(get(serverRequest).path("action").asText()).isEqualTo("accept");
        upstream.result().complete(Json.object().put("done", true));
        assertThat(get(second).path("resultType").asText()).isEqualTo("complete");
        assertThat(get(second).path("done").asBoolean()).isTrue();
        assertThat(upstream.cancels()).isEmpty();
    }

    @Test
    void aClientThatNeverRetriesReleasesTheServersRequestAndCancelsTheCall() throws Exception {
        ProxyCore core = core();
        CompletableFuture<JsonNode> answer = send(core, McpMethods.TOOLS_CALL,
                params("{\"sampling\":{}}", null).put("name", "echo"));
        ProxyCoreTest.Call upstream = fixture.upstreams.last();
        CompletableFuture<JsonNode> serverRequest = core.upstreamRequest("alpha",
                JsonRpc.request(Json.MAPPER.getNodeFactory().numberNode(1), McpMethods.SAMPLING_CREATE_MESSAGE,
                        Json.object()), upstream.id());
        fixture.scheduler.advance(Duration.ofMillis(20));
        assertThat(get(answer).path("resultType").asText()).isEqualTo("input_required");
        fixture.scheduler.advance(Duration.ofSeconds(120));
        assertThatThrownBy(() -> serverRequest.get(1, TimeUnit.SECONDS)).cause()
                .isInstanceOf(McpException.class).hasMessageContaining("did not answer within 2 min 00 s");
        assertThat(upstream.cancels()).singleElement().asString().contains("did not answer within");
    }

    /** The core on a config's {@code proxy} section, read as the loader reads it. */
    private ProxyCore core(String proxySection) {
        ProxySettings settings = ConfigLoader.parse("{\"proxy\": " + proxySection + ", \"mcpServers\": {}}",
                Map.of(), Path.of(".")).proxy();
        ProxyCore core = fixture.core(settings);
        core.serverUpdated(lists("alpha", List.of(tool("echo")), List.of("alpha://r"), List.of()));
        return core;
    }

    @Test
    void aConfiguredInputTimeoutEndsTheWaitAndNamesItsKey() throws Exception {
        ProxyCore core = core("{\"namespace\": \"none\", \"bridge\": {\"inputTimeout\": \"30s\"}}");
        CompletableFuture<JsonNode> answer = send(core, McpMethods.TOOLS_CALL,
                params("{\"sampling\":{}}", null).put("name", "echo"));
        ProxyCoreTest.Call upstream = fixture.upstreams.last();
        assertThat(upstream.options().timeout()).isEqualTo(
                fixture.upstreams.requestTimeout("alpha").plus(Duration.ofSeconds(30)));
        CompletableFuture<JsonNode> serverRequest = core.upstreamRequest("alpha",
                JsonRpc.request(Json.MAPPER.getNodeFactory().numberNode(1), McpMethods.SAMPLING_CREATE_MESSAGE,
                        Json.object()), upstream.id());
        fixture.scheduler.advance(Duration.ofMillis(20));
        assertThat(get(answer).path("resultType").asText()).isEqualTo("input_required");

        fixture.scheduler.advance(Duration.ofSeconds(29));
        assertThat(serverRequest).as("still within the configured 30 s").isNotDone();
        fixture.scheduler.advance(Duration.ofSeconds(1));
        assertThatThrownBy(() -> serverRequest.get(1, TimeUnit.SECONDS)).cause()
                .isInstanceOf(McpException.class)
                .hasMessageContaining("did not answer within 30.0 s (proxy.bridge.inputTimeout)");
        assertThat(upstream.cancels()).singleElement().asString().contains("did not answer within 30.0 s");
    }

    @Test
    void aConfiguredMaxRoundsRefusesTheRoundBeyondItAndNamesItsKey() throws Exception {
        ProxyCore core = core("{\"namespace\": \"none\", \"bridge\": {\"maxRounds\": 2}}");
        ObjectNode params = params("{\"roots\":{}}", null).put("name", "echo");
        CompletableFuture<JsonNode> answer = send(core, McpMethods.TOOLS_CALL, params);
        ProxyCoreTest.Call upstream = fixture.upstreams.last();
        for (int round = 1; round <= 2; round++) {
            CompletableFuture<JsonNode> roots = core.upstreamRequest("alpha", JsonRpc.request(
                    Json.MAPPER.getNodeFactory().numberNode(round), McpMethods.ROOTS_LIST, Json.object()), upstream.id());
            fixture.scheduler.advance(Duration.ofMillis(20));
            JsonNode inputRequired = get(answer);
            assertThat(inputRequired.path("resultType").asText()).as("round %d", round).isEqualTo("input_required");
            ObjectNode retry = params.deepCopy();
            retry.putObject("inputResponses").putObject("r" + round + "-1").putArray("roots");
            retry.set("requestState", inputRequired.get("requestState"));
            answer = send(core, McpMethods.TOOLS_CALL, retry);
            assertThat(get(roots).has("roots")).as("round %d answered upstream", round).isTrue();
        }
        CompletableFuture<JsonNode> third = core.upstreamRequest("alpha", JsonRpc.request(
                Json.MAPPER.getNodeFactory().numberNode(3), McpMethods.ROOTS_LIST, Json.object()), upstream.id());
        fixture.scheduler.advance(Duration.ofMillis(20));

        CompletableFuture<JsonNode> refused = answer;
        assertThatThrownBy(() -> refused.get(1, TimeUnit.SECONDS)).cause()
                .isInstanceOf(McpException.class)
                .hasMessageContaining("after 2 rounds (proxy.bridge.maxRounds)");
        assertThat(third).isCompletedExceptionally();
        assertThat(upstream.cancels()).hasSize(1);
    }

    @Test
    void listenHearsTheChangesItAskedForTaggedWithItsId() throws Exception {
        ProxyCore core = core();
        ObjectNode params = params("{}", null);
        params.putObject("notifications").put("toolsListChanged", true)
                .putArray("resourceSubscriptions").add("alpha://r").add("nowhere://x");
        ObjectNode request = fixture.request(McpMethods.SUBSCRIPTIONS_LISTEN, params);
        CompletableFuture<JsonNode> stream = core.modern().request(request, related::add);
        ProxyCoreTest.Call subscribe = fixture.upstreams.last();
        assertThat(subscribe.method()).isEqualTo(McpMethods.RESOURCES_SUBSCRIBE);
        assertThat(related).isEmpty(); // the acknowledgement waits for the upstream subscription
        subscribe.result().complete(Json.object());

        JsonNode id = request.get("id");
        assertThat(related).singleElement().satisfies(ack -> {
            assertThat(ack.path("method").asText()).isEqualTo(McpMethods.SUBSCRIPTIONS_ACKNOWLEDGED);
            assertThat(ack.path("params").path("_meta").path("io.modelcontextprotocol/subscriptionId")).isEqualTo(id);
            assertThat(ack.path("params").path("notifications"))
                    .isEqualTo(Json.parse("{\"toolsListChanged\":true,\"resourceSubscriptions\":[\"alpha://r\"]}"));
        });

        core.serverUpdated(lists("beta", List.of(tool("add"), tool("sub")), List.of(), List.of()));
        ObjectNode changedPrompts = Json.object().put("name", "other");
        core.serverUpdated(new ServerLists("beta", null, null, List.of(tool("add"), tool("sub")), List.of(),
                List.of(), List.of(changedPrompts))); // prompts changed: not asked for
        core.upstreamNotification("alpha", JsonRpc.notification(McpMethods.RESOURCES_UPDATED,
                Json.object().put("uri", "alpha://r")));
        core.upstreamNotification("alpha", JsonRpc.notification(McpMethods.RESOURCES_UPDATED,
                Json.object().put("uri", "alpha://other")));

        assertThat(related).extracting(m -> m.path("method").asText()).containsExactly(
                McpMethods.SUBSCRIPTIONS_ACKNOWLEDGED, McpMethods.TOOLS_LIST_CHANGED, McpMethods.RESOURCES_UPDATED);
        assertThat(related).allSatisfy(m ->
                assertThat(m.path("params").path("_meta").path("io.modelcontextprotocol/subscriptionId")).isEqualTo(id));
        assertThat(related.get(2).path("params").path("uri").asText()).isEqualTo("alpha://r");

        stream.completeExceptionally(new CancellationException("the client closed the HTTP request"));
        assertThat(fixture.upstreams.last().method()).isEqualTo(McpMethods.RESOURCES_UNSUBSCRIBE);
        core.serverUpdated(lists("beta", List.of(tool("add")), List.of(), List.of()));
        assertThat(related).hasSize(3); // a closed stream hears nothing
    }

    @Test
    void removedMethodsAreMethodNotFound() {
        ProxyCore core = core();
        for (String method : List.of("initialize", "ping", "logging/setLevel", "resources/subscribe", "nope")) {
            assertThatThrownBy(() -> send(core, method, params("{}", null)).get(1, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause()
                    .isInstanceOfSatisfying(McpException.class, e -> assertThat(e.code()).isEqualTo(-32601));
        }
    }

    @Test
    void resourceNotFoundBecomesInvalidParamsWithTheUri() {
        ProxyCore core = core();
        assertThatThrownBy(() -> send(core, McpMethods.RESOURCES_READ, params("{}", null).put("uri", "zzz://x"))
                .get(1, TimeUnit.SECONDS)).cause().isInstanceOfSatisfying(McpException.class, e -> {
                    assertThat(e.code()).isEqualTo(-32602);
                    assertThat(e.data().path("uri").asText()).isEqualTo("zzz://x");
                });
    }
}
