package dev.dynamicmcp.conformance;

import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.DefaultServerTransportSecurityValidator;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An MCP server written with the official MCP Java SDK that implements everything the conformance
 * suite's active server scenarios call (see {@link FixtureFeatures}).
 *
 * <p>Over Streamable HTTP: {@code try (var fixture = ConformanceFixtureServer.start()) { fixture.url() }}
 * serves {@code http://127.0.0.1:<free port>/mcp}, with the SDK's Host/Origin validation so that DNS
 * rebinding attempts get a 403. Over stdio: {@code java -cp <test classpath>
 * dev.dynamicmcp.conformance.ConformanceFixtureServer --stdio} (logs go to stderr; exits when stdin closes).
 */
public final class ConformanceFixtureServer implements AutoCloseable {
    public static final String ENDPOINT = "/mcp";

    private static final Logger LOG = LoggerFactory.getLogger(ConformanceFixtureServer.class);
    private static final List<String> LOOPBACK_HOSTS = List.of("127.0.0.1", "localhost", "[::1]");

    enum State { STARTED, CLOSED }

    private final ReentrantLock lock = new ReentrantLock();
    private final Server jetty;
    private final McpSyncServer mcp;
    private final URI url;
    private State state = State.STARTED; // guarded by lock

    private ConformanceFixtureServer(Server jetty, McpSyncServer mcp, URI url) {
        this.jetty = jetty;
        this.mcp = mcp;
        this.url = url;
    }

    /** Starts the fixture over Streamable HTTP on 127.0.0.1 and a free port. */
    public static ConformanceFixtureServer start() {
        McpJsonMapper json = McpJsonDefaults.getMapper();
        DefaultServerTransportSecurityValidator loopbackOnly = DefaultServerTransportSecurityValidator.builder()
                .allowedHosts(LOOPBACK_HOSTS.stream().flatMap(host -> Stream.of(host, host + ":*"))
                        .toList())
                .allowedOrigins(LOOPBACK_HOSTS.stream().map(host -> "http://" + host + ":*").toList())
                .build();
        HttpServletStreamableServerTransportProvider transport = HttpServletStreamableServerTransportProvider.builder()
                .jsonMapper(json)
                .mcpEndpoint(ENDPOINT)
                .httpHeaderValidator(loopbackOnly)
                .build();
        java.util.concurrent.atomic.AtomicReference<McpSyncServer> self = new java.util.concurrent.atomic.AtomicReference<>();
        McpSyncServer mcp = FixtureFeatures.register(McpServer.sync(transport).jsonMapper(json), self).build();
        self.set(mcp);

        Server jetty = new Server();
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        jetty.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        ServletHolder servlet = new ServletHolder(transport);
        servlet.setAsyncSupported(true); // the SDK answers on SSE streams with async servlet I/O
        context.addServlet(servlet, "/*");
        jetty.setHandler(context);
        try {
            jetty.start();
        } catch (Exception e) {
            mcp.close();
            stopQuietly(jetty);
            throw new IllegalStateException("conformance fixture could not start Jetty", e);
        }
        URI url = URI.create("http://127.0.0.1:" + connector.getLocalPort() + ENDPOINT);
        LOG.info("conformance fixture STARTED at {}", url);
        return new ConformanceFixtureServer(jetty, mcp, url);
    }

    public URI url() {
        return url;
    }

    /**
     * The command line that runs the fixture over stdio in a child JVM with this JVM's classpath (under
     * Surefire that is its manifest-only booter jar, which carries the whole test classpath).
     */
    public static List<String> stdioCommand() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return List.of(java, "-cp", System.getProperty("java.class.path"),
                ConformanceFixtureServer.class.getName(), "--stdio");
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (state == State.CLOSED) {
                return;
            }
            state = State.CLOSED;
        } finally {
            lock.unlock();
        }
        // Close the MCP sessions first so open SSE streams end cleanly, then the HTTP server.
        mcp.close();
        stopQuietly(jetty);
        LOG.info("conformance fixture CLOSED at {}", url);
    }

    private static void stopQuietly(Server jetty) {
        try {
            jetty.stop();
        } catch (Exception e) {
            LOG.warn("conformance fixture: Jetty did not stop cleanly", e);
        }
    }

    /**
     * {@code --stdio}: serves one MCP session on stdin/stdout until stdin closes. {@code --http}: serves
     * over Streamable HTTP, prints the URL on stdout and runs until killed.
     */
    public static void main(String[] args) throws InterruptedException {
        String mode = args.length == 0 ? "--stdio" : args[0];
        switch (mode) {
            case "--stdio" -> serveStdio();
            case "--http" -> {
                ConformanceFixtureServer fixture = start();
                Runtime.getRuntime().addShutdownHook(new Thread(fixture::close, "fixture-shutdown"));
                System.out.println(fixture.url());
                System.out.flush();
                new CountDownLatch(1).await();
            }
            default -> {
                System.err.println("usage: ConformanceFixtureServer [--stdio | --http]");
                System.exit(2);
            }
        }
    }

    private static void serveStdio() throws InterruptedException {
        // stdout is the MCP channel: whatever else prints goes to stderr instead.
        OutputStream protocolOut = new FileOutputStream(FileDescriptor.out);
        System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true));
        CountDownLatch stdinClosed = new CountDownLatch(1);
        InputStream protocolIn = new EndOfInputSignal(new FileInputStream(FileDescriptor.in), stdinClosed);

        McpJsonMapper json = McpJsonDefaults.getMapper();
        StdioServerTransportProvider transport = new StdioServerTransportProvider(json, protocolIn, protocolOut);
        java.util.concurrent.atomic.AtomicReference<McpSyncServer> self = new java.util.concurrent.atomic.AtomicReference<>();
        McpSyncServer mcp = FixtureFeatures.register(McpServer.sync(transport).jsonMapper(json), self).build();
        self.set(mcp);
        LOG.info("conformance fixture STARTED on stdio");
        stdinClosed.await();
        LOG.info("conformance fixture CLOSING: stdin reached end of input");
        mcp.closeGracefully();
        System.exit(0); // the SDK's scheduler threads are not all daemons
    }

    /** Counts a latch down the first time the wrapped stream reports end of input (or fails). */
    private static final class EndOfInputSignal extends FilterInputStream {
        private final CountDownLatch ended;

        EndOfInputSignal(InputStream in, CountDownLatch ended) {
            super(in);
            this.ended = ended;
        }

        @Override
        public int read() throws IOException {
            return signal(() -> super.read());
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            return signal(() -> super.read(buffer, offset, length));
        }

        private int signal(IoRead read) throws IOException {
            try {
                int result = read.get();
                if (result < 0) {
                    ended.countDown();
                }
                return result;
            } catch (IOException e) {
                ended.countDown();
                throw e;
            }
        }

        @FunctionalInterface
        private interface IoRead {
            int get() throws IOException;
        }
    }
}
