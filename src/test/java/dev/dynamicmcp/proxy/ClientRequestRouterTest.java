package dev.dynamicmcp.proxy;

import static dev.dynamicmcp.proxy.ProxyFixture.lists;
import static dev.dynamicmcp.proxy.ProxyFixture.tool;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.config.NamespaceMode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.JsonRpcPeer;
import dev.dynamicmcp.protocol.McpException;
import dev.dynamicmcp.protocol.McpMethods;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Which client a server's own request (sampling, elicitation, roots) goes to, and the errors when none can. */
class ClientRequestRouterTest {
    private final ProxyFixture fixture = new ProxyFixture();
    private final ProxyCore core = fixture.core(NamespaceMode.PREFIX);

    ClientRequestRouterTest() {
        core.serverUpdated(lists("alpha", List.of(tool("ask"))));
    }

    private static ObjectNode serverRequest(String method) {
        return JsonRpc.request(Json.MAPPER.getNodeFactory().textNode("up-" + method), method, Json.object());
    }

    private ObjectNode call(JsonRpcPeer.Handler handler) {
        ObjectNode request = fixture.request(McpMethods.TOOLS_CALL, Json.object().put("name", "alpha__ask"));
        handler.onRequest(request);
        return request;
    }

    @Test
    void aNewerCallWhoseClientCannotSampleIsPassedOverForTheNewestThatCan() throws Exception {
        ProxyCoreTest.Client sampler = new ProxyCoreTest.Client("sampler");
        ProxyCoreTest.Client plain = new ProxyCoreTest.Client("plain");
        ObjectNode samplerCall = call(fixture.open(core, sampler, "sampling"));
        call(fixture.open(core, plain));

        core.upstreamRequest("alpha", serverRequest(McpMethods.SAMPLING_CREATE_MESSAGE), null);

        assertThat(sampler.withMethod(McpMethods.SAMPLING_CREATE_MESSAGE)).hasSize(1);
        assertThat(sampler.relatedIds).containsExactly(samplerCall.get("id"));
        assertThat(plain.received).isEmpty();
    }

    @Test
    void aRequestOnTheStreamOfAnEndedCallIsRefusedNotHandedToTheCallRunningNow() throws Exception {
        ProxyCoreTest.Client first = new ProxyCoreTest.Client("first");
        ProxyCoreTest.Client second = new ProxyCoreTest.Client("second");
        call(fixture.open(core, first, "sampling"));
        ProxyCoreTest.Call ended = fixture.upstreams.last();
        call(fixture.open(core, second, "sampling"));
        ended.result().complete(Json.object()); // the first call is over; the server still asks within it

        CompletableFuture<JsonNode> late = core.upstreamRequest("alpha",
                serverRequest(McpMethods.SAMPLING_CREATE_MESSAGE), ended.id());

        assertThat(late).failsWithin(1, TimeUnit.SECONDS).withThrowableThat().havingRootCause()
                .isInstanceOfSatisfying(McpException.class, e -> assertThat(e.code()).isEqualTo(JsonRpc.INTERNAL_ERROR))
                .withMessageContaining("came within a call that has ended");
        assertThat(second.withMethod(McpMethods.SAMPLING_CREATE_MESSAGE)).isEmpty();
        assertThat(first.withMethod(McpMethods.SAMPLING_CREATE_MESSAGE)).isEmpty();

        // on the stream of the call that runs, it still reaches that call's client
        core.upstreamRequest("alpha", serverRequest(McpMethods.SAMPLING_CREATE_MESSAGE), fixture.upstreams.last().id());
        assertThat(second.withMethod(McpMethods.SAMPLING_CREATE_MESSAGE)).hasSize(1);
    }

