package dev.dynamicmcp.transport.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.JsonRpcPeer;
import dev.dynamicmcp.runtime.Scheduler;
import dev.dynamicmcp.protocol.MalformedMessageException;
import dev.dynamicmcp.protocol.MessageTooLargeException;
import dev.dynamicmcp.protocol.OversizedMessage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy as a stdio MCP server (Claude Desktop starts it as a child): newline-delimited JSON-RPC on an
 * input and an output stream, one session with id {@code "stdio"}. In production the output is
 * {@code System.out}, which must carry nothing but protocol messages: all logging goes to stderr. A line that is
 * not JSON gets a parse error (id null) and reading goes on; end of input closes the session.
 */
public final class StdioServer implements DownstreamSession, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StdioServer.class);

    enum State { NEW, RUNNING, CLOSED }

    private final InputStream in;
    private final OutputStream out;
    private final SessionListener listener;
    private final ReentrantLock writeLock = new ReentrantLock();
    /** The output written by a task of the scheduler, so no producer waits on the pipe; null: written in place. */
    private final StdioOutput queued;
    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final JsonRpcPeer peer;
    private volatile JsonRpcPeer.Handler handler;
    private final String profile;
    private final Scheduler scheduler;
    /** The 2026-07-28 requests on the same lines; null when the listener serves none. */
    private final ModernStdio modern;

    public StdioServer(InputStream in, OutputStream out, SessionListener listener) {
        this(in, out, listener, null, null);
    }

    /**
     * @param profile   the profile this session serves ({@code --stdio --profile NAME}); null: everything
     * @param scheduler runs the reader loop and writes the output (producers never wait on the pipe); null: a
     *                  virtual thread of its own reads, and each producer writes its own lines
     */
    public StdioServer(InputStream in, OutputStream out, SessionListener listener, String profile, Scheduler scheduler) {
        this.profile = profile;
        this.scheduler = scheduler;
        this.in = in;
        this.out = out;
        this.listener = listener;
        this.peer = new JsonRpcPeer("stdio client", this::write, new JsonRpcPeer.Handler() {
            @Override
            public CompletableFuture<JsonNode> onRequest(ObjectNode request) {
                return handler.onRequest(request);
            }

            @Override
            public void onNotification(ObjectNode notification) {
                handler.onNotification(notification);
            }
        });
        this.queued = scheduler == null ? null
                : new StdioOutput(out, scheduler, failure -> close("output failed: " + failure.getMessage()));
        ModernEndpoint endpoint = listener.modern();
        // a profile's view is served to the session revisions only (a modern request would see every server)
        this.modern = endpoint == null || profile != null ? null : new ModernStdio(endpoint, this::reply);
    }

    @Override
    public String id() {
        return "stdio";
    }

    @Override
    public String transport() {
        return "stdio";
    }

    @Override
    public String profile() {
        return profile;
    }

    @Override
    public JsonRpcPeer peer() {
        return peer;
    }

    /** Opens the session and starts reading on a virtual thread; returns at once. */
    public StdioServer start() {
        if (!state.compareAndSet(State.NEW, State.RUNNING)) {
            throw new IllegalStateException("the stdio server was already started");
        }
        handler = listener.opened(this);
        log.info("session stdio: NEW -> RUNNING{}", profile == null ? "" : " (profile " + profile + ")");
        if (scheduler != null) {
            scheduler.startPlatformLoop("stdio-server-reader", this::readLoop); // a pipe read holds a carrier anyway
        } else {
            Thread.ofVirtual().name("stdio-server-reader").start(this::readLoop); // standalone use (demo servers)
        }
        return this;
    }

    /** Completes when the session has ended (end of input, or {@link #close()}). */
    public CompletableFuture<Void> done() {
        return done;
    }

    private void readLoop() {
        String why = "end of input";
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null && state.get() == State.RUNNING) {
                if (!line.isBlank()) {
                    onLine(line);
                }
            }
        } catch (IOException e) {
            why = "input failed: " + e.getMessage();
        }
        close(why);
    }

    private void onLine(String line) {
        JsonNode parsed;
        try {
            parsed = Json.parse(line);
        } catch (MessageTooLargeException e) {
            oversized(OversizedMessage.envelope(line));
            return;
        } catch (MalformedMessageException e) {
            reply(JsonRpc.error(NullNode.getInstance(), JsonRpc.PARSE_ERROR, "parse error: " + e.getMessage(), null));
            return;
        }
        if (modern != null && modern.offer(parsed)) {
            return;
        }
        for (JsonNode node : parsed.isArray() ? parsed : java.util.List.of(parsed)) {
            if (node instanceof ObjectNode message) {
                peer.onMessage(message);
            } else {
                reply(JsonRpc.error(NullNode.getInstance(), JsonRpc.INVALID_REQUEST,
                        "invalid request: a JSON-RPC message must be a JSON object", null));
            }
        }
    }

    /**
     * A line over the string limit: the client's answer to one of our requests fails that request now; anything
     * else is refused under its id when the line's beginning gives it.
     */
    private void oversized(OversizedMessage.Envelope envelope) {
        log.warn("the stdio client sent a message over {} ({}, id {})", OversizedMessage.LIMIT,
                envelope.response() ? "a response" : envelope.method(), envelope.id());
        if (envelope.answersRequest()) {
            peer.onMessage(OversizedMessage.failedAnswer(envelope.id()));
        } else {
            reply(OversizedMessage.refusal(envelope));
        }
    }

    private void reply(ObjectNode message) {
        try {
            write(message);
        } catch (IOException e) {
            log.debug("could not write to the stdio client: {}", e.toString());
        }
    }

    /** One message per line; the lock only orders lines, it guards no other state. */
    private void write(ObjectNode message) throws IOException {
        if (state.get() == State.CLOSED) {
            throw new IOException("the stdio session is closed");
        }
        byte[] bytes = Json.writeBytes(message);
        if (queued != null) {
            queued.write(bytes);
            return;
        }
        writeLock.lock();
        try {
            out.write(bytes);
            out.write('\n');
            out.flush();
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public void close() {
        close("closed by the proxy");
    }

    private void close(String reason) {
        State previous = state.getAndSet(State.CLOSED);
        if (previous == State.CLOSED) {
            return;
        }
        log.info("session stdio: {} -> CLOSED ({})", previous, reason);
        peer.close(new IOException("stdio session closed: " + reason));
        if (modern != null) {
            modern.closed();
        }
        if (previous == State.RUNNING) {
            try {
                listener.closed(this);
            } catch (RuntimeException e) {
                log.warn("the session listener failed on closed(stdio)", e);
            }
        }
        done.complete(null);
    }
}
