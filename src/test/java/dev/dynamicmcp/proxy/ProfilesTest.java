package dev.dynamicmcp.proxy;

import static dev.dynamicmcp.proxy.ProxyFixture.tool;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.config.NamespaceMode;
import dev.dynamicmcp.config.Profile;
import dev.dynamicmcp.config.ProxySettings;
import dev.dynamicmcp.config.ToolFilter;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.JsonRpcPeer;
import dev.dynamicmcp.protocol.McpException;
import dev.dynamicmcp.protocol.McpMethods;
import dev.dynamicmcp.runtime.Failures;
import dev.dynamicmcp.testsupport.FakeScheduler;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Profiles: a session opened on a profile lists, calls and hears only what its profile exposes; a name outside
 * it is unknown (the same answer as a name no server offers); list_changed reaches only the sessions whose
 * profile's view changed; a server outside a profile never sends its requests to that profile's clients.
 */
class ProfilesTest {
    /** alpha: only tools starting with e or a, but no admin tool; beta: everything. */
    private static final Profile READER = new Profile("reader",
            Map.of("alpha", new ToolFilter(List.of("e*", "a*"), List.of("admin_*"))), null);
    private static final Profile BETA_ONLY = new Profile("betaonly", Map.of("beta", ToolFilter.ALLOW_ALL), null);

    private final ProxyFixture fixture = new ProxyFixture();

    private static Map<String, Profile> profiles(Profile... profiles) {
        Map<String, Profile> byName = new LinkedHashMap<>();
        for (Profile profile : profiles) {
            byName.put(profile.name(), profile);
        }
        return byName;
    }

    private static ServerLists lists(String server, String... tools) {
        return new ServerLists(server, ToolFilter.ALLOW_ALL, server + " instructions",
                java.util.Arrays.stream(tools).map(ProxyFixture::tool).toList(),
                List.of(Json.object().put("uri", server + "://readme").put("name", "readme")),
                List.of(Json.object().put("uriTemplate", server + "://items/{id}").put("name", "items")),
                List.of(Json.object().put("name", "greet")));
    }

    /** A core with alpha and beta READY and the two profiles. */
    private ProxyCore core(NamespaceMode mode) {
        ProxyCore core = fixture.core(mode);
        core.updateProfiles(profiles(READER, BETA_ONLY));
        core.serverUpdated(lists("alpha", "echo", "add", "admin_reset", "delete"));
        core.serverUpdated(lists("beta", "echo"));
        return core;
    }

    private JsonNode answer(JsonRpcPeer.Handler handler, String method, ObjectNode params) throws Exception {
        return Json.parse(Json.write(handler.onRequest(fixture.request(method, params)).get(1, TimeUnit.SECONDS)));
    }

    private List<String> names(JsonRpcPeer.Handler handler, String method, String key, String field) throws Exception {
        List<String> names = new java.util.ArrayList<>();
        answer(handler, method, Json.object()).path(key).forEach(item -> names.add(item.path(field).asText()));
        return names;
    }

    private McpException failure(JsonRpcPeer.Handler handler, String method, ObjectNode params) {
        CompletableFuture<JsonNode> answer = handler.onRequest(fixture.request(method, params));
        Throwable failure = Failures.unwrap(catchThrowable(() -> answer.get(1, TimeUnit.SECONDS)));
        assertThat(failure).as(method + " " + params).isInstanceOf(McpException.class);
        return (McpException) failure;
    }

    private static String said(McpException e) {
        return e.code() + " " + e.getMessage();
    }

    private static List<String> methods(ProxyCoreTest.Client client) {
        return client.received.stream().map(m -> m.path("method").asText()).toList();
    }

