package dev.dynamicmcp.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Direct checks, with raw JDK HTTP and raw process pipes, that the fault server's knobs do what they say. */
@Timeout(20)
class FaultServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @AfterAll
    static void closeClient() {
        HTTP.close();
    }

    // ---- stdio -------------------------------------------------------------------------------

    @Test
    void stdioInitializesPagesToolsAndEchoesEveryField() throws Exception {
        try (Child child = Child.start("--tools", "120", "--page-size", "50", "--name", "upstream-a")) {
            ObjectNode init = child.call(1, "initialize", initializeParams("2025-06-18"));
            assertThat(init.at("/result/protocolVersion").asText()).isEqualTo("2025-06-18");
            assertThat(init.at("/result/serverInfo/name").asText()).isEqualTo("upstream-a");
            assertThat(init.at("/result/capabilities/resources/subscribe").asBoolean()).isTrue();
            child.send(notification("notifications/initialized"));

            List<String> names = new ArrayList<>();
            List<Integer> pageSizes = new ArrayList<>();
            String cursor = null;
            int id = 2;
            do {
                ObjectNode params = JSON.createObjectNode();
                if (cursor != null) {
                    params.put("cursor", cursor);
                }
                JsonNode result = child.call(id++, "tools/list", params).get("result");
                result.get("tools").forEach(t -> names.add(t.get("name").asText()));
                pageSizes.add(result.get("tools").size());
                cursor = result.hasNonNull("nextCursor") ? result.get("nextCursor").asText() : null;
            } while (cursor != null);
            assertThat(pageSizes).containsExactly(50, 50, 33);
            assertThat(names).hasSize(133).doesNotHaveDuplicates().contains("echo", "sleep", "t0", "t119");

            ObjectNode echo = child.call(10, "tools/call", toolCall("echo", "message", "hi there")).withObject("/result");
            assertThat(echo.at("/content/0/text").asText()).isEqualTo("hi there");
            assertThat(echo.at("/structuredContent/message").asText()).isEqualTo("hi there");
            assertThat(echo.at("/_meta/dev.dynamicmcp.fault~1echo").asBoolean()).isTrue();
            assertThat(echo.has("faultExtra")).isTrue();

            child.sendRaw("this is {not json");
            ObjectNode parseError = child.next();
            assertThat(parseError.at("/error/code").asInt()).isEqualTo(-32700);
            assertThat(parseError.get("id").isNull()).isTrue();
            assertThat(child.call(11, "ping", JSON.createObjectNode()).get("result").isEmpty()).isTrue();
        }
    }

    @Test
    void stdioGarbageKnobWritesJunkBeforeEveryResponse() throws Exception {
        try (Child child = Child.start("--garbage")) {
            child.send(request(1, "ping", JSON.createObjectNode()));
            assertThat(child.nextLine()).isNotBlank().doesNotStartWith("{");
            assertThat(child.nextLine()).isEmpty();
            assertThat(child.nextLine()).isEqualTo("[1,2]");
            assertThat(JSON.readTree(child.nextLine()).get("id").asInt()).isEqualTo(1);
        }
    }

    @Test
    void stdioCrashAfterExitsOnTheNthToolCallWithoutAnswering() throws Exception {
        try (Child child = Child.start("--crash-after", "2")) {
            child.call(1, "initialize", initializeParams("2025-11-25"));
            assertThat(child.call(2, "tools/call", toolCall("add", "a", 2, "b", 3)).at("/result/structuredContent/sum").asInt())
                    .isEqualTo(5);
            child.send(request(3, "tools/call", toolCall("echo", "message", "never answered")));
            assertThat(child.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(child.process.exitValue()).isEqualTo(FaultServer.CRASH_EXIT_CODE);
            assertThat(child.lines.poll(1, TimeUnit.SECONDS)).isEqualTo(Child.EOF);
        }
    }

    // ---- Streamable HTTP ---------------------------------------------------------------------

    @Test
    void httpRequiresTheSessionAnd404sForgottenOnes() throws Exception {
        try (HttpFault fault = FaultServer.startHttp(FaultServer.Options.defaults())) {
            HttpResponse<String> init = post(fault.url(), null, request(1, "initialize", initializeParams("1999-01-01")));
            assertThat(init.statusCode()).isEqualTo(200);
            String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
            assertThat(JSON.readTree(init.body()).at("/result/protocolVersion").asText()).isEqualTo("2025-11-25");
            assertThat(fault.initializeCount()).isEqualTo(1);

            assertThat(post(fault.url(), null, request(2, "tools/list", JSON.createObjectNode())).statusCode()).isEqualTo(400);
            assertThat(post(fault.url(), "no-such-session", request(2, "tools/list", JSON.createObjectNode())).statusCode())
                    .isEqualTo(404);
            HttpResponse<String> list = post(fault.url(), session, request(3, "tools/list", JSON.createObjectNode()));
            assertThat(list.statusCode()).isEqualTo(200);
            assertThat(list.headers().firstValue("Content-Type")).hasValue("application/json");
            assertThat(post(fault.url(), session, notification("notifications/initialized")).statusCode()).isEqualTo(202);

            fault.forgetSessions();
            assertThat(post(fault.url(), session, request(4, "ping", JSON.createObjectNode())).statusCode()).isEqualTo(404);
            assertThat(fault.requestCount("tools/list")).isEqualTo(1);

            String second = post(fault.url(), null, request(5, "initialize", initializeParams("2025-03-26")))
                    .headers().firstValue("Mcp-Session-Id").orElseThrow();
            HttpResponse<String> deleted = HTTP.send(HttpRequest.newBuilder(fault.url()).DELETE()
                    .header("Mcp-Session-Id", second).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(deleted.statusCode()).isEqualTo(200);
            assertThat(fault.deletedSessions()).containsExactly(second);

            int port = fault.port();
            fault.restart();
            assertThat(fault.port()).isEqualTo(port);
            assertThat(post(fault.url(), null, request(6, "initialize", initializeParams("2025-06-18"))).statusCode())
                    .isEqualTo(200);
        }
    }

    @Test
    void httpToolCallThatTalksToTheClientAnswersWithAnEventStream() throws Exception {
        try (HttpFault fault = FaultServer.startHttp(FaultServer.Options.defaults())) {
            String session = initializeOverHttp(fault);
            ObjectNode params = toolCall("progress", "steps", 3);
            params.putObject("_meta").put("progressToken", "tok-1");
            HttpResponse<String> response = post(fault.url(), session, request(7, "tools/call", params));
            assertThat(response.headers().firstValue("Content-Type")).hasValue("text/event-stream");
            List<JsonNode> events = sseMessages(response.body());
            assertThat(events).hasSize(4);
            assertThat(events.subList(0, 3)).allSatisfy(e -> {
                assertThat(e.get("method").asText()).isEqualTo("notifications/progress");
                assertThat(e.at("/params/progressToken").asText()).isEqualTo("tok-1");
            });
            assertThat(events.get(3).at("/result/content/0/text").asText()).isEqualTo("done 3 steps");
        }
    }

    @Test
    void httpGetStreamCarriesListChangesAndCancelsAreRecorded() throws Exception {
        try (HttpFault fault = FaultServer.startHttp(FaultServer.Options.defaults())) {
            String session = initializeOverHttp(fault);
            HttpResponse<Stream<String>> get = HTTP.send(HttpRequest.newBuilder(fault.url()).GET()
                    .header("Accept", "text/event-stream").header("Mcp-Session-Id", session).build(),
                    HttpResponse.BodyHandlers.ofLines());
            assertThat(get.statusCode()).isEqualTo(200);
            assertThat(post(fault.url(), session, request(2, "tools/call", toolCall("add_tool"))).statusCode()).isEqualTo(200);
            Iterator<String> lines = get.body().iterator();
            assertThat(nextData(lines).get("method").asText()).isEqualTo("notifications/tools/list_changed");

            CompletableFuture<HttpResponse<String>> sleeping = HTTP.sendAsync(
                    postRequest(fault.url(), session, request("sleep-1", "tools/call", toolCall("sleep", "ms", 60_000))),
                    HttpResponse.BodyHandlers.ofString());
            ObjectNode cancel = notification("notifications/cancelled");
            cancel.putObject("params").put("requestId", "sleep-1").put("reason", "test");
            while (fault.requestCount("tools/call") < 2) {
                Thread.sleep(5); // the sleep call must arrive before its cancel
            }
            assertThat(post(fault.url(), session, cancel).statusCode()).isEqualTo(202);
            assertThat(fault.cancelledIds()).extracting(JsonNode::asText).containsExactly("sleep-1");
            assertThat(sleeping).isNotDone();
            sleeping.cancel(true);
            get.body().close();
        }
    }

    @Test
    void httpKnobsRejectInitializeAndRefuseTheGetStream() throws Exception {
        FaultServer.Options options = FaultServer.Options.builder().rejectInitialize(405).noGetStream(true).build();
        try (HttpFault fault = FaultServer.startHttp(options)) {
            assertThat(post(fault.url(), null, request(1, "initialize", initializeParams("2025-06-18"))).statusCode())
                    .isEqualTo(405);
            assertThat(fault.requestCount("initialize")).isEqualTo(1);
            HttpResponse<String> get = HTTP.send(HttpRequest.newBuilder(fault.url()).GET()
                    .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(get.statusCode()).isEqualTo(405);
        }
    }

    @Test
    void httpServerRequestTravelsOnThePostStreamAndItsAnswerComesBackByPost() throws Exception {
        try (HttpFault fault = FaultServer.startHttp(FaultServer.Options.defaults())) {
            String session = initializeOverHttp(fault);
            HttpResponse<Stream<String>> call = HTTP.send(
                    postRequest(fault.url(), session, request(3, "tools/call", toolCall("sample", "prompt", "hi"))),
                    HttpResponse.BodyHandlers.ofLines());
            Iterator<String> lines = call.body().iterator();
            JsonNode sampling = nextData(lines);
            assertThat(sampling.get("method").asText()).isEqualTo("sampling/createMessage");
            ObjectNode answer = JSON.createObjectNode().put("jsonrpc", "2.0");
            answer.set("id", sampling.get("id"));
            answer.putObject("result").put("role", "assistant").put("model", "m")
                    .putObject("content").put("type", "text").put("text", "sampled!");
            assertThat(post(fault.url(), session, answer).statusCode()).isEqualTo(202);
            assertThat(nextData(lines).at("/result/content/0/text").asText()).isEqualTo("sampled!");
        }
    }

    @Test
    void httpCrashTakesTheServerDownUntilRestart() throws Exception {
        try (HttpFault fault = FaultServer.startHttp(FaultServer.Options.builder().crashAfter(1).build())) {
            String session = initializeOverHttp(fault);
            assertThatThrownBy(() -> post(fault.url(), session, request(2, "tools/call", toolCall("add", "a", 1, "b", 1))))
                    .isInstanceOf(IOException.class);
            assertThat(fault.lifecycle()).isEqualTo(HttpFault.Lifecycle.CRASHED);
            assertThatThrownBy(() -> post(fault.url(), null, request(3, "initialize", initializeParams("2025-11-25"))))
                    .isInstanceOf(IOException.class);
            fault.restart();
            assertThat(post(fault.url(), session, request(4, "ping", JSON.createObjectNode())).statusCode()).isEqualTo(404);
            assertThat(initializeOverHttp(fault)).isNotEqualTo(session);
            assertThat(fault.initializeCount()).isEqualTo(2);
        }
    }

    // ---- legacy HTTP+SSE ---------------------------------------------------------------------

    @Test
    void sseModeAnnouncesItsEndpointAndAnswersOverTheStream() throws Exception {
        try (HttpFault fault = FaultServer.startSse(FaultServer.Options.defaults())) {
            assertThat(fault.url().getPath()).isEqualTo("/sse");
            HttpResponse<Stream<String>> stream = HTTP.send(HttpRequest.newBuilder(fault.url()).GET()
                    .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofLines());
            Iterator<String> lines = stream.body().iterator();
            assertThat(lines.next()).isEqualTo("event: endpoint");
            String endpoint = lines.next().substring("data: ".length());
            assertThat(endpoint).startsWith("/messages?sessionId=");
            lines.next();

            URI messages = fault.url().resolve(endpoint);
            HttpResponse<String> accepted = HTTP.send(HttpRequest.newBuilder(messages)
                    .POST(HttpRequest.BodyPublishers.ofString(request(1, "initialize", initializeParams("2024-11-05")).toString()))
                    .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(accepted.statusCode()).isEqualTo(202);
            JsonNode answer = nextData(lines);
            assertThat(answer.at("/result/protocolVersion").asText()).isEqualTo("2024-11-05");
            assertThat(fault.initializeCount()).isEqualTo(1);

            assertThat(post(fault.url(), null, request(1, "initialize", initializeParams("2025-06-18"))).statusCode())
                    .isEqualTo(405);
            stream.body().close();
        }
    }

    // ---- helpers -----------------------------------------------------------------------------

    private static String initializeOverHttp(HttpFault fault) throws Exception {
        HttpResponse<String> init = post(fault.url(), null, request(1, "initialize", initializeParams("2025-11-25")));
        String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
        post(fault.url(), session, notification("notifications/initialized"));
        return session;
    }

    private static HttpResponse<String> post(URI url, String session, ObjectNode message) throws Exception {
        return HTTP.send(postRequest(url, session, message), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest postRequest(URI url, String session, ObjectNode message) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(url)
                .POST(HttpRequest.BodyPublishers.ofString(message.toString()))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream");
        if (session != null) {
            builder.header("Mcp-Session-Id", session);
        }
        return builder.build();
    }

    private static List<JsonNode> sseMessages(String body) throws IOException {
        List<JsonNode> messages = new ArrayList<>();
        for (String line : body.split("\n")) {
            if (line.startsWith("data: ")) {
                messages.add(JSON.readTree(line.substring(6)));
            }
        }
        return messages;
    }

    private static JsonNode nextData(Iterator<String> lines) throws IOException {
        while (lines.hasNext()) {
            String line = lines.next();
            if (line.startsWith("data: ")) {
                return JSON.readTree(line.substring(6));
            }
        }
        throw new AssertionError("the SSE stream ended");
    }

    private static ObjectNode initializeParams(String version) {
        ObjectNode params = JSON.createObjectNode().put("protocolVersion", version);
        params.putObject("capabilities");
        params.putObject("clientInfo").put("name", "fault-server-test").put("version", "0");
        return params;
    }

    private static ObjectNode request(Object id, String method, ObjectNode params) {
        ObjectNode request = JSON.createObjectNode().put("jsonrpc", "2.0");
        request.set("id", JSON.valueToTree(id));
        request.put("method", method);
        request.set("params", params);
        return request;
    }

    private static ObjectNode notification(String method) {
        return JSON.createObjectNode().put("jsonrpc", "2.0").put("method", method);
    }

    /** tools/call params; {@code args} alternates argument name and value. */
    private static ObjectNode toolCall(String name, Object... args) {
        ObjectNode params = JSON.createObjectNode().put("name", name);
        ObjectNode arguments = params.putObject("arguments");
        for (int i = 0; i + 1 < args.length; i += 2) {
            arguments.set((String) args[i], JSON.valueToTree(args[i + 1]));
        }
        return params;
    }

    /** The stdio fault server as a child JVM, its stdout read line by line on a virtual thread. */
    private static final class Child implements AutoCloseable {
        static final String EOF = "<eof>";
        final Process process;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final OutputStream stdin;

        private Child(Process process) {
            this.process = process;
            this.stdin = process.getOutputStream();
            Thread.ofVirtual().start(() -> {
                try (BufferedReader out = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = out.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (IOException ignored) {
                    // the process went away; EOF below says so
                }
                lines.add(EOF);
            });
        }

        static Child start(String... knobs) throws IOException {
            return new Child(new ProcessBuilder(FaultServer.command(knobs))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start());
        }

        void send(ObjectNode message) throws IOException {
            sendRaw(message.toString());
        }

        void sendRaw(String line) throws IOException {
            stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            stdin.flush();
        }

        String nextLine() throws InterruptedException {
            String line = lines.poll(10, TimeUnit.SECONDS);
            if (line == null || EOF.equals(line)) {
                throw new AssertionError("no line from the fault server (" + line + ")");
            }
            return line;
        }

        ObjectNode next() throws Exception {
            return (ObjectNode) JSON.readTree(nextLine());
        }

        ObjectNode call(int id, String method, ObjectNode params) throws Exception {
            send(request(id, method, params));
            ObjectNode response = next();
            assertThat(response.get("id").asInt()).as("response id").isEqualTo(id);
            return response;
        }

        @Override
        public void close() {
            process.destroyForcibly();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
