package dev.dynamicmcp.auth.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.dynamicmcp.auth.OidcFixture;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** With every logger of ours at DEBUG, no token, code or secret of a whole sign-in shows up in the log. */
class SecretsNotLoggedTest {
    @TempDir
    Path dataDir;

    @Test
    void aFullSignInAndAClientCredentialsRunLogNoSecret() throws Exception {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger ours = context.getLogger("dev.dynamicmcp");
        Level before = ours.getLevel();
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.setContext(context);
        appender.start();
        ours.addAppender(appender);
        ours.setLevel(Level.DEBUG);
        List<String> secrets = new ArrayList<>();
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
        } finally {
            ours.detachAppender(appender);
            ours.setLevel(before);
        }
        assertThat(appender.list).isNotEmpty(); // the sign-in URL and the transitions are logged
        for (ILoggingEvent event : appender.list) {
            String line = event.getFormattedMessage() + (event.getThrowableProxy() == null ? ""
                    : event.getThrowableProxy().getMessage());
            for (String secret : secrets) {
                assertThat(line).doesNotContain(secret);
            }
        }
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
