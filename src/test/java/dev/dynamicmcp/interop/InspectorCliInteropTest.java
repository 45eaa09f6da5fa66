package dev.dynamicmcp.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.testsupport.Peers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TypeScript SDK client, driven through {@code @modelcontextprotocol/inspector-cli} (one process per
 * method: connect over Streamable HTTP, initialize, call, print the result as JSON, disconnect), against the
 * proxy fronting server-everything over stdio ({@code everything}) and Streamable HTTP ({@code remote}).
 *
 * <p>inspector-cli 1.0.3 disconnects with {@code transport.close()}, which sends no DELETE: each run leaves its
 * session on the proxy until the idle timeout ends it, so session cleanup is tested in {@code DisconnectTest}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(180)
class InspectorCliInteropTest {
    private EverythingProxy everything;
    @TempDir
    Path output;

    @BeforeAll
    void startProxy() throws Exception {
        everything = EverythingProxy.start();
    }

    @AfterAll
    void stopProxy() {
        if (everything != null) {
            everything.close();
        }
    }

    private static Path cliDir() {
        return Peers.dir().resolve("node_modules/@modelcontextprotocol/inspector-cli/build");
    }

    /** Runs the inspector CLI against the proxy and returns its JSON output; fails with its stderr otherwise. */
    private JsonNode inspect(String... methodArgs) throws Exception {
        List<String> command = new ArrayList<>(List.of(Peers.node(), "index.js", everything.endpoint().toString(),
                "--transport", "http"));
        command.addAll(List.of(methodArgs));
        // the CLI finds its own package.json relative to the working directory
        Path stdout = Files.createTempFile(output, "inspector", ".out");
        Path stderr = Files.createTempFile(output, "inspector", ".err");
        Process process = new ProcessBuilder(command).directory(cliDir().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("inspector-cli did not finish within 60 s: " + command + "\n" + Files.readString(stderr));
        }
        assertThat(process.exitValue()).as("exit code of %s; stderr: %s; stdout: %s", command, Files.readString(stderr),
                Files.readString(stdout)).isZero();
        return Json.MAPPER.readTree(Files.readString(stdout));
    }

    private static List<String> names(JsonNode array, String field) {
        return StreamSupport.stream(array.spliterator(), false).map(node -> node.path(field).asText()).toList();
    }

    @Test
    void toolsListShowsThePrefixedToolsOfBothServers() throws Exception {
        JsonNode result = inspect("--method", "tools/list");

        List<String> tools = names(result.path("tools"), "name");
        assertThat(tools).contains("everything__echo", "remote__echo", "everything__get-sum", "remote__get-sum",
                "everything__get-structured-content", "remote__trigger-long-running-operation");
        assertThat(tools).allMatch(name -> name.startsWith("everything__") || name.startsWith("remote__"));
        JsonNode echo = StreamSupport.stream(result.path("tools").spliterator(), false)
                .filter(tool -> tool.path("name").asText().equals("remote__echo")).findFirst().orElseThrow();
        assertThat(echo.path("inputSchema").path("properties").has("message")).isTrue();
        assertThat(echo.path("annotations").path("readOnlyHint").asBoolean()).isTrue();
    }

    @Test
    void toolsCallEchoesThroughEitherUpstream() throws Exception {
        JsonNode viaStdio = inspect("--method", "tools/call", "--tool-name", "everything__echo",
                "--tool-arg", "message=hello from TypeScript");
        JsonNode viaHttp = inspect("--method", "tools/call", "--tool-name", "remote__echo",
                "--tool-arg", "message=hello again");

        assertThat(viaStdio.path("content").get(0).path("text").asText()).isEqualTo("Echo: hello from TypeScript");
        assertThat(viaHttp.path("content").get(0).path("text").asText()).isEqualTo("Echo: hello again");
        assertThat(viaStdio.path("isError").asBoolean(false)).isFalse();
    }

    @Test
    void toolsCallWithNumbersAndStructuredContent() throws Exception {
        JsonNode sum = inspect("--method", "tools/call", "--tool-name", "remote__get-sum", "--tool-arg", "a=40", "b=2");
        JsonNode weather = inspect("--method", "tools/call", "--tool-name", "everything__get-structured-content",
                "--tool-arg", "location=Los Angeles");

        assertThat(sum.path("content").get(0).path("text").asText()).isEqualTo("The sum of 40 and 2 is 42.");
        assertThat(weather.path("structuredContent")).isEqualTo(Json.MAPPER.readTree(
                "{\"temperature\":73,\"conditions\":\"Sunny / Clear\",\"humidity\":48}"));
    }

    @Test
    void resourcesListAndRead() throws Exception {
        JsonNode list = inspect("--method", "resources/list");
        JsonNode templates = inspect("--method", "resources/templates/list");
        JsonNode read = inspect("--method", "resources/read", "--uri", "demo://resource/dynamic/text/5");

        assertThat(names(list.path("resources"), "uri")).contains("demo://resource/static/document/features.md")
                .doesNotHaveDuplicates();
        assertThat(names(templates.path("resourceTemplates"), "uriTemplate"))
                .contains("demo://resource/dynamic/text/{resourceId}");
        assertThat(read.path("contents").get(0).path("uri").asText()).isEqualTo("demo://resource/dynamic/text/5");
        assertThat(read.path("contents").get(0).path("text").asText()).startsWith("Resource 5: This is a plaintext resource");
    }

    @Test
    void promptsListAndGet() throws Exception {
        JsonNode list = inspect("--method", "prompts/list");
        JsonNode got = inspect("--method", "prompts/get", "--prompt-name", "everything__args-prompt",
                "--prompt-args", "city=Porto");

        assertThat(names(list.path("prompts"), "name")).contains("everything__simple-prompt", "remote__simple-prompt",
                "everything__args-prompt", "remote__completable-prompt");
        assertThat(got.path("messages").get(0).path("content").path("text").asText()).isEqualTo("What's weather in Porto?");
    }
}
