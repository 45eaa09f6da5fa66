package dev.dynamicmcp.proxy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.config.NamespaceMode;
import dev.dynamicmcp.config.ProxySettings;
import dev.dynamicmcp.config.ToolFilter;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.JsonRpcPeer;
import dev.dynamicmcp.protocol.McpMethods;
import dev.dynamicmcp.testsupport.FakeScheduler;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** A merged server over fake upstreams (alpha, beta, gamma in config order), for the focused proxy tests. */
final class ProxyFixture {
    static final List<String> ORDER = List.of("alpha", "beta", "gamma");

    final ProxyCoreTest.FakeUpstreams upstreams = new ProxyCoreTest.FakeUpstreams();
    private final AtomicLong ids = new AtomicLong();
    /** The clock of the last core made (the bridge's gather window and input timeout run on it). */
    FakeScheduler scheduler;

    /** Notifications are delivered inline, so a test sees them at once and in order. */
    ProxyCore core(NamespaceMode mode) {
        return core(new ProxySettings("127.0.0.1", 0, mode, "__", null, 1 << 20, 4,
                ProxySettings.DEFAULTS.defaults()));
    }

    /** A core on settings of the test's own (read from a config's text, say); notifications inline. */
    ProxyCore core(ProxySettings settings) {
        scheduler = new FakeScheduler().runTasksInline();
        return new ProxyCore(settings, upstreams, 100, ORDER::indexOf, scheduler);
    }

    static ObjectNode tool(String name) {
        ObjectNode tool = Json.object().put("name", name).put("description", "d " + name);
        tool.putObject("inputSchema").put("type", "object");
        return tool;
    }

    static ServerLists lists(String server, List<ObjectNode> tools) {
        return lists(server, tools, List.of(), List.of(server + "://items/{id}"));
    }

    static ServerLists lists(String server, List<ObjectNode> tools, List<String> resourceUris, List<String> templates) {
        return new ServerLists(server, ToolFilter.ALLOW_ALL, null, tools,
                resourceUris.stream().map(uri -> Json.object().put("uri", uri).put("name", uri)).toList(),
                templates.stream().map(t -> Json.object().put("uriTemplate", t).put("name", "items")).toList(),
                List.of(Json.object().put("name", "greet")));
    }

    ObjectNode request(String method, ObjectNode params) {
        return JsonRpc.request(Json.MAPPER.getNodeFactory().numberNode(ids.incrementAndGet()), method, params);
    }

    /** Opens and initializes a session whose client announces the given capabilities. */
    JsonRpcPeer.Handler open(ProxyCore core, ProxyCoreTest.Client client, String... capabilities) throws Exception {
        JsonRpcPeer.Handler handler = core.opened(client);
        ObjectNode params = Json.object().put("protocolVersion", "2025-06-18");
        ObjectNode announced = params.putObject("capabilities");
        for (String capability : capabilities) {
            announced.putObject(capability);
        }
        params.putObject("clientInfo").put("name", "test-client").put("version", "1");
        handler.onRequest(request(McpMethods.INITIALIZE, params)).get(1, TimeUnit.SECONDS);
        handler.onNotification(JsonRpc.notification(McpMethods.INITIALIZED, null));
        return handler;
    }
}
