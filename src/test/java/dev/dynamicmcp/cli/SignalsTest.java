package dev.dynamicmcp.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.testsupport.FaultServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy as its own process, driven by real signals (issue 9 items 4 and 8): SIGTERM while a server hangs in
 * its first connect stops the proxy within its deadline and leaves no child; SIGHUP reloads the config instead
 * of stopping. Unix only (the signals); each test gives its hung {@code sleep} a unique duration.
 */
class SignalsTest {
    private static final Pattern SERVING = Pattern.compile("serving MCP at (http://\\S+)/mcp");

    @TempDir
    Path dir;

    private Process proxy;
    private final List<String> log = new CopyOnWriteArrayList<>();

    @AfterEach
    void kill() {
        if (proxy != null) {
            proxy.descendants().forEach(ProcessHandle::destroyForcibly);
            proxy.destroyForcibly();
        }
    }

    private static String stdio(String... knobs) {
        List<String> command = FaultServer.command(knobs);
        return "{\"command\": " + Json.write(Json.MAPPER.valueToTree(command.get(0))) + ", \"args\": "
                + Json.write(Json.MAPPER.valueToTree(command.subList(1, command.size()))) + "}";
    }

    /** Starts the CLI in its own JVM and collects its stderr (the log). */
    private void startProxy(Path config, String... extra) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new java.util.ArrayList<>(List.of(java, "-Xmx256m", "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "--config", config.toString(),
                "--port", "0"));
        command.addAll(List.of(extra));
        proxy = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader err = new BufferedReader(new InputStreamReader(proxy.getErrorStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = err.readLine()) != null; ) {
                    log.add(line);
                }
            } catch (java.io.IOException e) {
                // the process ended
            }
        });
    }

    private URI base() {
        return await().atMost(Duration.ofSeconds(30)).until(() -> log.stream().map(SERVING::matcher)
                .filter(Matcher::find).map(m -> URI.create(m.group(1) + "/")).findFirst(), Optional::isPresent)
                .orElseThrow();
    }

    private Optional<ProcessHandle> child(int sleepSeconds) {
        return proxy.descendants().filter(p -> p.info().commandLine().orElse("").contains("sleep " + sleepSeconds))
                .findFirst();
    }

    private static void signal(String name, long pid) throws Exception {
        assertThat(new ProcessBuilder("kill", "-" + name, Long.toString(pid)).start().waitFor()).isZero();
    }

    @Test
    void sigtermWhileAServerHangsInItsFirstConnectStopsWithinTheDeadlineAndLeavesNoChild() throws Exception {
        Path config = Files.writeString(dir.resolve("mcp.json"), "{\"mcpServers\": {\"hang\": {\"command\": \"sh\","
                + " \"args\": [\"-c\", \"trap '' TERM; exec sleep 621\"], \"connectTimeout\": \"60s\"}}}");
        startProxy(config, "--no-watch");
        base();
        ProcessHandle hung = await().atMost(Duration.ofSeconds(20)).until(() -> child(621), Optional::isPresent)
                .orElseThrow();

        long before = System.nanoTime();
        signal("TERM", proxy.pid());
        assertThat(proxy.waitFor(15, TimeUnit.SECONDS)).as("exited").isTrue();
        long exitMs = (System.nanoTime() - before) / 1_000_000;
        await().atMost(Duration.ofSeconds(2)).until(() -> !hung.isAlive());
        System.out.println("FIGURE SIGTERM during a hung connect: children left 0, exit in " + exitMs
                + " ms (before: the child survived with PPID 1)");
        assertThat(exitMs).isLessThan(10_000);
        assertThat(log).anyMatch(line -> line.contains("shutting down (while starting)"));
        assertThat(log).anyMatch(line -> line.contains("stopped after"));
    }

    @Test
    void sighupReloadsTheConfigInsteadOfStopping() throws Exception {
        Path config = Files.writeString(dir.resolve("mcp.json"), "{\"mcpServers\": {\"one\": "
                + stdio("--name", "one") + "}}");
        startProxy(config, "--no-watch", "--auth-token", "cli-token");
        URI base = base();
        await().atMost(Duration.ofSeconds(30)).until(() -> status(base).contains("\"READY\""));

        Files.writeString(config, "{\"mcpServers\": {\"one\": " + stdio("--name", "one") + ", \"two\": "
                + stdio("--name", "two") + "}}");
        signal("HUP", proxy.pid());

        await().atMost(Duration.ofSeconds(30)).until(() -> status(base).contains("\"two\""));
        assertThat(proxy.isAlive()).isTrue();
        assertThat(log).anyMatch(line -> line.contains("SIGHUP: reloading"));
        assertThat(log).as("the command line's token is no change").noneMatch(line -> line.contains("proxy settings changed"));
    }

    /** Issue 9 item 8: a "proxy settings changed" was logged a second after every start with --port/--auth-token. */
    @Test
    void aStartWithCommandLineOverridesLogsNoSpuriousChange() throws Exception {
        Path config = Files.writeString(dir.resolve("mcp.json"), "{\"proxy\": {\"port\": 9, \"authToken\": \"file\"},"
                + " \"mcpServers\": {\"one\": " + stdio("--name", "one") + "}}");
        startProxy(config, "--auth-token", "cli-token", "--host", "127.0.0.1");
        URI base = base();
        await().atMost(Duration.ofSeconds(30)).until(() -> status(base).contains("\"READY\""));
        // the watcher settles after two polls (1 s apart): give it three
        await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).until(() -> true);
        assertThat(log).anyMatch(line -> line.contains("config watcher RUNNING"));
        assertThat(log).noneMatch(line -> line.contains("config changed") || line.contains("proxy settings changed")
                || line.contains("config file") && line.contains("changed"));
    }

    private static String status(URI base) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(base.resolve("/status"))
                .header("Authorization", "Bearer cli-token").timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        return response.body();
    }
}
