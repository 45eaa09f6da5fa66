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
 * A client answered before the servers are up (stdio, bind first) may call a tool it knows before it heard
 * list_changed: during start-up such a call waits for the listing instead of "Unknown tool"; after it, an
 * unknown name fails at once as before.
 */
class StartupGateTest {
    private final ProxyFixture fixture = new ProxyFixture();
    private final ProxyCore core = fixture.core(NamespaceMode.PREFIX);

    @Test
    void aCallToAToolNotListedYetWaitsForStartUpAndThenGoesToItsServer() throws Exception {
        CompletableFuture<Void> listed = new CompletableFuture<>();
        core.startingUp(listed);
        JsonRpcPeer.Handler handler = fixture.open(core, new ProxyCoreTest.Client("s1"));

        CompletableFuture<JsonNode> early = handler.onRequest(fixture.request(McpMethods.TOOLS_CALL,
                Json.object().put("name", "alpha__echo")));
        assertThat(early).isNotDone();
        assertThat(fixture.upstreams.calls).isEmpty();

        core.serverUpdated(lists("alpha", List.of(tool("echo"))));
        listed.complete(null);

        assertThat(fixture.upstreams.calls).singleElement()
                .satisfies(call -> assertThat(call.params().path("name").asText()).isEqualTo("echo"));
        fixture.upstreams.calls.get(0).result().complete(Json.object().put("ok", true));
        assertThat(early.get(1, TimeUnit.SECONDS).path("ok").asBoolean()).isTrue();

        CompletableFuture<JsonNode> unknown = handler.onRequest(fixture.request(McpMethods.TOOLS_CALL,
                Json.object().put("name", "alpha__nope")));
        assertThat(unknown).failsWithin(1, TimeUnit.SECONDS).withThrowableThat().havingRootCause()
                .isInstanceOfSatisfying(McpException.class, e -> assertThat(e.code()).isEqualTo(JsonRpc.INVALID_PARAMS));
    }
}
