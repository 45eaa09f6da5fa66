package dev.dynamicmcp.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running in-process fault server over Streamable HTTP or legacy HTTP+SSE, with the handles a test
 * needs: its URL, counters of what it received, and ways to lose sessions, go down and come back on
 * the same port. Start one with {@link FaultServer#startHttp} or {@link FaultServer#startSse}.
 */
public final class HttpFault implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpFault.class);

    enum Mode {
        STREAMABLE_HTTP, LEGACY_SSE
    }

    /** RUNNING until stopped by the test or by a crash; {@link #restart()} brings it back. */
    public enum Lifecycle {
        RUNNING, CRASHED, STOPPED
    }

    private final Mode mode;
    private final FaultState state;
    private final ReentrantLock lock = new ReentrantLock(); // guards server, executor, lifecycle; not held across stop/start
    private HttpServer server;
    private ExecutorService executor;
    private Lifecycle lifecycle = Lifecycle.STOPPED;
    private int port;

    private HttpFault(FaultServer.Options options, Mode mode) {
        this.mode = mode;
        this.state = new FaultState(options, line -> LOG.info("{}: {}", options.name(), line));
        this.state.onCrash(() -> down(Lifecycle.CRASHED, "crash"));
        this.port = options.port();
    }

    static HttpFault start(FaultServer.Options options, Mode mode) {
        HttpFault fault = new HttpFault(options, mode);
        fault.up("start");
        return fault;
    }

    /** {@code http://127.0.0.1:PORT/mcp}, or {@code .../sse} for a legacy SSE server. */
    public URI url() {
        return URI.create("http://127.0.0.1:" + port() + (mode == Mode.LEGACY_SSE ? FaultLegacySse.SSE_PATH : "/mcp"));
    }

    public int port() {
        lock.lock();
        try {
            return port;
        } finally {
            lock.unlock();
        }
    }

    public Lifecycle lifecycle() {
        lock.lock();
        try {
            return lifecycle;
        } finally {
            lock.unlock();
        }
    }

    /** Every session existing now is unknown from here on (404), as after a server restart; their streams end. */
    public void forgetSessions() {
        List<FaultSession> forgotten = state.removeAll();
        LOG.info("{}: forgetting {} sessions", state.options.name(), forgotten.size());
        forgotten.forEach(FaultSession::close);
    }

    /** Goes down: the port closes, connections drop, sessions are forgotten. */
    public void stop() {
        down(Lifecycle.STOPPED, "stop()");
    }

    /** Stops if running and listens again on the same port, with no sessions; the counters carry on. */
    public void restart() {
        down(Lifecycle.STOPPED, "restart()");
        up("restart()");
    }

    @Override
    public void close() {
        stop();
    }

    /** initialize requests answered (or rejected by the knob: then see {@code requestCount("initialize")}). */
    public int initializeCount() {
        return state.initializeCount();
    }

    /** Requests and notifications received with this method, across sessions and restarts. */
    public int requestCount(String method) {
        return state.messageCount(method);
    }

    /** The request ids named by notifications/cancelled, in order of arrival. */
    public List<JsonNode> cancelledIds() {
        return state.cancelledIds();
    }

    /** Session ids the client ended with DELETE. */
    public List<String> deletedSessions() {
        return state.deletedSessions();
    }

    /** Session ids the server knows now. */
    public List<String> sessionIds() {
        return state.sessionIds();
    }

    private void up(String reason) {
        HttpServer newServer;
        ExecutorService newExecutor = Executors.newVirtualThreadPerTaskExecutor();
        try {
            newServer = bind(port());
        } catch (IOException e) {
            newExecutor.shutdown();
            throw new UncheckedIOException("fault server could not listen on port " + port(), e);
        }
        newServer.setExecutor(newExecutor);
        if (mode == Mode.LEGACY_SSE) {
            FaultLegacySse sse = new FaultLegacySse(state);
            newServer.createContext(FaultLegacySse.SSE_PATH, sse::handleSse);
            newServer.createContext(FaultLegacySse.MESSAGES_PATH, sse::handleMessages);
        } else {
            newServer.createContext("/mcp", new FaultStreamableHttp(state));
        }
        newServer.start();
        Lifecycle previous;
        lock.lock();
        try {
            previous = lifecycle;
            server = newServer;
            executor = newExecutor;
            port = newServer.getAddress().getPort();
            lifecycle = Lifecycle.RUNNING;
        } finally {
            lock.unlock();
        }
        LOG.info("{}: {} -> RUNNING ({}) at {}", state.options.name(), previous, reason, url());
    }

    /** Binds, retrying briefly: right after a stop the old socket may still hold the port. */
    private static HttpServer bind(int port) throws IOException {
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (true) {
            try {
                return HttpServer.create(address, 64);
            } catch (BindException e) {
                if (port == 0 || System.nanoTime() > deadline) {
                    throw e;
                }
                try {
                    Thread.sleep(20); // waiting for the kernel to release the port; nothing to wait on
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private void down(Lifecycle to, String reason) {
        HttpServer oldServer;
        ExecutorService oldExecutor;
        Lifecycle previous;
        lock.lock();
        try {
            previous = lifecycle;
            oldServer = server;
            oldExecutor = executor;
            server = null;
            executor = null;
            if (lifecycle == Lifecycle.RUNNING) {
                lifecycle = to;
            }
        } finally {
            lock.unlock();
        }
        if (oldServer == null) {
            return;
        }
        LOG.info("{}: {} -> {} ({})", state.options.name(), previous, to, reason);
        // Sessions first: their hanging requests and open streams release the handler threads.
        forgetSessions();
        oldServer.stop(0);
        oldExecutor.shutdown();
    }
}
