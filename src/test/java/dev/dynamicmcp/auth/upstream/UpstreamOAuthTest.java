package dev.dynamicmcp.auth.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dynamicmcp.auth.OidcFixture;
import dev.dynamicmcp.auth.Principal;
import dev.dynamicmcp.auth.upstream.ProxySide.Reply;
import dev.dynamicmcp.auth.upstream.UpstreamAuth.Outcome.Kind;
import dev.dynamicmcp.auth.upstream.UpstreamAuth.State;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The proxy signs in to a protected upstream whose authorization server is a real OpenID provider. */
class UpstreamOAuthTest {
    static OidcFixture idp;
    ProtectedUpstream upstream;
    ProxySide proxy;
    @TempDir
    Path dataDir;

    @BeforeAll
    static void startProvider() {
        idp = OidcFixture.start();
    }

    @AfterAll
    static void stopProvider() {
        if (idp != null) {
            idp.close();
        }
    }

    @BeforeEach
    void start() throws Exception {
        upstream = new ProtectedUpstream(idp.issuer());
        proxy = new ProxySide(dataDir);
    }

    @AfterEach
    void stop() throws Exception {
        upstream.close();
        proxy.close();
    }

    private StoredCredential stored(String principal) throws Exception {
        return proxy.store.load(new StoredCredential.Binding("protected", upstream.url().toString(), principal))
                .orElseThrow();
    }

    @Test
    void signsInCallsRefreshesAndARevokedRefreshTokenNeedsSignIn() throws Exception {
        UpstreamAuth auth = proxy.oauth.forServer("protected", upstream.url(), UpstreamOAuthSettings.defaults(), null);
        assertThat(auth.status().state()).isEqualTo(State.NO_TOKEN);

        // 401 → metadata → dynamic registration → a sign-in URL; no token yet, so the call fails, clearly.
        Reply first = proxy.call(auth, upstream.url(), "initialize");
        assertThat(first.outcome().kind()).isEqualTo(Kind.SIGN_IN_REQUIRED);
        URI signIn = first.outcome().signInUrl();
        assertThat(signIn.toString()).startsWith(idp.issuer() + "/auth?")
                .contains("code_challenge_method=S256").contains("state=")
                .contains("resource=" + dev.dynamicmcp.auth.OAuthHttp.encode(upstream.url().toString()))
                .contains("scope=mcp");
        assertThat(first.outcome().message()).contains("needs sign-in").contains(signIn.toString());
        assertThat(auth.status().state()).isEqualTo(State.SIGN_IN_REQUIRED);
        assertThat(auth.status().signInUrl()).isEqualTo(signIn);

        // Asking again is not a loop of new sign-ins: the same URL until someone uses it.
        assertThat(proxy.call(auth, upstream.url(), "initialize").outcome().signInUrl()).isEqualTo(signIn);

        HttpResponse<String> page = proxy.browse(signIn);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("Signed in to protected");
        assertThat(auth.status().state()).isEqualTo(State.AUTHORIZED);

        Reply init = proxy.call(auth, upstream.url(), "initialize");
        assertThat(init.status()).isEqualTo(200);
        assertThat(init.body().path("result").path("serverInfo").path("name").asText()).isEqualTo("protected");
        assertThat(proxy.call(auth, upstream.url(), "tools/call").text()).isEqualTo("hello alice");
        String firstToken = stored(StoredCredential.SHARED).accessToken();

        // The access token nears its expiry (600 s): the next request refreshes it first.
        int refusalsBefore = upstream.unauthorized.get();
        proxy.scheduler.advance(Duration.ofSeconds(570));
        assertThat(proxy.call(auth, upstream.url(), "tools/call").text()).isEqualTo("hello alice");
        String secondToken = stored(StoredCredential.SHARED).accessToken();
        assertThat(secondToken).isNotEqualTo(firstToken);
        assertThat(upstream.unauthorized.get()).isEqualTo(refusalsBefore); // refreshed before, not after, a refusal

        // The upstream stops taking the token (expired there, revoked...): 401 → refresh → retried, once.
        upstream.refuse(secondToken);
        assertThat(proxy.call(auth, upstream.url(), "tools/call").text()).isEqualTo("hello alice");
        String thirdToken = stored(StoredCredential.SHARED).accessToken();
        assertThat(thirdToken).isNotIn(firstToken, secondToken);

        // The refresh token is revoked at the provider: the next refusal ends in "needs sign-in", not a loop.
        StoredCredential beforeRevocation = stored(StoredCredential.SHARED);
        assertThat(beforeRevocation.clientId()).isNotIn(OidcFixture.APP_ID, OidcFixture.M2M_ID); // registered dynamically
        idp.revoke(beforeRevocation.refreshToken(), beforeRevocation.clientId());
        proxy.scheduler.advance(Duration.ofMinutes(2));
        upstream.refuse(thirdToken);
        int before = upstream.unauthorized.get();
        Reply revoked = proxy.call(auth, upstream.url(), "tools/call");
        assertThat(revoked.outcome().kind()).isEqualTo(Kind.SIGN_IN_REQUIRED);
        assertThat(upstream.unauthorized.get() - before).isEqualTo(1);
        assertThat(auth.status().state()).isEqualTo(State.SIGN_IN_REQUIRED);
        assertThat(auth.status().detail()).contains("refresh token was refused");
        assertThat(stored(StoredCredential.SHARED).refreshToken()).isNull();

        // ...and signing in again brings it back.
        assertThat(proxy.browse(revoked.outcome().signInUrl()).statusCode()).isEqualTo(200);
        assertThat(proxy.call(auth, upstream.url(), "tools/call").text()).isEqualTo("hello alice");
    }

