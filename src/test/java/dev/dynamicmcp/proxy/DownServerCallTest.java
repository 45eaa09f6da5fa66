package dev.dynamicmcp.proxy;

import static dev.dynamicmcp.proxy.ProxyFixture.lists;
import static dev.dynamicmcp.proxy.ProxyFixture.tool;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.config.NamespaceMode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.JsonRpcPeer;
import dev.dynamicmcp.protocol.McpException;
import dev.dynamicmcp.protocol.McpMethods;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 9 item 6: a call to a tool, prompt or resource of a server that is down says so (server, state, since
 * when, last error) instead of "-32602 Unknown tool"; a name no server ever offered is still unknown.
 */
class DownServerCallTest {
    private static final String REASON =
            "server \"alpha\" is UNHEALTHY since 2026-12-01T09:00:00Z (last error: connection refused)";

    private final ProxyFixture fixture = new ProxyFixture();
    private final ProxyCore core = fixture.core(NamespaceMode.PREFIX);
    private final JsonRpcPeer.Handler handler;

    DownServerCallTest() throws Exception {
        core.serverUpdated(lists("alpha", List.of(tool("echo"))));
        core.serverUpdated(lists("beta", List.of(tool("add"))));
        handler = fixture.open(core, new ProxyCoreTest.Client("s1"));
    }

    private void alphaGoesDown() {
        fixture.upstreams.ready.remove("alpha");
        fixture.upstreams.unavailableReasons.put("alpha", REASON);
        core.serverGone("alpha");
    }

    private CompletableFuture<JsonNode> send(String method, String field, String value) {
        return handler.onRequest(fixture.request(method, Json.object().put(field, value)));
    }

    private static void isUnknown(CompletableFuture<JsonNode> answer, String message) {
        assertThat(answer).failsWithin(1, TimeUnit.SECONDS).withThrowableThat().havingRootCause()
                .isInstanceOfSatisfying(McpException.class, e -> assertThat(e.code()).isEqualTo(JsonRpc.INVALID_PARAMS))
                .withMessageContaining(message);
    }

    @Test
    void aToolOfAServerThatIsDownGetsAToolErrorNamingTheServerItsStateAndLastError() throws Exception {
        alphaGoesDown();

        JsonNode result = send(McpMethods.TOOLS_CALL, "name", "alpha__echo").get(1, TimeUnit.SECONDS);

        assertThat(result.path("isError").asBoolean()).isTrue();
        assertThat(result.path("content").get(0).path("text").asText()).isEqualTo(REASON);
        assertThat(fixture.upstreams.calls).isEmpty(); // nothing was sent to a server that cannot take it
        assertThat(core.catalog().tool("alpha__echo")).isEmpty(); // and clients do not list it meanwhile
    }

    @Test
    void aPromptOrResourceOfAServerThatIsDownGetsTheUnavailableError() {
        alphaGoesDown();

        for (CompletableFuture<JsonNode> answer : List.of(
                send(McpMethods.PROMPTS_GET, "name", "alpha__greet"),
                send(McpMethods.RESOURCES_READ, "uri", "alpha://items/7"))) {
            assertThat(answer).failsWithin(1, TimeUnit.SECONDS).withThrowableThat().havingRootCause()
                    .isInstanceOfSatisfying(McpException.class,
                            e -> assertThat(e.code()).isEqualTo(JsonRpc.SERVER_UNAVAILABLE))
                    .withMessage(REASON);
        }
    }

    @Test
    void namesNoServerOffersAreStillUnknown() {
        alphaGoesDown();

        isUnknown(send(McpMethods.TOOLS_CALL, "name", "alpha__never_had_it"), "Unknown tool: alpha__never_had_it");
        isUnknown(send(McpMethods.PROMPTS_GET, "name", "nope"), "Unknown prompt: nope");
    }

    @Test
    void aRemovedServersNamesAreUnknown() {
        fixture.upstreams.ready.remove("alpha");
        core.serverGone("alpha"); // the manager no longer knows it: no reason to give

        isUnknown(send(McpMethods.TOOLS_CALL, "name", "alpha__echo"), "Unknown tool: alpha__echo");
    }

    @Test
    void aServerBackWithoutTheToolMakesItUnknown() {
        alphaGoesDown();
        fixture.upstreams.ready.add("alpha");
        fixture.upstreams.unavailableReasons.remove("alpha");
        core.serverUpdated(lists("alpha", List.of(tool("other"))));

        isUnknown(send(McpMethods.TOOLS_CALL, "name", "alpha__echo"), "Unknown tool: alpha__echo");
    }
}
