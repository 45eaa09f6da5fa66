package dev.dynamicmcp.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.auth.Authenticator.Result;
import dev.dynamicmcp.config.ConfigProblem;
import dev.dynamicmcp.protocol.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Settings, metadata documents, challenge headers and the static token: pure functions, no provider. */
class AuthUnitTest {
    static ObjectNode json(String text) {
        return (ObjectNode) Json.parse(text);
    }

    @Test
    void theDefaultHttpClientIsBuiltAtTheFirstExchangeNotUpFront() {
        OAuthHttp http = OAuthHttp.withDefaultClient();
        assertThat(http.clientBuilt()).as("no client (selector thread, TLS context) before an exchange").isFalse();

        // port 9 (discard) is closed on the test machine: the exchange fails, but it needed the client
        assertThatThrownBy(() -> http.get(java.net.URI.create("http://127.0.0.1:9/x")))
                .isInstanceOf(java.io.IOException.class);

        assertThat(http.clientBuilt()).isTrue();
        assertThat(http.client()).as("built once").isSameAs(http.client());
    }

    @Test
    void authSettingsReadWithDefaults() {
        Parsed<AuthSettings> parsed = AuthSettings.fromJson(json(
                "{\"issuer\":\"https://idp.example.com\",\"audience\":\"https://Proxy.example.com:443/mcp/\"}"));
        assertThat(parsed.ok()).isTrue();
        AuthSettings s = parsed.settings();
        assertThat(s.audience()).isEqualTo("https://proxy.example.com/mcp");
        assertThat(s.adminScope()).isEqualTo("mcp:admin");
        assertThat(s.profileClaim()).isEqualTo("scope");
        assertThat(s.clockSkew().toSeconds()).isEqualTo(60);
        assertThat(s.requiredScopes()).isEmpty();
    }

    @Test
    void authSettingsReportEveryProblemWithItsKeyPath() {
        Parsed<AuthSettings> parsed = AuthSettings.fromJson(json("{\"audience\":\"http://proxy.example.com/mcp#x\","
                + "\"requiredScopes\":[\"mcp\", \"a b\", 3],\"clockSkewSeconds\":9000,\"isuer\":\"x\","
                + "\"profiles\":{\"ops\":\"profile:ops\"}}"));
        assertThat(parsed.settings()).isNull();
        assertThat(parsed.problems()).extracting(ConfigProblem::key).containsExactlyInAnyOrder(
                "proxy.auth.isuer", "proxy.auth.issuer", "proxy.auth.audience", "proxy.auth.requiredScopes[1]",
                "proxy.auth.requiredScopes[2]", "proxy.auth.profiles.ops", "proxy.auth.clockSkewSeconds");
        assertThat(parsed.problems()).extracting(ConfigProblem::message)
                .anyMatch(m -> m.contains("must not have a #fragment"))
                .anyMatch(m -> m.contains("unknown key"));
    }

    @Test
    void plainHttpIssuerOnlyOnLoopback() {
        Parsed<AuthSettings> parsed = AuthSettings.fromJson(json(
                "{\"issuer\":\"http://idp.example.com\",\"audience\":\"http://127.0.0.1:8080/mcp\"}"));
        assertThat(parsed.problems()).extracting(ConfigProblem::key).containsExactly("proxy.auth.issuer");
        assertThat(parsed.problems().get(0).message()).contains("must use https");
    }

    @Test
    void resourceMetadataDocumentsForBaseAndProfiles() {
        ResourceMetadata m = new ResourceMetadata("https://proxy.example.com/mcp", List.of("https://idp.example.com"),
                List.of("mcp"));
        ObjectNode root = m.document("/.well-known/oauth-protected-resource").orElseThrow();
        assertThat(root.path("resource").asText()).isEqualTo("https://proxy.example.com/mcp");
        assertThat(root.path("authorization_servers").get(0).asText()).isEqualTo("https://idp.example.com");
        assertThat(root.path("scopes_supported").get(0).asText()).isEqualTo("mcp");
        assertThat(m.document("/.well-known/oauth-protected-resource/mcp").orElseThrow().path("resource").asText())
                .isEqualTo("https://proxy.example.com/mcp");
        assertThat(m.document("/.well-known/oauth-protected-resource/mcp/dev").orElseThrow().path("resource").asText())
                .isEqualTo("https://proxy.example.com/mcp/dev");
        assertThat(m.document("/.well-known/oauth-protected-resource/admin")).isEmpty();
        assertThat(m.document("/.well-known/oauth-protected-resource/mcp/dev/x")).isEmpty();
        assertThat(m.metadataUrl("/mcp/dev/x")).isEqualTo("https://proxy.example.com/.well-known/oauth-protected-resource/mcp/dev");
        assertThat(m.metadataUrl("/admin")).isEqualTo("https://proxy.example.com/.well-known/oauth-protected-resource/mcp");
    }