    @Test
    void clientCredentialsNeedNoPersonAndRenewBeforeExpiry() throws Exception {
        UpstreamOAuthSettings m2m = new UpstreamOAuthSettings(OidcFixture.M2M_ID, OidcFixture.M2M_SECRET,
                List.of("mcp"), true, false, null);
        UpstreamAuth auth = proxy.oauth.forServer("protected", upstream.url(), m2m, null);
        assertThat(proxy.call(auth, upstream.url(), "tools/call").text()).isEqualTo("hello m2m");
        assertThat(auth.status().state()).isEqualTo(State.AUTHORIZED);
        String token = stored(StoredCredential.SHARED).accessToken();
        proxy.scheduler.advance(Duration.ofSeconds(580));
        int refusals = upstream.unauthorized.get();
        assertThat(proxy.call(auth, upstream.url(), "tools/call").text()).isEqualTo("hello m2m");
        assertThat(stored(StoredCredential.SHARED).accessToken()).isNotEqualTo(token);
        assertThat(upstream.unauthorized.get()).isEqualTo(refusals);
        assertThat(stored(StoredCredential.SHARED).clientSecret()).isNull(); // the configured secret is not stored
    }

    @Test
    void wrongClientSecretFailsWithoutLooping() throws Exception {
        UpstreamOAuthSettings m2m = new UpstreamOAuthSettings(OidcFixture.M2M_ID, "wrong-secret", List.of("mcp"),
                true, false, null);
        UpstreamAuth auth = proxy.oauth.forServer("protected", upstream.url(), m2m, null);
        Reply reply = proxy.call(auth, upstream.url(), "tools/call");
        assertThat(reply.outcome().kind()).isEqualTo(Kind.FAILED);
        assertThat(reply.outcome().message()).contains("invalid_client").doesNotContain("wrong-secret");
        assertThat(auth.status().state()).isEqualTo(State.FAILED);
    }

    @Test
    void perUserServersKeepOneCredentialPerCallerAndRefuseAnonymousCallers() throws Exception {
        UpstreamOAuthSettings perUser = new UpstreamOAuthSettings(OidcFixture.APP_ID, null, List.of(), false, true, null);
        Principal alice = new Principal("alice", idp.issuer(), Set.of("mcp"), Map.of());
        Principal bob = new Principal("bob", idp.issuer(), Set.of("mcp"), Map.of());
        UpstreamAuth forAlice = proxy.oauth.forServer("protected", upstream.url(), perUser, alice);
        UpstreamAuth forBob = proxy.oauth.forServer("protected", upstream.url(), perUser, bob);
        assertThat(forAlice).isNotSameAs(forBob);
        assertThat(proxy.oauth.forServer("protected", upstream.url(), perUser, alice)).isSameAs(forAlice);

        URI bobSignIn = proxy.call(forBob, upstream.url(), "tools/call").outcome().signInUrl();
        assertThat(bobSignIn.toString()).contains("client_id=app"); // the pre-registered public client
        assertThat(proxy.browse(URI.create(bobSignIn + "&login_hint=bob")).statusCode()).isEqualTo(200);
        assertThat(proxy.call(forBob, upstream.url(), "tools/call").text()).isEqualTo("hello bob");
        assertThat(forAlice.status().state()).isEqualTo(State.NO_TOKEN); // bob's sign-in is not alice's
        assertThat(forAlice.headers(upstream.url())).isEmpty();

        UpstreamAuth anonymous = proxy.oauth.forServer("protected", upstream.url(), perUser, Principal.staticToken());
        assertThat(anonymous.onUnauthorized(401, null).kind()).isEqualTo(Kind.FAILED);
        assertThat(anonymous.status().detail()).contains("per user");
    }

