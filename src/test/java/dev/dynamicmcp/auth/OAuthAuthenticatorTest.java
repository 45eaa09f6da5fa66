package dev.dynamicmcp.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.auth.Authenticator.Result;
import dev.dynamicmcp.protocol.Json;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The downstream answers a client sees, for real tokens of a real provider. */
class OAuthAuthenticatorTest {
    static final String BASE = "http://127.0.0.1:9";
    static final String RESOURCE = BASE + "/mcp";
    static OidcFixture idp;

    @BeforeAll
    static void start() {
        idp = OidcFixture.start();
    }

    @AfterAll
    static void stop() {
        if (idp != null) {
            idp.close();
        }
    }

    static OAuthAuthenticator authenticator(String profileClaim, Map<String, List<String>> profiles, Clock clock) {
        ObjectNode node = Json.object();
        node.put("issuer", idp.issuer());
        node.put("audience", RESOURCE);
        node.putArray("requiredScopes").add("mcp");
        node.put("profileClaim", profileClaim);
        node.set("profiles", Json.MAPPER.valueToTree(profiles));
        Parsed<AuthSettings> parsed = AuthSettings.fromJson(node);
        assertThat(parsed.problems()).isEmpty();
        return OAuthAuthenticator.of(new TokenVerifier(parsed.settings(), OAuthHttp.withDefaultClient(), clock));
    }

    static OAuthAuthenticator authenticator() {
        return authenticator("scope", Map.of("ops", List.of("profile:ops")), Clock.systemUTC());
    }

    static Result.Challenge challenge(Result result) {
        assertThat(result).isInstanceOf(Result.Challenge.class);
        return (Result.Challenge) result;
    }

    static Principal allowed(Result result) {
        assertThat(result).isInstanceOf(Result.Allowed.class);
        return ((Result.Allowed) result).principal();
    }

    static String bearer(String resource, String scope) {
        return "Bearer " + idp.clientCredentialsToken(resource, scope);
    }

    @Test
    void noTokenGets401PointingToTheResourceMetadataWithTheScopesToAskFor() {
        Result.Challenge c = challenge(authenticator().authenticate(null, "/mcp"));
        assertThat(c.status()).isEqualTo(401);
        assertThat(c.wwwAuthenticate()).isEqualTo("Bearer resource_metadata=\"" + BASE
                + "/.well-known/oauth-protected-resource/mcp\", scope=\"mcp\"");
        WwwAuthenticate.Challenge parsed = WwwAuthenticate.parse(c.wwwAuthenticate()).bearer().orElseThrow();
        assertThat(parsed.param("error")).isEmpty();
    }

    @Test
    void validTokenIsAllowedAndLowercaseBearerWorks() {
        Principal p = allowed(authenticator().authenticate("bearer " + idp.clientCredentialsToken(RESOURCE, "mcp"), "/mcp"));
        assertThat(p.subject()).isEqualTo("m2m");
        assertThat(p.isUser()).isTrue();
    }

    @Test
    void otherSchemeIs400() {
        Result.Challenge c = challenge(authenticator().authenticate("Basic dXNlcjpwYXNz", "/mcp"));
        assertThat(c.status()).isEqualTo(400);
        assertThat(c.body().path("error").asText()).isEqualTo("invalid_request");
    }

    @Test
    void expiredTokenIs401InvalidToken() {
        Clock later = Clock.fixed(Instant.now().plus(Duration.ofHours(3)), ZoneOffset.UTC);
        Result.Challenge c = challenge(authenticator("scope", Map.of(), later)
                .authenticate(bearer(RESOURCE, "mcp"), "/mcp"));
        assertThat(c.status()).isEqualTo(401);
        WwwAuthenticate.Challenge parsed = WwwAuthenticate.parse(c.wwwAuthenticate()).bearer().orElseThrow();
        assertThat(parsed.param("error")).contains("invalid_token");
        assertThat(parsed.param("error_description").orElseThrow()).contains("expired");
        assertThat(c.wwwAuthenticate()).doesNotContain(idp.clientCredentialsToken(RESOURCE, "mcp").substring(0, 20));
    }