    @Test
    void everyListShowsOnlyWhatTheProfileExposesAndTheDefaultShowsEverything() throws Exception {
        ProxyCore core = core(NamespaceMode.PREFIX);
        JsonRpcPeer.Handler reader = fixture.open(core, new ProxyCoreTest.Client("r", "reader"));
        JsonRpcPeer.Handler all = fixture.open(core, new ProxyCoreTest.Client("d"));

        assertThat(names(reader, McpMethods.TOOLS_LIST, "tools", "name")).containsExactly("alpha__echo", "alpha__add");
        assertThat(names(reader, McpMethods.PROMPTS_LIST, "prompts", "name")).containsExactly("alpha__greet");
        assertThat(names(reader, McpMethods.RESOURCES_LIST, "resources", "uri")).containsExactly("alpha://readme");
        assertThat(names(reader, McpMethods.RESOURCES_TEMPLATES_LIST, "resourceTemplates", "uriTemplate"))
                .containsExactly("alpha://items/{id}");

        assertThat(names(all, McpMethods.TOOLS_LIST, "tools", "name")).containsExactly("alpha__echo", "alpha__add",
                "alpha__admin_reset", "alpha__delete", "beta__echo");
        assertThat(names(all, McpMethods.PROMPTS_LIST, "prompts", "name")).containsExactly("alpha__greet", "beta__greet");
        assertThat(names(all, McpMethods.RESOURCES_LIST, "resources", "uri"))
                .containsExactly("alpha://readme", "beta://readme");
        assertThat(names(all, McpMethods.RESOURCES_TEMPLATES_LIST, "resourceTemplates", "uriTemplate"))
                .containsExactly("alpha://items/{id}", "beta://items/{id}");
        assertThat(core.catalog("reader").tools()).hasSize(2);
        assertThat(core.catalog(null).tools()).hasSize(5);
    }

    @Test
    void theInstructionsNameOnlyTheProfilesServers() throws Exception {
        ProxyCore core = core(NamespaceMode.PREFIX);
        ProxyCoreTest.Client client = new ProxyCoreTest.Client("r", "reader");
        JsonRpcPeer.Handler handler = core.opened(client);

        String instructions = handler.onRequest(fixture.request(McpMethods.INITIALIZE,
                Json.object().put("protocolVersion", "2025-06-18"))).get(1, TimeUnit.SECONDS)
                .path("instructions").asText();

        assertThat(instructions).contains("## alpha", "alpha instructions").doesNotContain("beta");
    }

    @Test
    void everyCallOutsideTheProfileIsAnsweredAsForANameNoServerOffers() throws Exception {
        ProxyCore core = core(NamespaceMode.PREFIX);
        JsonRpcPeer.Handler reader = fixture.open(core, new ProxyCoreTest.Client("r", "reader"));

        assertThat(said(failure(reader, McpMethods.TOOLS_CALL, Json.object().put("name", "beta__echo"))))
                .isEqualTo(JsonRpc.INVALID_PARAMS + " Unknown tool: beta__echo");
        assertThat(said(failure(reader, McpMethods.TOOLS_CALL, Json.object().put("name", "alpha__admin_reset"))))
                .isEqualTo(JsonRpc.INVALID_PARAMS + " Unknown tool: alpha__admin_reset");
        assertThat(said(failure(reader, McpMethods.TOOLS_CALL, Json.object().put("name", "alpha__delete"))))
                .isEqualTo(JsonRpc.INVALID_PARAMS + " Unknown tool: alpha__delete");
        assertThat(said(failure(reader, McpMethods.TOOLS_CALL, Json.object().put("name", "nobody__x"))))
                .isEqualTo(JsonRpc.INVALID_PARAMS + " Unknown tool: nobody__x");
        assertThat(said(failure(reader, McpMethods.PROMPTS_GET, Json.object().put("name", "beta__greet"))))
                .isEqualTo(JsonRpc.INVALID_PARAMS + " Unknown prompt: beta__greet");
        assertThat(said(failure(reader, McpMethods.RESOURCES_READ, Json.object().put("uri", "beta://readme"))))
                .isEqualTo("-32002 Resource not found: beta://readme (no server behind the proxy offers it)");
        assertThat(said(failure(reader, McpMethods.RESOURCES_READ, Json.object().put("uri", "beta://items/7"))))
                .isEqualTo("-32002 Resource not found: beta://items/7 (no server behind the proxy offers it)");
        assertThat(said(failure(reader, McpMethods.RESOURCES_SUBSCRIBE, Json.object().put("uri", "beta://readme"))))
                .isEqualTo("-32002 Resource not found: beta://readme (no server behind the proxy offers it)");
        ObjectNode promptRef = Json.object();
        promptRef.putObject("ref").put("type", "ref/prompt").put("name", "beta__greet");
        promptRef.putObject("argument").put("name", "n").put("value", "");
        assertThat(said(failure(reader, McpMethods.COMPLETION_COMPLETE, promptRef)))
                .isEqualTo(JsonRpc.INVALID_PARAMS + " Unknown prompt: beta__greet");
        ObjectNode resourceRef = Json.object();
        resourceRef.putObject("ref").put("type", "ref/resource").put("uri", "beta://items/{id}");
        resourceRef.putObject("argument").put("name", "id").put("value", "");
        assertThat(said(failure(reader, McpMethods.COMPLETION_COMPLETE, resourceRef))).isEqualTo(
                JsonRpc.INVALID_PARAMS + " no server behind the proxy offers resource beta://items/{id}");
        assertThat(fixture.upstreams.calls).as("nothing outside the profile reached a server").isEmpty();

        // inside the profile, each kind goes through
        reader.onRequest(fixture.request(McpMethods.TOOLS_CALL, Json.object().put("name", "alpha__echo")));
        reader.onRequest(fixture.request(McpMethods.PROMPTS_GET, Json.object().put("name", "alpha__greet")));
        reader.onRequest(fixture.request(McpMethods.RESOURCES_READ, Json.object().put("uri", "alpha://items/7")));
        assertThat(fixture.upstreams.calls).extracting(c -> c.server() + " " + c.method() + " " + c.params())
                .containsExactly("alpha tools/call {\"name\":\"echo\"}", "alpha prompts/get {\"name\":\"greet\"}",
                        "alpha resources/read {\"uri\":\"alpha://items/7\"}");
    }