    @Test
    void withNoCallRunningRootsGoToTheClientThatAnnouncedRootsMostRecently() throws Exception {
        ProxyCoreTest.Client first = new ProxyCoreTest.Client("zz-first");
        ProxyCoreTest.Client second = new ProxyCoreTest.Client("aa-second");
        ProxyCoreTest.Client withoutRoots = new ProxyCoreTest.Client("mm-third");
        fixture.open(core, first, "roots");
        fixture.open(core, second, "roots");
        fixture.open(core, withoutRoots);

        core.upstreamRequest("alpha", serverRequest(McpMethods.ROOTS_LIST), null);

        assertThat(second.withMethod(McpMethods.ROOTS_LIST)).hasSize(1);
        assertThat(first.received).isEmpty();
        assertThat(withoutRoots.received).isEmpty();
    }

    @Test
    void aRequestNoClientCanAnswerGetsAJsonRpcErrorSayingWhy() throws Exception {
        CompletableFuture<JsonNode> nobody = core.upstreamRequest("alpha", serverRequest(McpMethods.ROOTS_LIST), null);
        assertThat(nobody).failsWithin(1, TimeUnit.SECONDS).withThrowableThat().havingRootCause()
                .isInstanceOfSatisfying(McpException.class, e -> assertThat(e.code()).isEqualTo(JsonRpc.INTERNAL_ERROR))
                .withMessageContaining("no client session").withMessageContaining("server \"alpha\"");

        call(fixture.open(core, new ProxyCoreTest.Client("plain"), "sampling"));
        CompletableFuture<JsonNode> refused = core.upstreamRequest("alpha",
                serverRequest(McpMethods.ELICITATION_CREATE), null);
        assertThat(refused).failsWithin(1, TimeUnit.SECONDS).withThrowableThat().havingRootCause()
                .isInstanceOfSatisfying(McpException.class, e -> assertThat(e.code()).isEqualTo(JsonRpc.METHOD_NOT_FOUND))
                .withMessageContaining("does not support elicitation");
    }

    @Test
    void anIsolatedSessionsRequestGoesToItsOwnClientOnItsCallsStream() throws Exception {
        fixture.upstreams.isolatedServers.add("alpha");
        ProxyCoreTest.Client owner = new ProxyCoreTest.Client("owner");
        ProxyCoreTest.Client newer = new ProxyCoreTest.Client("newer");
        ObjectNode ownerCall = call(fixture.open(core, owner, "elicitation"));
        call(fixture.open(core, newer, "elicitation"));
        assertThat(fixture.upstreams.isolatedFor.values()).containsExactlyInAnyOrder("owner", "newer");

        core.isolatedUpstreamRequest("owner", "alpha", serverRequest(McpMethods.ELICITATION_CREATE));

        assertThat(owner.withMethod(McpMethods.ELICITATION_CREATE)).hasSize(1);
        assertThat(owner.relatedIds).containsExactly(ownerCall.get("id"));
        assertThat(newer.received).isEmpty();
    }

    @Test
    void aServerThatCancelsItsRequestCancelsItAtTheClient() throws Exception {
        ProxyCoreTest.Client client = new ProxyCoreTest.Client("c");
        call(fixture.open(core, client, "sampling"));
        CompletableFuture<JsonNode> answer = core.upstreamRequest("alpha",
                serverRequest(McpMethods.SAMPLING_CREATE_MESSAGE), null);

        answer.cancel(true); // what the upstream client does on the server's notifications/cancelled

        await().atMost(Duration.ofSeconds(2)).until(() -> !client.withMethod(McpMethods.CANCELLED).isEmpty());
        List<ObjectNode> cancels = client.withMethod(McpMethods.CANCELLED);
        assertThat(cancels).hasSize(1);
        assertThat(cancels.get(0).path("params").path("requestId"))
                .isEqualTo(client.withMethod(McpMethods.SAMPLING_CREATE_MESSAGE).get(0).get("id"));
        assertThat(cancels.get(0).path("params").path("reason").asText()).isEqualTo("cancelled by server \"alpha\"");
    }
}
