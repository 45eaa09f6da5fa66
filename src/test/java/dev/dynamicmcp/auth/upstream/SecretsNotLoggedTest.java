package dev.dynamicmcp.auth.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.dynamicmcp.auth.OidcFixture;
import dev.dynamicmcp.testsupport.LogCapture;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With every logger of ours at DEBUG, no token, code or secret of a whole sign-in shows up in the log. */
class SecretsNotLoggedTest {
    @TempDir
    Path dataDir;

    @Test
    void aFullSignInAndAClientCredentialsRunLogNoSecret() throws Exception {
        List<String> secrets = new ArrayList<>();
        List<ILoggingEvent> logged;
        try (LogCapture log = LogCapture.of("dev.dynamicmcp", Level.DEBUG)) {
            logged = signInAndClientCredentials(secrets, log);
        }
        assertThat(logged).isNotEmpty(); // the sign-in URL and the transitions are logged
        for (ILoggingEvent event : logged) {
            String line = event.getFormattedMessage() + (event.getThrowableProxy() == null ? ""
                    : event.getThrowableProxy().getMessage());
            for (String secret : secrets) {
                assertThat(line).doesNotContain(secret);
            }
        }
    }

    /** Runs both flows, adding what must never be logged to {@code secrets}; what was logged, once all is closed. */
    private List<ILoggingEvent> signInAndClientCredentials(List<String> secrets, LogCapture log) throws Exception {
        try (OidcFixture idp = OidcFixture.start();
             ProtectedUpstream upstream = new ProtectedUpstream(idp.issuer());
             ProxySide proxy = new ProxySide(dataDir)) {
            UpstreamAuth user = proxy.oauth.forServer("protected", upstream.url(), UpstreamOAuthSettings.defaults(), null);
            URI signIn = proxy.call(user, upstream.url(), "initialize").outcome().signInUrl();
            URI callback = proxy.browseUntilCallback(signIn);
            secrets.add(query(callback, "code"));
            assertThat(ProxySide.get(callback).statusCode()).isEqualTo(200);
            StoredCredential signedIn = proxy.store.load(new StoredCredential.Binding("protected",
                    upstream.url().toString(), StoredCredential.SHARED)).orElseThrow();
            secrets.add(signedIn.accessToken());
            secrets.add(signedIn.refreshToken());
            upstream.refuse(signedIn.accessToken());
            assertThat(proxy.call(user, upstream.url(), "tools/call").status()).isEqualTo(200); // refreshed

            UpstreamAuth m2m = proxy.oauth.forServer("m2m", upstream.url(), new UpstreamOAuthSettings(
                    OidcFixture.M2M_ID, OidcFixture.M2M_SECRET, List.of("mcp"), true, false, null), null);
            assertThat(proxy.call(m2m, upstream.url(), "tools/call").status()).isEqualTo(200);
            secrets.add(OidcFixture.M2M_SECRET);
            secrets.add(m2m.headers(upstream.url()).get("Authorization").substring("Bearer ".length()));
        }
        return log.events();
    }

    private static String query(URI uri, String name) {
        for (String pair : uri.getRawQuery().split("&")) {
            if (pair.startsWith(name + "=")) {
                return pair.substring(name.length() + 1);
            }
        }
        throw new AssertionError("no " + name + " in " + uri);
    }

}
