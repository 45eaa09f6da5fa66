package dev.dynamicmcp.testsupport;

import java.nio.file.Path;
import java.util.List;

/**
 * The MCP 2026-07-28 test peers: test-peers/fixtures/modern-upstream-server.mjs on
 * {@code @modelcontextprotocol/server} 2.4.0, over Streamable HTTP or stdio. Run with Node 22.
 */
public final class ModernPeers {
    private ModernPeers() {
    }

    public static Path fixture() {
        return Peers.dir().resolve("fixtures/modern-upstream-server.mjs");
    }

    /** The command line of the fixture over stdio. */
    public static List<String> stdioCommand() {
        return List.of(Peers.node22().toString(), fixture().toString(), "--stdio");
    }

    /** Starts the fixture over Streamable HTTP on a free loopback port; close() kills it. */
    public static Peers.NodeServer startHttp() {
        return Peers.NodeServer.start(List.of(Peers.node22().toString(), fixture().toString()), "/mcp");
    }
}
