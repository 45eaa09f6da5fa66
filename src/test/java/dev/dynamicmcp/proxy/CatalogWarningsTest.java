package dev.dynamicmcp.proxy;

import static dev.dynamicmcp.proxy.ProxyFixture.lists;
import static dev.dynamicmcp.proxy.ProxyFixture.tool;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.dynamicmcp.config.NamespaceMode;
import dev.dynamicmcp.testsupport.LogCapture;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Issue 9 item 13: what a rebuild hides or shortens is said once per cause; templates are de-duplicated. */
class CatalogWarningsTest {
    private final ProxyFixture fixture = new ProxyFixture();
    private LogCapture log;

    @BeforeEach
    void capture() {
        log = LogCapture.of(CatalogKeeper.class); // at INFO: the CLI's --log-level may have quieted the root logger
    }

    @AfterEach
    void release() {
        log.close();
    }

    private List<String> warnings() {
        return log.events().stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage)
                .toList();
    }

    private static List<String> uris(String prefix, int count) {
        return IntStream.range(0, count).mapToObj(i -> prefix + i).toList();
    }

    @Test
    void hiddenResourcesAreOneLinePerServerPairWithACountAndTheFirstExampleLoggedWhenTheSetChanges() {
        ProxyCore core = fixture.core(NamespaceMode.PREFIX);
        core.serverUpdated(lists("alpha", List.of(), uris("file:///shared/", 98), List.of()));
        core.serverUpdated(lists("beta", List.of(), uris("file:///shared/", 98), List.of()));
        core.serverUpdated(lists("gamma", List.of(tool("x")), List.of(), List.of())); // unrelated rebuilds
        core.serverUpdated(lists("gamma", List.of(tool("y")), List.of(), List.of()));

        assertThat(warnings()).containsExactly("98 resources of server \"beta\" are hidden (the first: file:///shared/0):"
                + " server \"alpha\" (earlier in the config) offers the same URIs");

        core.serverUpdated(lists("beta", List.of(), uris("file:///shared/", 99), List.of())); // its 99th is its own
        assertThat(warnings()).hasSize(1);
        core.serverUpdated(lists("alpha", List.of(), uris("file:///shared/", 99), List.of()));
        assertThat(warnings()).hasSize(2).last().asString().startsWith("99 resources of server \"beta\" are hidden");
    }

    @Test
    void hiddenToolsAreSaidOncePerPairAcrossRebuilds() {
        ProxyCore core = fixture.core(NamespaceMode.NONE);
        core.serverUpdated(lists("alpha", List.of(tool("echo"), tool("add")), List.of(), List.of()));
        core.serverUpdated(lists("beta", List.of(tool("echo"), tool("add"), tool("own")), List.of(), List.of()));
        core.serverUpdated(lists("gamma", List.of(tool("echo")), List.of(), List.of()));
        core.serverUpdated(lists("gamma", List.of(tool("echo")), List.of(), List.of()));

        assertThat(warnings()).filteredOn(line -> line.contains("tool")).containsExactly(
                "2 tools of server \"beta\" are hidden (the first: \"echo\"): server \"alpha\" (earlier in the config)"
                        + " offers the same names",
                "tool \"echo\" of server \"gamma\" is hidden: server \"alpha\" (earlier in the config) offers the same name");
    }

    @Test
    void resourceTemplatesAreDeduplicatedByUriTemplateTheFirstServerWinsAndItIsSaidOnce() {
        ProxyCore core = fixture.core(NamespaceMode.PREFIX);
        core.serverUpdated(lists("beta", List.of(), List.of(), List.of("notes://{id}")));
        core.serverUpdated(lists("alpha", List.of(), List.of(), List.of("notes://{id}", "alpha://{x}")));
        core.serverUpdated(lists("gamma", List.of(), List.of(), List.of()));

        assertThat(core.catalog().resourceTemplates()).extracting(t -> t.path("uriTemplate").asText())
                .containsExactly("notes://{id}", "alpha://{x}");
        assertThat(core.catalog().resourceServer("notes://7")).contains("alpha");
        assertThat(warnings()).containsExactly("resource template notes://{id} of server \"beta\" is hidden:"
                + " server \"alpha\" (earlier in the config) offers the same URI");
    }

    @Test
    void theLongNameWarningNamesThePrefixedNameAndTheShortenedOneOnce() {
        String longName = "a_tool_with_a_really_long_descriptive_name_that_goes_on_and_on";
        ProxyCore core = fixture.core(NamespaceMode.PREFIX);
        core.serverUpdated(lists("alpha", List.of(tool(longName))));
        core.serverUpdated(lists("beta", List.of()));

        String exposed = core.catalog().tools().get(0).path("name").asText();
        assertThat(exposed).hasSize(64);
        assertThat(warnings()).containsExactly("tool name \"alpha__" + longName + "\" (server \"alpha\") is longer than"
                + " 64 characters; exposed as \"" + exposed + "\"");
    }
}
