package dev.dynamicmcp.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.testsupport.Peers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@link ConformanceClientWrapper} served from the test's own JVM: the runner still starts its {@code --command}
 * per scenario, but src/test/scripts/conformance-client-wrapper.sh, given {@code CONFORMANCE_DRIVER}, only
 * forwards the scenario here (with Node, which the runner needs anyway) instead of starting a JVM, whose start
 * cost most of each scenario's time on a small machine. The proxy of each scenario runs in this JVM.
 */
final class ConformanceDriverService implements AutoCloseable {
    static final Path SCRIPT = Path.of("src/test/scripts/conformance-client-wrapper.sh");

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

    private ConformanceDriverService(HttpServer server) {
        this.server = server;
    }

    static ConformanceDriverService start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        ConformanceDriverService service = new ConformanceDriverService(server);
        server.setExecutor(service.executor);
        server.createContext("/run", exchange -> {
            try (exchange) {
                JsonNode body = Json.parse(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                ByteArrayOutputStream captured = new ByteArrayOutputStream();
                int exit;
                long started = System.nanoTime();
                try (PrintStream log = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
                    JsonNode context = Json.parse(body.path("context").asText("{}"));
                    exit = ConformanceClientWrapper.run(body.path("url").asText(), body.path("scenario").asText(),
                            context, log);
                }
                byte[] out = captured.toByteArray();
                // the runner judges by checks, not by this exit: the driver's account goes to the test's output too
                System.out.printf("conformance driver: %s exit %d after %d ms%n%s", body.path("scenario").asText(),
                        exit, (System.nanoTime() - started) / 1_000_000,
                        new String(out, StandardCharsets.UTF_8).indent(4));
                exchange.getResponseHeaders().add("X-Exit", Integer.toString(exit));
                exchange.sendResponseHeaders(200, out.length == 0 ? -1 : out.length);
                exchange.getResponseBody().write(out);
            }
        });
        server.start();
        return service;
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/run");
    }

    /** The runner's command line ({@code node <runner> client --command <script> <args>}) wired to this service. */
    ProcessBuilder runner(Path runnerScript, List<String> args) {
        List<String> command = new java.util.ArrayList<>(List.of(Peers.node22().toString(), runnerScript.toString(),
                "client", "--command", SCRIPT.toAbsolutePath().toString()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("CONFORMANCE_DRIVER", uri().toString());
        builder.environment().put("PATH", Peers.node22().getParent() + ":" + System.getenv("PATH"));
        return builder;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
