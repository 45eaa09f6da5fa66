package dev.dynamicmcp.auth.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dynamicmcp.app.ProxyApp;
import dev.dynamicmcp.auth.McpUpstream;
import dev.dynamicmcp.auth.OidcFixture;
import dev.dynamicmcp.client.McpClient;
import dev.dynamicmcp.config.ConfigLoader;
import dev.dynamicmcp.manager.ServerState;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.testsupport.HeadlessChromium;
import dev.dynamicmcp.transport.StreamableHttpTransport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * The console's "Sign in" button in a real browser (Debian's Chromium, bin/install-browser), against the real
 * proxy in front of an upstream protected by a real OpenID provider (oidc-provider; the fixture approves the
 * login and consent at once, as a person clicking through would): the row says "needs sign-in", the button
 * opens the provider's page in a new tab and leaves the link in the notice, the provider sends the browser back
 * to the proxy's callback, and the open console turns the row "ready" without a reload.
 */
@Tag("browser")
class ConsoleSignInBrowserTest {
    private static HeadlessChromium browser;
    private static ChromeDriver driver;
    private static OidcFixture idp;

    @TempDir
    Path dataDir;
    private McpUpstream upstream;
    private ProxyApp proxy;

    @BeforeAll
    static void start() throws Exception {
        browser = HeadlessChromium.start("--disable-popup-blocking");
        driver = browser.driver();
        idp = OidcFixture.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.close();
        }
        if (idp != null) {
            idp.close();
        }
    }

    @AfterEach
    void stopProxy() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                .ignoreExceptions().until(condition::getAsBoolean);
    }

    private static WebElement row(String name) {
        return driver.findElement(By.cssSelector("#servers tbody tr[data-server='" + name + "']"));
    }

    @Test
    void signingInFromTheConsoleTurnsTheServerReady() throws Exception {
        Files.writeString(dataDir.resolve(TokenStore.KEY_FILE), TokenStore.generateKey());
        upstream = McpUpstream.protectedBy(idp.issuer());
        int port = UpstreamOAuthProxyTest.freePort();
        proxy = ProxyApp.start(ConfigLoader.parse("""
                {"proxy": {"port": %d, "dataDir": %s,
                           "defaults": {"requestTimeout": "10s", "backoff": {"initial": "100ms", "max": "1h"}}},
                 "mcpServers": {"protected": {"url": "%s", "transport": "streamable-http", "oauth": {}}}}
                """.formatted(port, Json.write(Json.MAPPER.valueToTree(dataDir.toString())), upstream.url()),
                Map.of(), dataDir), ProxyApp.Options.httpOnly());
        assertThat(proxy.manager().status("protected").state()).isNotEqualTo(ServerState.READY);

        driver.get(proxy.baseUri().toString());
        String console = driver.getWindowHandle();
        waitFor(() -> row("protected").findElement(By.cssSelector(".state")).getText().equals("needs sign-in"));
        driver.executeScript("window.__sameDocument = 'yes'");
        waitFor(() -> { // the live page may re-render the row between finding the button and clicking it
            row("protected").findElement(By.cssSelector("button[data-action='sign-in']")).click();
            return true;
        });

        // the notice keeps the link (for a blocked pop-up): the provider's authorization endpoint
        waitFor(() -> driver.findElement(By.id("sign-in-link")).isDisplayed());
        String link = driver.findElement(By.id("sign-in-link")).getDomProperty("href");
        assertThat(link).startsWith(idp.issuer() + "/auth?").contains("code_challenge_method=S256")
                .contains("resource=");
        // the button opened it in a tab of its own; the provider sends that tab back to the proxy's callback
        waitFor(() -> driver.getWindowHandles().size() == 2);
        Set<String> handles = driver.getWindowHandles();
        String signInTab = handles.stream().filter(h -> !h.equals(console)).findFirst().orElseThrow();
        driver.switchTo().window(signInTab);
        waitFor(() -> driver.getCurrentUrl().startsWith("http://127.0.0.1:" + port + UpstreamOAuth.CALLBACK_PATH)
                && driver.findElement(By.tagName("body")).getText().contains("Signed in to protected"));
        driver.close();

        driver.switchTo().window(console);
        // the backoff is an hour: only the completed sign-in can have connected it, and the page shows it live
        waitFor(() -> row("protected").findElement(By.cssSelector(".state")).getText().equals("ready"));
        assertThat(row("protected").findElements(By.cssSelector("button[data-action='sign-in']"))).isEmpty();
        assertThat(driver.executeScript("return window.__sameDocument")).as("the page was not reloaded").isEqualTo("yes");
        try (McpClient client = new McpClient("console-test", new StreamableHttpTransport("console-test",
                proxy.endpoint(), Map.of(), null, Duration.ofSeconds(10)), McpClient.Options.defaults())) {
            client.connect(Duration.ofSeconds(20));
            assertThat(client.callTool("protected__whoami", Json.object()).path("content").path(0).path("text")
                    .asText()).isEqualTo("hello alice");
        }
    }
}