    @Test
    void theDefaultSessionStillReachesEverything() throws Exception {
        ProxyCore core = core(NamespaceMode.PREFIX);
        JsonRpcPeer.Handler all = fixture.open(core, new ProxyCoreTest.Client("d"));

        all.onRequest(fixture.request(McpMethods.TOOLS_CALL, Json.object().put("name", "beta__echo")));
        all.onRequest(fixture.request(McpMethods.TOOLS_CALL, Json.object().put("name", "alpha__admin_reset")));
        all.onRequest(fixture.request(McpMethods.RESOURCES_READ, Json.object().put("uri", "beta://readme")));

        assertThat(fixture.upstreams.calls).extracting(c -> c.server() + " " + c.method())
                .containsExactly("beta tools/call", "alpha tools/call", "beta resources/read");
    }

    @Test
    void aDownServerOutsideTheProfileIsUnknownToItNotDown() throws Exception {
        ProxyCore core = core(NamespaceMode.PREFIX);
        JsonRpcPeer.Handler reader = fixture.open(core, new ProxyCoreTest.Client("r", "reader"));
        JsonRpcPeer.Handler all = fixture.open(core, new ProxyCoreTest.Client("d"));
        fixture.upstreams.ready.remove("beta");
        fixture.upstreams.unavailableReasons.put("beta", "server \"beta\" is UNHEALTHY since 10:00 (last error: exit 1)");
        core.serverGone("beta");

        assertThat(said(failure(reader, McpMethods.PROMPTS_GET, Json.object().put("name", "beta__greet"))))
                .isEqualTo(JsonRpc.INVALID_PARAMS + " Unknown prompt: beta__greet");
        assertThat(said(failure(all, McpMethods.PROMPTS_GET, Json.object().put("name", "beta__greet"))))
                .isEqualTo(JsonRpc.SERVER_UNAVAILABLE + " server \"beta\" is UNHEALTHY since 10:00 (last error: exit 1)");
    }