    @Test
    void missingScopeIs403InsufficientScopeForStepUp() {
        Result.Challenge c = challenge(authenticator().authenticate(bearer(RESOURCE, "files:read"), "/mcp"));
        assertThat(c.status()).isEqualTo(403);
        WwwAuthenticate.Challenge parsed = WwwAuthenticate.parse(c.wwwAuthenticate()).bearer().orElseThrow();
        assertThat(parsed.param("error")).contains("insufficient_scope");
        assertThat(parsed.param("scope")).contains("mcp");
        assertThat(parsed.param("resource_metadata")).contains(BASE + "/.well-known/oauth-protected-resource/mcp");
    }

    @Test
    void adminNeedsTheAdminScope() {
        Result.Challenge c = challenge(authenticator().authenticate(bearer(RESOURCE, "mcp"), "/admin/servers"));
        assertThat(c.status()).isEqualTo(403);
        assertThat(WwwAuthenticate.parse(c.wwwAuthenticate()).bearer().orElseThrow().param("scope"))
                .contains("mcp mcp:admin");
        allowed(authenticator().authenticate(bearer(RESOURCE, "mcp mcp:admin"), "/admin/servers"));
    }

    @Test
    void restrictedProfileNeedsItsScopeOpenProfileDoesNot() {
        Result.Challenge c = challenge(authenticator().authenticate(bearer(RESOURCE, "mcp"), "/mcp/ops"));
        assertThat(c.status()).isEqualTo(403);
        assertThat(WwwAuthenticate.parse(c.wwwAuthenticate()).bearer().orElseThrow().param("scope"))
                .contains("mcp profile:ops");
        allowed(authenticator().authenticate(bearer(RESOURCE, "mcp profile:ops"), "/mcp/ops"));
        allowed(authenticator().authenticate(bearer(RESOURCE, "mcp"), "/mcp/dev")); // not restricted
    }

    @Test
    void profileEndpointAcceptsTokensForItsOwnResourceButNotAnotherProfiles() {
        allowed(authenticator().authenticate(bearer(BASE + "/mcp/dev", "mcp"), "/mcp/dev"));
        Result.Challenge c = challenge(authenticator().authenticate(bearer(BASE + "/mcp/ops", "mcp profile:ops"), "/mcp/dev"));
        assertThat(c.status()).isEqualTo(401);
        // and the base resource does not take a profile's token
        assertThat(challenge(authenticator().authenticate(bearer(BASE + "/mcp/dev", "mcp"), "/mcp")).status()).isEqualTo(401);
    }

    @Test
    void aClaimOtherThanScopeSelectsProfilesWithoutStepUp() {
        OAuthAuthenticator byClient = authenticator("client_id", Map.of("dev", List.of("m2m"), "ops", List.of("ops-bot")),
                Clock.systemUTC());
        allowed(byClient.authenticate(bearer(RESOURCE, "mcp"), "/mcp/dev/anything"));
        Result.Challenge c = challenge(byClient.authenticate(bearer(RESOURCE, "mcp"), "/mcp/ops"));
        assertThat(c.status()).isEqualTo(403);
        assertThat(c.wwwAuthenticate()).isNull(); // no scope would help: not a step-up
        assertThat(c.body().path("error_description").asText()).contains("client_id ops-bot");
    }

    @Test
    void metadataDocumentsNeedNoToken() {
        Principal p = allowed(authenticator().authenticate(null, "/.well-known/oauth-protected-resource/mcp"));
        assertThat(p.subject()).isEqualTo(Principal.ANONYMOUS_SUBJECT);
    }

    @Test
    void unreachableProviderIs503() {
        ObjectNode node = Json.object();
        node.put("issuer", "http://127.0.0.1:9");
        node.put("audience", RESOURCE);
        OAuthAuthenticator dead = OAuthAuthenticator.of(new TokenVerifier(AuthSettings.fromJson(node).settings(),
                OAuthHttp.withDefaultClient(), Clock.systemUTC()));
        assertThat(challenge(dead.authenticate(bearer(RESOURCE, "mcp"), "/mcp")).status()).isEqualTo(503);
    }
}