    @Test
    void challengeHeadersQuoteAndCannotBeInjected() {
        ResourceMetadata m = new ResourceMetadata("https://p.example/mcp", List.of("https://idp.example"), List.of());
        String header = m.unauthorized("/mcp", List.of(), "invalid_token", "say \"hi\"\r\nSet-Cookie: x=1");
        assertThat(header).doesNotContain("\r").doesNotContain("\n");
        WwwAuthenticate.Challenge c = WwwAuthenticate.parse(header).bearer().orElseThrow();
        assertThat(c.param("error_description")).contains("say \"hi\"  Set-Cookie: x=1");
        assertThat(c.param("scope")).isEmpty();
        assertThat(m.insufficientScope("/mcp", List.of("a", "b"), null))
                .isEqualTo("Bearer error=\"insufficient_scope\", scope=\"a b\", "
                        + "resource_metadata=\"https://p.example/.well-known/oauth-protected-resource/mcp\"");
    }

    @Test
    void wwwAuthenticateParsesSeveralChallengesAndUnquotedValues() {
        WwwAuthenticate parsed = WwwAuthenticate.parse(
                "Basic realm=\"x\", Bearer error=invalid_token, resource_metadata=\"https://a/b?c=d, e\",scope=\"s1 s2\"");
        assertThat(parsed.challenges()).extracting(WwwAuthenticate.Challenge::scheme).containsExactly("Basic", "Bearer");
        WwwAuthenticate.Challenge bearer = parsed.bearer().orElseThrow();
        assertThat(bearer.param("error")).contains("invalid_token");
        assertThat(bearer.param("resource_metadata")).contains("https://a/b?c=d, e");
        assertThat(bearer.param("SCOPE")).contains("s1 s2");
        assertThat(WwwAuthenticate.parse("Bearer").bearer().orElseThrow().params()).isEmpty();
        assertThat(WwwAuthenticate.parse(null).challenges()).isEmpty();
        assertThat(WwwAuthenticate.parse("=== garbage").challenges()).isEmpty();
    }

    @Test
    void staticTokenIsCaseInsensitiveAboutTheSchemeAndExactAboutTheToken() {
        StaticTokenAuthenticator auth = new StaticTokenAuthenticator("s3cret-token");
        assertThat(auth.authenticate("Bearer s3cret-token", "/mcp")).isInstanceOf(Result.Allowed.class);
        assertThat(auth.authenticate("bEaReR   s3cret-token ", "/admin")).isInstanceOf(Result.Allowed.class);
        Result wrong = auth.authenticate("Bearer s3cret-tokem", "/mcp");
        assertThat(((Result.Challenge) wrong).status()).isEqualTo(401);
        assertThat(((Result.Challenge) wrong).wwwAuthenticate()).isEqualTo("Bearer error=\"invalid_token\"");
        assertThat(((Result.Challenge) auth.authenticate(null, "/mcp")).wwwAuthenticate()).isEqualTo("Bearer");
        assertThat(auth.authenticate("Basic s3cret-token", "/mcp")).isInstanceOf(Result.Challenge.class);
        assertThat(auth.authenticate("Bearer s3cret-token-and-more", "/mcp")).isInstanceOf(Result.Challenge.class);
        assertThat(auth.toString()).doesNotContain("s3cret");
    }

    @Test
    void canonicalResourceUris() {
        assertThat(ResourceUris.canonical("HTTPS://Example.COM:443/mcp/")).isEqualTo("https://example.com/mcp");
        assertThat(ResourceUris.canonical("http://example.com:8080")).isEqualTo("http://example.com:8080");
        assertThat(ResourceUris.canonical("https://example.com/mcp?x=1")).isEqualTo("https://example.com/mcp");
    }
}