    @Test
    void aNameHiddenByACollisionOutsideTheProfileIsTheProfilesOwn() throws Exception {
        ProxyCore core = core(NamespaceMode.NONE); // alpha and beta both have "echo"; alpha wins in the default view
        JsonRpcPeer.Handler betaOnly = fixture.open(core, new ProxyCoreTest.Client("b", "betaonly"));
        JsonRpcPeer.Handler all = fixture.open(core, new ProxyCoreTest.Client("d"));

        assertThat(names(betaOnly, McpMethods.TOOLS_LIST, "tools", "name")).containsExactly("echo");
        betaOnly.onRequest(fixture.request(McpMethods.TOOLS_CALL, Json.object().put("name", "echo")));
        all.onRequest(fixture.request(McpMethods.TOOLS_CALL, Json.object().put("name", "echo")));

        assertThat(fixture.upstreams.calls).extracting(ProxyCoreTest.Call::server).containsExactly("beta", "alpha");
    }

    @Test
    void listChangedGoesOnlyToTheSessionsWhoseProfilesViewChanged() throws Exception {
        ProxyCore core = core(NamespaceMode.PREFIX);
        ProxyCoreTest.Client reader = new ProxyCoreTest.Client("r", "reader");
        ProxyCoreTest.Client betaOnly = new ProxyCoreTest.Client("b", "betaonly");
        ProxyCoreTest.Client all = new ProxyCoreTest.Client("d");
        fixture.open(core, reader);
        fixture.open(core, betaOnly);
        fixture.open(core, all);

        core.serverUpdated(lists("beta", "echo", "sum")); // beta's new tool: not the reader's business
        assertThat(methods(betaOnly)).containsExactly(McpMethods.TOOLS_LIST_CHANGED);
        assertThat(methods(all)).containsExactly(McpMethods.TOOLS_LIST_CHANGED);
        assertThat(reader.received).isEmpty();

        core.serverUpdated(lists("alpha", "echo", "add", "admin_reset", "delete", "admin_wipe")); // denied to reader
        assertThat(methods(all)).containsExactly(McpMethods.TOOLS_LIST_CHANGED, McpMethods.TOOLS_LIST_CHANGED);
        assertThat(reader.received).isEmpty();
        assertThat(methods(betaOnly)).containsExactly(McpMethods.TOOLS_LIST_CHANGED);

        core.serverUpdated(lists("alpha", "echo", "add", "admin_reset", "delete", "admin_wipe", "explain"));
        assertThat(methods(reader)).containsExactly(McpMethods.TOOLS_LIST_CHANGED);
        assertThat(methods(betaOnly)).containsExactly(McpMethods.TOOLS_LIST_CHANGED);
    }

    @Test
    void aServersOwnRequestsNeverReachAClientWhoseProfileDoesNotExposeIt() throws Exception {
        ProxyCore core = core(NamespaceMode.PREFIX);
        ProxyCoreTest.Client betaOnly = new ProxyCoreTest.Client("b", "betaonly");
        ProxyCoreTest.Client reader = new ProxyCoreTest.Client("r", "reader");
        fixture.open(core, betaOnly, "roots", "sampling");
        JsonRpcPeer.Handler readerHandler = fixture.open(core, reader, "roots", "sampling"); // the newest

        // with no call running: the newest client with the capability whose profile exposes the server
        core.upstreamRequest("beta", JsonRpc.request(Json.MAPPER.getNodeFactory().textNode("up-1"),
                McpMethods.ROOTS_LIST, Json.object()), null);
        assertThat(betaOnly.withMethod(McpMethods.ROOTS_LIST)).hasSize(1);
        assertThat(reader.withMethod(McpMethods.ROOTS_LIST)).isEmpty();

        // a reader call running on alpha: alpha's sampling goes to it; beta's never does
        readerHandler.onRequest(fixture.request(McpMethods.TOOLS_CALL, Json.object().put("name", "alpha__echo")));
        core.upstreamRequest("alpha", JsonRpc.request(Json.MAPPER.getNodeFactory().textNode("up-2"),
                McpMethods.SAMPLING_CREATE_MESSAGE, Json.object()), null);
        core.upstreamRequest("beta", JsonRpc.request(Json.MAPPER.getNodeFactory().textNode("up-3"),
                McpMethods.SAMPLING_CREATE_MESSAGE, Json.object()), null);
        assertThat(reader.withMethod(McpMethods.SAMPLING_CREATE_MESSAGE)).hasSize(1);
        assertThat(betaOnly.withMethod(McpMethods.SAMPLING_CREATE_MESSAGE)).hasSize(1);

        // a gamma request, exposed by no profile and with only profile clients open: nobody to send it to
        CompletableFuture<JsonNode> gamma = core.upstreamRequest("gamma", JsonRpc.request(
                Json.MAPPER.getNodeFactory().textNode("up-4"), McpMethods.ROOTS_LIST, Json.object()), null);
        assertThat(Failures.unwrap(catchThrowable(() -> gamma.get(1, TimeUnit.SECONDS))))
                .hasMessage("the proxy has no client session to send roots/list from server \"gamma\" to");
        // an isolated upstream session of the reader's, for a server its profile does not expose
        CompletableFuture<JsonNode> isolated = core.isolatedUpstreamRequest("r", "beta", JsonRpc.request(
                Json.MAPPER.getNodeFactory().textNode("up-5"), McpMethods.ROOTS_LIST, Json.object()));
        assertThat(Failures.unwrap(catchThrowable(() -> isolated.get(1, TimeUnit.SECONDS))))
                .hasMessage("the proxy has no client session to send roots/list from server \"beta\" to");
        assertThat(reader.withMethod(McpMethods.ROOTS_LIST)).isEmpty();
    }

