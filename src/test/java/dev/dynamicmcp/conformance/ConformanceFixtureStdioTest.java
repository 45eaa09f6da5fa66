package dev.dynamicmcp.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The fixture's stdio mode, as a proxy would spawn it: JSON-RPC lines on stdin/stdout, exit on EOF. */
class ConformanceFixtureStdioTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    @Timeout(60)
    void servesOneSessionOverStdioAndExitsWhenStdinCloses() throws Exception {
        Process process = new ProcessBuilder(ConformanceFixtureServer.stdioCommand())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            converse(process);
            assertThat(process.waitFor(15, TimeUnit.SECONDS)).as("fixture exits once stdin closes").isTrue();
            assertThat(process.exitValue()).isZero();
        } finally {
            process.destroyForcibly();
        }
    }

    private static void converse(Process process) throws Exception {
        try (OutputStream stdin = process.getOutputStream();
             BufferedReader stdout = new BufferedReader(
                     new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            send(stdin, """
                    {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18",\
                    "capabilities":{},"clientInfo":{"name":"stdio-test","version":"1"}}}""");
            JsonNode initialized = JSON.readTree(stdout.readLine());
            assertThat(initialized.at("/result/serverInfo/name").asText()).isEqualTo(FixtureFeatures.NAME);

            send(stdin, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
            send(stdin, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\","
                    + "\"params\":{\"name\":\"test_simple_text\",\"arguments\":{}}}");
            JsonNode called = JSON.readTree(stdout.readLine());
            assertThat(called.at("/result/content/0/text").asText())
                    .isEqualTo("This is a simple text response for testing.");
        }
    }

    private static void send(OutputStream stdin, String line) throws Exception {
        stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
    }
}
