package dev.dynamicmcp.proxy;

import static dev.dynamicmcp.proxy.ProxyFixture.lists;
import static dev.dynamicmcp.proxy.ProxyFixture.tool;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dynamicmcp.config.NamespaceMode;
import dev.dynamicmcp.protocol.McpMethods;
import java.util.List;
import org.junit.jupiter.api.Test;

/** list_changed goes to the sessions whose view of a list changed, for the lists that changed, once. */
class ListChangedTest {
    private final ProxyFixture fixture = new ProxyFixture();

    private static List<String> methods(ProxyCoreTest.Client client) {
        return client.received.stream().map(m -> m.path("method").asText()).toList();
    }

    @Test
    void onlyTheListThatChangedIsAnnouncedAndOnlyToInitializedSessions() throws Exception {
        ProxyCore core = fixture.core(NamespaceMode.PREFIX);
        core.serverUpdated(lists("alpha", List.of(tool("echo"))));
        ProxyCoreTest.Client initialized = new ProxyCoreTest.Client("initialized");
        ProxyCoreTest.Client connecting = new ProxyCoreTest.Client("connecting");
        fixture.open(core, initialized);
        core.opened(connecting); // no initialize yet: it will list what is there when it does

        core.serverUpdated(lists("alpha", List.of(tool("echo"), tool("add"))));

        assertThat(methods(initialized)).containsExactly(McpMethods.TOOLS_LIST_CHANGED);
        assertThat(connecting.received).isEmpty();
    }

    @Test
    void aRebuildThatChangesNothingAClientSeesTellsNobody() throws Exception {
        ProxyCore core = fixture.core(NamespaceMode.NONE);
        core.serverUpdated(lists("alpha", List.of(tool("echo")), List.of(), List.of()));
        core.serverUpdated(lists("beta", List.of(tool("echo")), List.of(), List.of()));
        ProxyCoreTest.Client client = new ProxyCoreTest.Client("c");
        fixture.open(core, client);

        core.serverUpdated(lists("alpha", List.of(tool("echo")), List.of(), List.of())); // READY again, same lists
        core.serverUpdated(lists("beta", List.of(tool("echo"), tool("echo")), List.of(), List.of())); // still hidden

        assertThat(client.received).isEmpty();
    }

    @Test
    void aSessionThatAlreadySawTheNewListsIsNotToldAgain() throws Exception {
        ProxyCore core = fixture.core(NamespaceMode.PREFIX);
        core.serverUpdated(lists("alpha", List.of(tool("echo"))));
        CatalogKeeper.Stamps before = core.catalogs().stamps();
        core.serverUpdated(lists("alpha", List.of(tool("echo"), tool("add"))));
        CatalogKeeper.Stamps after = core.catalogs().stamps();
        ProxyCoreTest.Client client = new ProxyCoreTest.Client("late");
        fixture.open(core, client); // initialized after the change: its first tools/list has "add"
        ProxySession session = core.sessions().get("late").orElseThrow();

        // a rebuild's delivery that reaches this session late, or two rebuilds delivered out of order
        assertThat(session.listsChanged(after)).isFalse();
        assertThat(session.listsChanged(before)).isFalse();
        assertThat(client.received).isEmpty();

        core.serverGone("alpha");
        assertThat(methods(client)).containsExactly(McpMethods.TOOLS_LIST_CHANGED, McpMethods.PROMPTS_LIST_CHANGED,
                McpMethods.RESOURCES_LIST_CHANGED);
        assertThat(session.listsChanged(core.catalogs().stamps())).isFalse();
    }

    @Test
    void stampsNameTheKindsThatMovedOn() {
        CatalogKeeper.Stamps seen = new CatalogKeeper.Stamps(3, 1, 2);

        assertThat(new CatalogKeeper.Stamps(3, 1, 2).changedSince(seen)).isEmpty();
        assertThat(new CatalogKeeper.Stamps(4, 1, 5).changedSince(seen))
                .containsExactly(McpMethods.TOOLS_LIST_CHANGED, McpMethods.RESOURCES_LIST_CHANGED);
        assertThat(new CatalogKeeper.Stamps(2, 1, 9).max(seen)).isEqualTo(new CatalogKeeper.Stamps(3, 1, 9));
    }
}