    @Test
    void aServersNotificationsReachOnlyTheProfilesThatExposeIt() throws Exception {
        ProxyCore core = core(NamespaceMode.PREFIX);
        ProxyCoreTest.Client reader = new ProxyCoreTest.Client("r", "reader");
        ProxyCoreTest.Client all = new ProxyCoreTest.Client("d");
        fixture.open(core, reader);
        fixture.open(core, all);

        core.upstreamNotification("beta", JsonRpc.notification(McpMethods.LOGGING_MESSAGE,
                Json.object().put("level", "error").put("data", "beta secret")));
        core.upstreamNotification("beta", JsonRpc.notification("notifications/custom", Json.object()));
        core.isolatedUpstreamNotification("r", "beta", JsonRpc.notification("notifications/custom", Json.object()));
        core.upstreamNotification("alpha", JsonRpc.notification(McpMethods.LOGGING_MESSAGE,
                Json.object().put("level", "error").put("data", "alpha news")));

        assertThat(methods(all)).containsExactly(McpMethods.LOGGING_MESSAGE, "notifications/custom",
                McpMethods.LOGGING_MESSAGE);
        assertThat(reader.received).singleElement().satisfies(m ->
                assertThat(m.path("params").path("data").asText()).isEqualTo("alpha news"));
    }

    @Test
    void aClientsRootsChangeIsPassedOnlyToTheServersOfItsProfile() throws Exception {
        ProxyCore core = core(NamespaceMode.PREFIX);
        JsonRpcPeer.Handler reader = fixture.open(core, new ProxyCoreTest.Client("r", "reader"), "roots");
        JsonRpcPeer.Handler all = fixture.open(core, new ProxyCoreTest.Client("d"), "roots");

        reader.onNotification(JsonRpc.notification(McpMethods.ROOTS_LIST_CHANGED, null));
        assertThat(fixture.upstreams.notified).containsExactly("alpha " + McpMethods.ROOTS_LIST_CHANGED);
        all.onNotification(JsonRpc.notification(McpMethods.ROOTS_LIST_CHANGED, null));
        assertThat(fixture.upstreams.notified).containsExactly("alpha " + McpMethods.ROOTS_LIST_CHANGED,
                "alpha " + McpMethods.ROOTS_LIST_CHANGED, "beta " + McpMethods.ROOTS_LIST_CHANGED);
    }

