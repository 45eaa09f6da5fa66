package dev.dynamicmcp.manager;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dynamicmcp.config.Isolation;
import dev.dynamicmcp.config.ProxySettings;
import dev.dynamicmcp.config.ServerConfig;
import dev.dynamicmcp.config.ServerOptions;
import dev.dynamicmcp.config.TransportKind;
import dev.dynamicmcp.testsupport.ModernPeers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The manager with real upstreams of both eras: the revision each speaks, and health checks that fit it. */
class ModernRevisionManagerTest {
    static final ServerOptions OPTIONS = new ServerOptions(Duration.ofSeconds(20), Duration.ofSeconds(10),
            Duration.ZERO, 2, Duration.ofMillis(50), Duration.ofMillis(500), 0.2, 3, Duration.ofMillis(400), 0, false);

    final DefaultClientFactory factory = new DefaultClientFactory();
    ServerManager manager;

    static ServerConfig stdio(String name, String command, List<String> args) {
        return new ServerConfig(name, TransportKind.STDIO, command, args, Map.of(), null, null, null, false,
                Isolation.SHARED, null, OPTIONS);
    }

    static ServerConfig sh(String name, String script) {
        return stdio(name, "sh", List.of(Path.of("src/test/resources/manager", script).toAbsolutePath().toString()));
    }

    ServerManager start(ServerConfig... servers) {
        manager = ServerManager.builder(ProxySettings.DEFAULTS).servers(List.of(servers)).clientFactory(factory).build();
        manager.initialize();
        return manager;
    }

    @AfterEach
    void tearDown() {
        if (manager != null) {
            manager.shutdown(Duration.ofSeconds(5));
        }
        factory.close();
    }

    @Test
    void eachServerShowsTheRevisionItSpeaks() {
        List<String> modern = ModernPeers.stdioCommand();
        start(stdio("modern", modern.get(0), modern.subList(1, modern.size())), sh("legacy", "sh-mcp-server.sh"));
        assertThat(manager.status("modern").state()).isEqualTo(ServerState.READY);
        assertThat(manager.status("modern").revision()).isEqualTo("2026-07-28");
        assertThat(manager.status("legacy").state()).isEqualTo(ServerState.READY);
        assertThat(manager.status("legacy").revision()).isEqualTo("2025-06-18");
        // what the router asks per call, without building a status
        assertThat(manager.revision("modern")).isEqualTo("2026-07-28");
        assertThat(manager.revision("legacy")).isEqualTo("2025-06-18");
        assertThat(manager.revision("unknown")).isNull();
    }

    /** A modern server has no ping (it answers -32601): the check passes only because it asks server/discover. */
    @Test
    void aModernServerIsHealthCheckedWithDiscover() {
        List<String> modern = ModernPeers.stdioCommand();
        start(stdio("modern", modern.get(0), modern.subList(1, modern.size())));
        ServerStatus checked = manager.checkServer("modern");
        assertThat(checked.lastCheck()).isNotNull();
        assertThat(checked.consecutiveErrors()).isZero();
        assertThat(checked.state()).isEqualTo(ServerState.READY);
        assertThat(manager.client("modern").isModern()).isTrue();
    }

    @Test
    void aStdioServerThatExitsOnTheProbeIsStartedAgainAndInitialized() {
        start(sh("picky", "sh-exits-on-probe.sh"));
        ServerStatus status = manager.status("picky");
        assertThat(status.state()).isEqualTo(ServerState.READY);
        assertThat(status.revision()).isEqualTo("2025-06-18");
        assertThat(manager.client("picky").listTools()).hasSize(1);
        assertThat(manager.checkServer("picky").consecutiveErrors()).isZero();
    }
}