    @Test
    void tokensAreNeverSentToAnotherOrigin() throws Exception {
        UpstreamOAuthSettings m2m = new UpstreamOAuthSettings(OidcFixture.M2M_ID, OidcFixture.M2M_SECRET,
                List.of("mcp"), true, false, null);
        UpstreamAuth auth = proxy.oauth.forServer("protected", upstream.url(), m2m, null);
        assertThat(proxy.call(auth, upstream.url(), "tools/call").status()).isEqualTo(200);
        assertThat(auth.headers(upstream.url().resolve("/messages?session=1"))).containsKey("Authorization");
        assertThat(auth.headers(URI.create("http://evil.example/mcp"))).isEmpty();
        assertThat(auth.headers(URI.create("http://127.0.0.1:1/mcp"))).isEmpty(); // same host, other port
    }

    @Test
    void callbackRefusesAnotherIssuerUnknownStateAndReplays() throws Exception {
        UpstreamAuth auth = proxy.oauth.forServer("protected", upstream.url(), UpstreamOAuthSettings.defaults(), null);
        URI signIn = proxy.call(auth, upstream.url(), "initialize").outcome().signInUrl();
        URI callback = proxy.browseUntilCallback(signIn);
        assertThat(callback.getQuery()).contains("iss=").contains("code=");

        URI mixedUp = URI.create(callback.toString().replaceAll("iss=[^&]*", "iss=https%3A%2F%2Fevil.example"));
        HttpResponse<String> refused = ProxySide.get(mixedUp);
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).contains("mix-up");
        assertThat(auth.status().state()).isEqualTo(State.SIGN_IN_REQUIRED);
        assertThat(auth.status().detail()).contains("evil.example");

        // The state was used up by the refused response: the genuine one cannot be replayed after it.
        assertThat(ProxySide.get(callback).statusCode()).isEqualTo(400);
        assertThat(ProxySide.get(URI.create(proxy.callbackUri() + "?state=made-up&code=x")).body())
                .contains("unknown, already used or expired");
        assertThat(auth.headers(upstream.url())).isEmpty();
    }

    @Test
    void issuerMissingWhereAdvertisedIsRefused() throws Exception {
        UpstreamAuth auth = proxy.oauth.forServer("protected", upstream.url(), UpstreamOAuthSettings.defaults(), null);
        URI callback = proxy.browseUntilCallback(proxy.call(auth, upstream.url(), "initialize").outcome().signInUrl());
        URI withoutIss = URI.create(callback.toString().replaceAll("&?iss=[^&]*", ""));
        HttpResponse<String> refused = ProxySide.get(withoutIss);
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).contains("has no iss");
    }

    @Test
    void signedInStateSurvivesARestartThroughTheEncryptedStore() throws Exception {
        UpstreamOAuthSettings m2m = new UpstreamOAuthSettings(OidcFixture.M2M_ID, OidcFixture.M2M_SECRET,
                List.of("mcp"), true, false, null);
        UpstreamAuth auth = proxy.oauth.forServer("protected", upstream.url(), m2m, null);
        assertThat(proxy.call(auth, upstream.url(), "tools/call").status()).isEqualTo(200);
        String token = stored(StoredCredential.SHARED).accessToken();
        try (var files = Files.list(dataDir.resolve(TokenStore.DIRECTORY))) {
            for (Path file : files.toList()) {
                assertThat(Files.readString(file)).doesNotContain(token);
            }
        }
        UpstreamOAuth restarted = new UpstreamOAuth(proxy.store, proxy.callbackUri(),
                dev.dynamicmcp.auth.OAuthHttp.withDefaultClient(), proxy.scheduler);
        UpstreamAuth again = restarted.forServer("protected", upstream.url(), m2m, null);
        assertThat(again.headers(upstream.url())).containsEntry("Authorization", "Bearer " + token);
        assertThat(again.status().state()).isEqualTo(State.AUTHORIZED);
    }
}