    @Test
    void theProfileSetIsReplacedLive() throws Exception {
        ProxyCore core = core(NamespaceMode.PREFIX);
        ProxyCoreTest.Client reader = new ProxyCoreTest.Client("r", "reader");
        ProxyCoreTest.Client betaOnly = new ProxyCoreTest.Client("b", "betaonly");
        ProxyCoreTest.Client all = new ProxyCoreTest.Client("d");
        JsonRpcPeer.Handler readerHandler = fixture.open(core, reader);
        fixture.open(core, betaOnly);
        fixture.open(core, all);
        ProfileView before = core.catalogs().view("reader");
        assertThat(core.catalogs().view("reader")).as("looked up, not built per request").isSameAs(before);

        Profile widened = new Profile("reader", Map.of("alpha", READER.tools("alpha"), "beta", ToolFilter.ALLOW_ALL), null);
        core.updateProfiles(profiles(widened, BETA_ONLY));

        assertThat(methods(reader)).containsExactly(McpMethods.TOOLS_LIST_CHANGED, McpMethods.PROMPTS_LIST_CHANGED,
                McpMethods.RESOURCES_LIST_CHANGED);
        assertThat(betaOnly.received).isEmpty();
        assertThat(all.received).isEmpty();
        assertThat(names(readerHandler, McpMethods.TOOLS_LIST, "tools", "name"))
                .containsExactly("alpha__echo", "alpha__add", "beta__echo");
        readerHandler.onRequest(fixture.request(McpMethods.TOOLS_CALL, Json.object().put("name", "beta__echo")));
        assertThat(fixture.upstreams.calls).extracting(ProxyCoreTest.Call::server).containsExactly("beta");
        assertThat(core.profiles()).containsExactly(Map.entry("reader", widened), Map.entry("betaonly", BETA_ONLY));

        // removing a profile closes its sessions; nobody else hears anything
        Profile writer = new Profile("writer", Map.of("beta", ToolFilter.ALLOW_ALL), null);
        core.updateProfiles(profiles(writer, widened));
        assertThat(betaOnly.closed).isTrue();
        assertThat(reader.closed).isFalse();
        assertThat(all.closed).isFalse();
        assertThat(methods(reader)).hasSize(3);
        assertThat(all.received).isEmpty();
        assertThat(core.hasProfile("betaonly")).isFalse();
        assertThat(core.hasProfile("writer")).isTrue();
        assertThat(core.profiles().keySet()).containsExactly("writer", "reader");
        // until its transport reports it closed, the removed profile's session sees nothing
        assertThat(core.catalogs().view("betaonly").catalog().tools()).isEmpty();
        assertThat(core.catalogs().view("betaonly").exposes("beta")).isFalse();

        core.updateProfiles(Map.of());
        assertThat(reader.closed).isTrue();
        assertThat(all.closed).isFalse();
        assertThat(core.profiles()).isEmpty();
    }

    @Test
    void aSessionOpenedOnAProfileThatDoesNotExistIsClosedAndSeesNothing() throws Exception {
        ProxyCore core = core(NamespaceMode.PREFIX);
        ProxyCoreTest.Client stray = new ProxyCoreTest.Client("s", "nosuch");

        JsonRpcPeer.Handler handler = core.opened(stray);

        assertThat(stray.closed).isTrue();
        assertThat(answer(handler, McpMethods.TOOLS_LIST, Json.object()).path("tools")).isEmpty();
        assertThat(said(failure(handler, McpMethods.TOOLS_CALL, Json.object().put("name", "alpha__echo"))))
                .isEqualTo(JsonRpc.INVALID_PARAMS + " Unknown tool: alpha__echo");
    }

    @Test
    void theProfilesGivenAtConstructionAreServedFromTheStart() throws Exception {
        ProxySettings settings = new ProxySettings("127.0.0.1", 0, NamespaceMode.PREFIX, "__", null, 1 << 20, 4,
                ProxySettings.DEFAULTS.defaults());
        ProxyCore core = new ProxyCore(settings, fixture.upstreams, 100, ProxyFixture.ORDER::indexOf,
                new FakeScheduler().runTasksInline(), profiles(BETA_ONLY));
        core.serverUpdated(lists("alpha", "echo"));
        core.serverUpdated(lists("beta", "sum"));

        JsonRpcPeer.Handler betaOnly = fixture.open(core, new ProxyCoreTest.Client("b", "betaonly"));

        assertThat(core.profiles().keySet()).containsExactly("betaonly");
        assertThat(names(betaOnly, McpMethods.TOOLS_LIST, "tools", "name")).containsExactly("beta__sum");
    }
}
