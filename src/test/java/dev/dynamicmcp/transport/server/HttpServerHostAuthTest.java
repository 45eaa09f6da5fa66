package dev.dynamicmcp.transport.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.auth.AuthSettings;
import dev.dynamicmcp.auth.OAuthAuthenticator;
import dev.dynamicmcp.auth.OAuthHttp;
import dev.dynamicmcp.auth.TokenVerifier;
import dev.dynamicmcp.config.ProxySettings;
import dev.dynamicmcp.protocol.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The host's auth seams: public routes, and OAuth in place of (or beside) the static token. */
class HttpServerHostAuthTest {
    private final HttpClient http = HttpClient.newHttpClient();
    private HttpServerHost host;

    @AfterEach
    void stop() {
        if (host != null) {
            host.stop();
        }
    }

    private static ProxySettings settings(String bindHost, String token) {
        return new ProxySettings(bindHost, 0, ProxySettings.DEFAULTS.namespace(), "__", token, 4096, 8,
                ProxySettings.DEFAULTS.defaults());
    }

    /** An authenticator whose issuer is never reached: requests without a token need no keys. */
    private static OAuthAuthenticator oauth() {
        ObjectNode node = Json.object().put("issuer", "http://127.0.0.1:9/idp").put("audience", "http://127.0.0.1:9/mcp");
        node.putArray("requiredScopes").add("mcp");
        AuthSettings settings = AuthSettings.fromJson(node).settings();
        return OAuthAuthenticator.of(new TokenVerifier(settings, OAuthHttp.withDefaultClient(), Clock.systemUTC()));
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + host.port() + path)).GET();
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static org.eclipse.jetty.server.Request.Handler text(String body) {
        return (request, response, callback) -> {
            response.write(true, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
            return true;
        };
    }

    @Test
    void aPublicRouteNeedsNoTokenWhileTheOthersStillDo() throws Exception {
        host = new HttpServerHost(settings("127.0.0.1", "s3cret"), new EchoListener());
        host.addPublicRoute("GET", "/oauth/callback", text("callback")).addRoute("GET", "/private", text("private"));
        host.start();

        assertThat(get("/oauth/callback").body()).isEqualTo("callback");
        assertThat(get("/private").statusCode()).isEqualTo(401);
        assertThat(get("/private", "Authorization", "Bearer s3cret").body()).isEqualTo("private");
        assertThat(get("/.well-known/oauth-protected-resource").statusCode())
                .as("no OAuth: no metadata, and no way around the token").isEqualTo(401);
    }

    @Test
    void withOAuthTheHostMayListenBeyondLoopbackWithoutAStaticTokenAndServesItsMetadata() throws Exception {
        host = new HttpServerHost(settings("0.0.0.0", null), new EchoListener()).useOAuth(oauth());
        host.start();

        HttpResponse<String> refused = get("/mcp");
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.headers().firstValue("WWW-Authenticate").orElseThrow())
                .contains("resource_metadata=\"http://127.0.0.1:9/.well-known/oauth-protected-resource/mcp\"");
        HttpResponse<String> metadata = get("/.well-known/oauth-protected-resource/mcp");
        assertThat(metadata.statusCode()).isEqualTo(200);
        assertThat(Json.parse(metadata.body()).path("resource").asText()).isEqualTo("http://127.0.0.1:9/mcp");
        assertThat(get("/.well-known/oauth-protected-resource/elsewhere").statusCode()).isEqualTo(404);
        assertThat(get("/healthz").statusCode()).as("not mounted here, but public: 404, not 401").isEqualTo(404);
        host.setAuthToken(null); // allowed: OAuth still guards it
        assertThatThrownBy(() -> host.useOAuth(oauth())).isInstanceOf(IllegalStateException.class);
    }
}
