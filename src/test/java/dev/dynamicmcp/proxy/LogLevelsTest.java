package dev.dynamicmcp.proxy;

import static dev.dynamicmcp.proxy.ProxyFixture.lists;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.config.NamespaceMode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.JsonRpcPeer;
import dev.dynamicmcp.protocol.McpMethods;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** One upstream level for all clients (the most verbose asked for), and each client hears only its own. */
class LogLevelsTest {
    private final ProxyFixture fixture = new ProxyFixture();
    private final ProxyCore core = fixture.core(NamespaceMode.PREFIX);

    LogLevelsTest() {
        core.serverUpdated(lists("alpha", List.of()));
        core.serverUpdated(lists("beta", List.of()));
    }

    private void setLevel(JsonRpcPeer.Handler handler, String level) throws Exception {
        int before = fixture.upstreams.calls.size();
        CompletableFuture<?> answer = handler.onRequest(fixture.request(McpMethods.LOGGING_SET_LEVEL,
                Json.object().put("level", level)));
        fixture.upstreams.calls.subList(before, fixture.upstreams.calls.size())
                .forEach(call -> call.result().complete(Json.object()));
        answer.get(1, TimeUnit.SECONDS);
    }

    /** The level of the last logging/setLevel each server got. */
    private List<String> lastLevelSentTo(String server) {
        return fixture.upstreams.calls.stream()
                .filter(c -> c.server().equals(server) && c.method().equals(McpMethods.LOGGING_SET_LEVEL))
                .map(c -> c.params().path("level").asText()).toList();
    }

    private void log(String level) {
        core.upstreamNotification("alpha", JsonRpc.notification(McpMethods.LOGGING_MESSAGE,
                Json.object().put("level", level).put("data", level + " message")));
    }

    private static List<String> levelsHeard(ProxyCoreTest.Client client) {
        return client.withMethod(McpMethods.LOGGING_MESSAGE).stream()
                .map(m -> m.path("params").path("level").asText()).toList();
    }

    @Test
    void upstreamsGetTheMostVerboseLevelAskedForAndEachClientHearsOnlyItsOwnLevels() throws Exception {
        ProxyCoreTest.Client quiet = new ProxyCoreTest.Client("quiet");
        ProxyCoreTest.Client verbose = new ProxyCoreTest.Client("verbose");
        ProxyCoreTest.Client silentAboutIt = new ProxyCoreTest.Client("never-asked");
        JsonRpcPeer.Handler quietHandler = fixture.open(core, quiet);
        JsonRpcPeer.Handler verboseHandler = fixture.open(core, verbose);
        fixture.open(core, silentAboutIt);

        setLevel(quietHandler, "warning");
        setLevel(verboseHandler, "debug");
        assertThat(lastLevelSentTo("alpha")).containsExactly("warning", "debug");
        assertThat(lastLevelSentTo("beta")).containsExactly("warning", "debug");

        log("debug");
        log("info");
        log("error");

        assertThat(levelsHeard(verbose)).containsExactly("debug", "info", "error");
        assertThat(levelsHeard(quiet)).containsExactly("error");
        assertThat(levelsHeard(silentAboutIt)).containsExactly("debug", "info", "error");
        ObjectNode heard = verbose.withMethod(McpMethods.LOGGING_MESSAGE).get(0);
        assertThat(heard.path("params").path("logger").asText()).isEqualTo("alpha"); // named by its server
    }

    @Test
    void aClientThatLeftNoLongerKeepsTheUpstreamVerbose() throws Exception {
        ProxyCoreTest.Client stays = new ProxyCoreTest.Client("stays");
        ProxyCoreTest.Client leaves = new ProxyCoreTest.Client("leaves");
        JsonRpcPeer.Handler staysHandler = fixture.open(core, stays);
        setLevel(fixture.open(core, leaves), "debug");
        core.closed(leaves);

        setLevel(staysHandler, "error");

        assertThat(lastLevelSentTo("alpha")).containsExactly("debug", "error");
    }

    @Test
    void aReconnectedServerGetsTheLevelTheClientsAskedFor() throws Exception {
        setLevel(fixture.open(core, new ProxyCoreTest.Client("c")), "notice");
        fixture.upstreams.calls.clear();

        core.restoreSessionState("beta");

        assertThat(lastLevelSentTo("beta")).containsExactly("notice");
        assertThat(lastLevelSentTo("alpha")).isEmpty();
    }
}
