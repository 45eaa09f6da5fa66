package dev.dynamicmcp.proxy.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.McpException;
import dev.dynamicmcp.testsupport.FakeScheduler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class RequestStateCodecTest {
    private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);
    private final FakeScheduler clock = new FakeScheduler();
    private final RequestStateCodec codec = new RequestStateCodec(KEY, "inst-a");

    private String token(int round, Duration ttl) {
        ObjectNode params = (ObjectNode) Json.parse("{\"name\":\"t\",\"arguments\":{\"b\":1,\"a\":[1,2]}}");
        return codec.encode(new RequestStateCodec.State("park-1", round, "tools/call", "t",
                RequestStateCodec.digest(params), clock.now().plus(ttl).toEpochMilli(), codec.instance()));
    }

    private RequestStateCodec.State verify(RequestStateCodec with, String token, String argumentsJson) {
        ObjectNode params = (ObjectNode) Json.parse("{\"name\":\"t\",\"arguments\":" + argumentsJson + "}");
        return with.verify(token, "tools/call", "t", RequestStateCodec.digest(params), clock.now());
    }

    private static void refused(Runnable verify, String why) {
        assertThatThrownBy(verify::run).isInstanceOf(McpException.class)
                .satisfies(e -> assertThat(((McpException) e).code()).isEqualTo(-32602))
                .hasMessageContaining(why);
    }

    @Test
    void aStateVerifiesAgainstTheSameRequestWhateverTheKeyOrderOrEnvelope() {
        String token = token(3, Duration.ofSeconds(120));
        assertThat(token).startsWith("v1.").matches("v1\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
        RequestStateCodec.State state = verify(codec, token, "{\"a\":[1,2],\"b\":1}");
        assertThat(state.parkId()).isEqualTo("park-1");
        assertThat(state.round()).isEqualTo(3);
        ObjectNode withMeta = (ObjectNode) Json.parse("{\"name\":\"t\",\"arguments\":{\"b\":1,\"a\":[1,2]},"
                + "\"_meta\":{\"x\":1},\"inputResponses\":{\"k\":{}},\"requestState\":\"s\"}");
        assertThat(RequestStateCodec.digest(withMeta))
                .isEqualTo(RequestStateCodec.digest((ObjectNode) Json.parse("{\"arguments\":{\"a\":[1,2],\"b\":1},\"name\":\"t\"}")));
    }

    @Test
    void aTamperedStateIsRefused() {
        String token = token(1, Duration.ofSeconds(120));
        refused(() -> verify(codec, token + "-TAMPERED", "{\"b\":1,\"a\":[1,2]}"), "failed verification");
        // a payload rewritten to another round, with the old MAC
        String[] parts = token.split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                .replace("\"rnd\":1", "\"rnd\":2");
        String forged = "v1." + Base64.getUrlEncoder().withoutPadding().encodeToString(
                payload.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
        refused(() -> verify(codec, forged, "{\"b\":1,\"a\":[1,2]}"), "failed verification");
        refused(() -> verify(codec, "not a state", "{}"), "not one this proxy issued");
        // another proxy's key
        RequestStateCodec other = new RequestStateCodec("another key of 32 bytes, really!".getBytes(
                StandardCharsets.UTF_8), "inst-a");
        refused(() -> verify(other, token, "{\"b\":1,\"a\":[1,2]}"), "failed verification");
    }

    @Test
    void aStateOfAnotherRequestIsRefused() {
        String token = token(1, Duration.ofSeconds(120));
        refused(() -> verify(codec, token, "{\"b\":2,\"a\":[1,2]}"), "belongs to another request");
        refused(() -> codec.verify(token, "prompts/get", "t", "x", clock.now()), "belongs to another request");
    }

    @Test
    void aStateExpiresOnTheClock() {
        String token = token(1, Duration.ofSeconds(120));
        clock.advance(Duration.ofSeconds(119));
        assertThat(verify(codec, token, "{\"b\":1,\"a\":[1,2]}").round()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(1));
        refused(() -> verify(codec, token, "{\"b\":1,\"a\":[1,2]}"), "expired");
    }

    @Test
    void aStateOfAnotherInstanceSaysSo() {
        String token = token(1, Duration.ofSeconds(120));
        RequestStateCodec sameKeyOtherInstance = new RequestStateCodec(KEY, "inst-b");
        refused(() -> verify(sameKeyOtherInstance, token, "{\"b\":1,\"a\":[1,2]}"), "another proxy instance");
    }

    @Test
    void randomCodecsDoNotAcceptEachOthersStates() {
        RequestStateCodec one = RequestStateCodec.random();
        RequestStateCodec two = RequestStateCodec.random();
        assertThat(one.instance()).isNotEqualTo(two.instance());
        String token = one.encode(new RequestStateCodec.State("p", 1, "tools/call", "t", "d",
                clock.now().plusSeconds(60).toEpochMilli(), one.instance()));
        assertThat(one.verify(token, "tools/call", "t", "d", clock.now()).parkId()).isEqualTo("p");
        refused(() -> two.verify(token, "tools/call", "t", "d", clock.now()), "failed verification");
    }
}
