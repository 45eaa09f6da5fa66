package dev.dynamicmcp.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
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
    public static Server startHttp() {
        int port = Peers.freePort();
        ProcessBuilder builder = new ProcessBuilder(Peers.node22().toString(), fixture().toString())
                .directory(Peers.dir().toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("PORT", Integer.toString(port));
        try {
            Server server = new Server(builder.start(), URI.create("http://127.0.0.1:" + port + "/mcp"));
            server.awaitListening(port, Duration.ofSeconds(30));
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public record Server(Process process, URI url) implements AutoCloseable {
        void awaitListening(int port, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("modern fixture exited with " + process.exitValue());
                }
                try (Socket ignored = new Socket("127.0.0.1", port)) {
                    return;
                } catch (IOException notYet) {
                    try {
                        Thread.sleep(50); // polling a port that has no event to wait on
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException(e);
                    }
                }
            }
            close();
            throw new IllegalStateException("modern fixture did not listen on port " + port + " within " + timeout);
        }

        @Override
        public void close() {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
