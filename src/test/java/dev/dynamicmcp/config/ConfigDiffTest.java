package dev.dynamicmcp.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A reload restarts exactly the servers whose config changed, and no others. */
class ConfigDiffTest {
    private static ProxyConfig parse(String json) {
        return ConfigLoader.parse(json, Map.of(), Path.of("."));
    }

    @Test
    void addedRemovedAndChangedServersAreListedInConfigOrder() {
        ProxyConfig old = parse("""
                { "mcpServers": { "keep": { "command": "a" }, "gone2": { "command": "b" },
                                  "edit": { "command": "c" }, "gone1": { "command": "d" },
                                  "toggle": { "command": "e" } } }
                """);
        ProxyConfig neu = parse("""
                { "mcpServers": { "new2": { "command": "x" }, "toggle": { "command": "e", "disabled": true },
                                  "keep": { "command": "a" }, "edit": { "command": "c", "args": ["-v"] },
                                  "new1": { "command": "y" } } }
                """);

        ConfigDiff diff = ConfigDiff.between(old, neu);

        assertThat(diff.added()).containsExactly("new2", "new1");
        assertThat(diff.removed()).containsExactly("gone2", "gone1");
        assertThat(diff.changed()).extracting(ServerConfig::name).containsExactly("toggle", "edit");
        assertThat(diff.changed().get(1)).isEqualTo(neu.servers().get("edit"));
        assertThat(diff.proxyChanged()).isFalse();
        assertThat(diff.summary())
                .isEqualTo("added [new2, new1], removed [gone2, gone1], changed [toggle, edit]");
    }

    @Test
    void aChangedProxyDefaultChangesEveryServerThatInheritsIt() {
        ProxyConfig old = parse("{ \"mcpServers\": { \"a\": { \"command\": \"x\" },"
                + " \"b\": { \"command\": \"y\", \"requestTimeout\": \"5s\" } } }");
        ProxyConfig neu = parse("{ \"proxy\": { \"defaults\": { \"requestTimeout\": \"10s\" } },"
                + " \"mcpServers\": { \"a\": { \"command\": \"x\" },"
                + " \"b\": { \"command\": \"y\", \"requestTimeout\": \"5s\" } } }");

        ConfigDiff diff = ConfigDiff.between(old, neu);

        assertThat(diff.proxyChanged()).isTrue();
        assertThat(diff.changed()).extracting(ServerConfig::name).containsExactly("a");
    }

    @Test
    void theSameConfigIsNoChange() {
        String json = "{ \"proxy\": { \"port\": 9000 }, \"mcpServers\": { \"a\": { \"url\": \"http://h/mcp\","
                + " \"headers\": { \"X\": \"1\", \"Y\": \"2\" } } } }";

        ConfigDiff diff = ConfigDiff.between(parse(json), parse(json.replace("\"X\": \"1\", \"Y\": \"2\"",
                "\"Y\": \"2\", \"X\": \"1\"")));

        assertThat(diff.isEmpty()).isTrue();
        assertThat(diff.summary()).isEqualTo("no changes");
    }
}
