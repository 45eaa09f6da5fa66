package dev.dynamicmcp.transport.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A keep-alive connection whose answers are written from another thread (as an upstream's reply is) keeps
 * serving requests whether {@link HttpThreads} resumes it with a thread (idle server) or through the selector
 * (busy server), including pipelined requests and a {@code Connection: close}; and the busy path starts no
 * thread per request just to wait for the next one.
 */
class HttpThreadsTest {
    private static final int REQUESTS = 200;

    /** Answers on one platform thread after the handler has returned, like a stdio server's reader. */
    private final ExecutorService answerer = Executors.newSingleThreadExecutor();
    private final LongAdder threadsStarted = new LongAdder();
    private final AtomicInteger running = new AtomicInteger();
    private Server jetty;

    @AfterEach
    void stop() throws Exception {
        if (jetty != null) {
            jetty.stop();
        }
        answerer.shutdownNow();
    }

    @Test
    void aBusyServerResumesKeepAliveConnectionsWithoutAThreadEach() throws Exception {
        int port = start(0); // every completion counts as busy
        long before = threadsStarted.sum();
        try (Connection connection = new Connection(port)) {
            for (int i = 0; i < REQUESTS; i++) {
                connection.send(get("/n" + i, false));
                assertThat(connection.readAnswer()).isEqualTo("answer /n" + i);
            }
        }
        // one thread per request is dispatched by the selector for the request itself; without HttpThreads each
        // answer would start a second one to look for the next request
        assertThat(threadsStarted.sum() - before).isLessThan(REQUESTS + REQUESTS / 4);
    }

    @Test
    void anIdleServerResumesWithAThreadAsJettyDoes() throws Exception {
        int port = start(Integer.MAX_VALUE); // never busy
        long before = threadsStarted.sum();
        try (Connection connection = new Connection(port)) {
            for (int i = 0; i < REQUESTS; i++) {
                connection.send(get("/n" + i, false));
                assertThat(connection.readAnswer()).isEqualTo("answer /n" + i);
            }
        }
        assertThat(threadsStarted.sum() - before).isGreaterThanOrEqualTo(REQUESTS);
    }

    @Test
    void pipelinedRequestsAreAllAnsweredInOrderWhenBusy() throws Exception {
        int port = start(0);
        try (Connection connection = new Connection(port)) {
            connection.send(get("/a", false) + get("/b", false) + get("/c", false));
            assertThat(connection.readAnswer()).isEqualTo("answer /a");
            assertThat(connection.readAnswer()).isEqualTo("answer /b");
            assertThat(connection.readAnswer()).isEqualTo("answer /c");
            connection.send(get("/d", false));
            assertThat(connection.readAnswer()).isEqualTo("answer /d");
        }
    }

    @Test
    void connectionCloseIsHonouredWhenBusy() throws Exception {
        int port = start(0);
        try (Connection connection = new Connection(port)) {
            connection.send(get("/last", true));
            assertThat(connection.readAnswer()).isEqualTo("answer /last");
            assertThat(connection.in.read()).as("the server closed the connection").isEqualTo(-1);
        }
    }

    private int start(int busy) throws Exception {
        HttpThreads threads = new HttpThreads(running::get, busy);
        threads.setVirtualThreadsExecutor(task -> {
            threadsStarted.increment();
            Thread.ofVirtual().start(task);
        });
        jetty = new Server(threads);
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        jetty.addConnector(connector);
        jetty.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                String path = request.getHttpURI().getPath();
                running.incrementAndGet();
                answerer.execute(() -> {
                    running.decrementAndGet();
                    byte[] body = ("answer " + path).getBytes(StandardCharsets.UTF_8);
                    response.getHeaders().put("Content-Type", "text/plain");
                    response.getHeaders().put("Content-Length", body.length);
                    response.write(true, java.nio.ByteBuffer.wrap(body), callback);
                });
                return true;
            }
        });
        jetty.start();
        return connector.getLocalPort();
    }

    private static String get(String path, boolean close) {
        return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + (close ? "Connection: close\r\n" : "") + "\r\n";
    }

    /** One raw HTTP/1.1 connection: requests written as given, answers read by Content-Length. */
    private static final class Connection implements AutoCloseable {
        private final Socket socket = new Socket();
        private final OutputStream out;
        private final BufferedReader in;

        Connection(int port) throws IOException {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(10_000); // a lost resume shows as a timeout here, not a hung test
            out = socket.getOutputStream();
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
        }

        void send(String requests) throws IOException {
            out.write(requests.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        String readAnswer() throws IOException {
            String status = in.readLine();
            assertThat(status).isEqualTo("HTTP/1.1 200 OK");
            int length = -1;
            for (String line = in.readLine(); !line.isEmpty(); line = in.readLine()) {
                if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                    length = Integer.parseInt(line.substring(15).trim());
                }
            }
            char[] body = new char[length];
            int read = 0;
            while (read < length) {
                int n = in.read(body, read, length - read);
                assertThat(n).as("body bytes").isPositive();
                read += n;
            }
            return new String(body);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
