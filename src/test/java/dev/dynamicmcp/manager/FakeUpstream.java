package dev.dynamicmcp.manager;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.client.McpClient;
import dev.dynamicmcp.config.ServerConfig;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.McpMethods;
import dev.dynamicmcp.transport.Transport;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * In-memory upstream MCP servers for manager tests: a {@link ClientFactory} whose transports answer
 * initialize, ping, tools/list and tools/call themselves, with knobs to refuse connects, fail pings, hang
 * calls and die.
 */
final class FakeUpstream implements ClientFactory {
    /** Per-server knobs; tests flip them while the manager runs. */
    static final class Knobs {
        final AtomicInteger failConnects = new AtomicInteger();
        final AtomicBoolean refuseConnects = new AtomicBoolean();
        /** Connects fail as an OAuth upstream's do until a person signs in. */
        final AtomicBoolean needsSignIn = new AtomicBoolean();
        final AtomicBoolean failPings = new AtomicBoolean();
        /** Pings are answered with an error at once (a failed ping that costs no real time). */
        final AtomicBoolean rejectPings = new AtomicBoolean();
        final AtomicBoolean hangCalls = new AtomicBoolean();
        volatile Duration connectDelay = Duration.ZERO;
        /** When set, each connect counts down and waits until the gate is open: only parallel connects get through. */
        volatile java.util.concurrent.CountDownLatch connectGate;
        volatile int tools = 2;
    }

    final Map<String, Knobs> knobs = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> connects = new ConcurrentHashMap<>();
    final List<FakeTransport> transports = new CopyOnWriteArrayList<>();
    /** The isolation key of each connect, in order (null for a shared connection). */
    final List<String> isolationKeys = java.util.Collections.synchronizedList(new java.util.ArrayList<>());

    Knobs knobs(String server) {
        return knobs.computeIfAbsent(server, s -> new Knobs());
    }

    int connects(String server) {
        return connects.computeIfAbsent(server, s -> new AtomicInteger()).get();
    }

    /** The newest transport of the server. */
    FakeTransport current(String server) {
        for (int i = transports.size() - 1; i >= 0; i--) {
            if (transports.get(i).server.equals(server)) {
                return transports.get(i);
            }
        }
        throw new AssertionError("no transport for " + server);
    }

    @Override
    public McpClient connect(ServerConfig config, String isolationKey) throws IOException {
        Knobs k = knobs(config.name());
        connects.computeIfAbsent(config.name(), s -> new AtomicInteger()).incrementAndGet();
        isolationKeys.add(isolationKey);
        java.util.concurrent.CountDownLatch gate = k.connectGate;
        if (gate != null) {
            gate.countDown();
            try {
                if (!gate.await(5, java.util.concurrent.TimeUnit.SECONDS)) {
                    throw new IOException("fake \"" + config.name() + "\": the other connects never arrived");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
        }
        if (!k.connectDelay.isZero()) {
            try {
                Thread.sleep(k.connectDelay); // simulates a slow server start; the test measures parallelism
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
        }
        if (k.needsSignIn.get()) {
            throw new dev.dynamicmcp.transport.UpstreamAuthFailure(config.name(), 401, "initialize",
                    new dev.dynamicmcp.auth.upstream.UpstreamAuth.Outcome(
                            dev.dynamicmcp.auth.upstream.UpstreamAuth.Outcome.Kind.SIGN_IN_REQUIRED,
                            "needs sign-in: open https://idp.example/auth", java.net.URI.create("https://idp.example/auth")));
        }
        if (k.refuseConnects.get() || k.failConnects.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new IOException("connection refused by fake \"" + config.name() + "\"");
        }
        FakeTransport transport = new FakeTransport(config.name(), isolationKey, k);
        transports.add(transport);
        McpClient client = new McpClient(config.name(), transport,
                new McpClient.Options(Json.object().put("name", "test"), Json.object(), config.options().requestTimeout()));
        client.connect(config.options().connectTimeout());
        return client;
    }

    static final class FakeTransport implements Transport {
        final String server;
        final String isolationKey;
        final Knobs knobs;
        final AtomicBoolean closed = new AtomicBoolean();
        final AtomicInteger cancellations = new AtomicInteger();
        final AtomicInteger toolCalls = new AtomicInteger();
        private volatile Listener listener;

        FakeTransport(String server, String isolationKey, Knobs knobs) {
            this.server = server;
            this.isolationKey = isolationKey;
            this.knobs = knobs;
        }

        @Override
        public void start(Listener listener) {
            this.listener = listener;
        }

        @Override
        public void send(ObjectNode message) throws IOException {
            if (closed.get()) {
                throw new IOException("fake \"" + server + "\" is closed");
            }
            String method = JsonRpc.method(message);
            if (McpMethods.CANCELLED.equals(method)) {
                cancellations.incrementAndGet();
                return;
            }
            if (method == null || !message.has("id")) {
                return;
            }
            ObjectNode reply = switch (method) {
                case McpMethods.INITIALIZE -> {
                    ObjectNode result = Json.object().put("protocolVersion", McpMethods.LATEST_PROTOCOL_VERSION);
                    result.putObject("capabilities").putObject("tools");
                    result.putObject("serverInfo").put("name", server).put("version", "1");
                    yield JsonRpc.result(message.get("id"), result);
                }
                case McpMethods.PING -> knobs.failPings.get() ? null : knobs.rejectPings.get()
                        ? JsonRpc.error(message.get("id"), JsonRpc.INTERNAL_ERROR, "ping refused by fake", null)
                        : JsonRpc.result(message.get("id"), Json.object());
                case McpMethods.TOOLS_LIST -> {
                    ObjectNode result = Json.object();
                    ArrayNode tools = result.putArray("tools");
                    for (int i = 0; i < knobs.tools; i++) {
                        tools.addObject().put("name", "tool" + i);
                    }
                    yield JsonRpc.result(message.get("id"), result);
                }
                case McpMethods.TOOLS_CALL -> {
                    toolCalls.incrementAndGet();
                    if (knobs.hangCalls.get()) {
                        yield null;
                    }
                    String name = message.path("params").path("name").asText();
                    yield name.equals("unknown")
                            ? JsonRpc.error(message.get("id"), JsonRpc.INVALID_PARAMS, "unknown tool", null)
                            : JsonRpc.result(message.get("id"), Json.object().put("server", server));
                }
                default -> JsonRpc.error(message.get("id"), JsonRpc.METHOD_NOT_FOUND, method, null);
            };
            if (reply != null) {
                Listener l = listener;
                Thread.ofVirtual().start(() -> l.onMessage(reply));
            }
        }

        /** The upstream dies: the transport reports the loss like a stdio transport whose child exited. */
        void die() {
            if (closed.compareAndSet(false, true)) {
                listener.onClosed(new IOException("fake \"" + server + "\" died"));
            }
        }

        @Override
        public String describe() {
            return "fake: " + server;
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true) && listener != null) {
                listener.onClosed(null);
            }
        }
    }
}
