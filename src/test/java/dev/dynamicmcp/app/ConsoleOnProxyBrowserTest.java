package dev.dynamicmcp.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dynamicmcp.client.McpClient;
import dev.dynamicmcp.config.ConfigException;
import dev.dynamicmcp.config.ConfigLoader;
import dev.dynamicmcp.manager.ServerState;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.testsupport.HeadlessChromium;
import dev.dynamicmcp.testsupport.FaultServer;
import dev.dynamicmcp.testsupport.HttpFault;
import dev.dynamicmcp.transport.StreamableHttpTransport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;

/**
 * The console in a real browser (Debian's Chromium through its chromedriver, both from bin/install-browser)
 * against the REAL proxy: {@link ProxyApp} with its config file, in front of real upstream servers (stdio fault
 * servers in their own JVMs, a Streamable HTTP one). What a user sees: a stdio server killed with {@code kill -9}
 * turns "down" on the open page and back to "ready" without a reload; a server added through the form shows its
 * tools in the page and in an MCP client's {@code tools/list}; a bad entry shows the loader's message. Also writes
 * {@code docs/console.png}.
 */
@Tag("browser")
class ConsoleOnProxyBrowserTest {
    private static HeadlessChromium browser;
    private static ChromeDriver driver;

    @TempDir
    Path dir;

    private HttpFault web;
    private HttpFault extra;
    private ProxyApp app;
    private McpClient client;

    @BeforeAll
    static void startBrowser() throws Exception {
        browser = HeadlessChromium.start();
        driver = browser.driver();
    }

    @AfterAll
    static void stopBrowser() throws Exception {
        if (browser != null) {
            browser.close();
        }
    }

    @AfterEach
    void stopProxy() throws Exception {
        if (client != null) {
            client.close();
        }
        if (app != null) {
            app.close();
        }
        if (web != null) {
            web.close();
        }
        if (extra != null) {
            extra.close();
        }
    }

    /** alpha (stdio), web (HTTP) and {@code third}: the proxy started from a config file. */
    private void startProxy(String third) throws Exception {
        web = FaultServer.startHttp(FaultServer.Options.builder().name("web").build());
        extra = FaultServer.startHttp(FaultServer.Options.builder().name("extra").tools(2).build());
        Path file = dir.resolve("proxy.json");
        Files.writeString(file, "{\n  \"proxy\": {\"port\": 0},\n  \"mcpServers\": {\n    \"alpha\": "
                + AdminApiTest.stdio("--name", "alpha") + ",\n    \"web\": {\"url\": \"" + web.url() + "\"},\n"
                + "    \"files\": " + third + "\n  }\n}\n");
        app = ProxyApp.assemble(ConfigLoader.load(file), ProxyApp.Options.httpOnly(), file);
        app.start();
        client = new McpClient("console-test", new StreamableHttpTransport("console-test", app.endpoint(), Map.of(),
                null, Duration.ofSeconds(10)), McpClient.Options.defaults());
        client.connect(Duration.ofSeconds(20));
    }

    private static void viewport(int width, int height) {
        driver.manage().window().setSize(new Dimension(width, height));
        long extraWidth = (Long) js("return window.outerWidth - window.innerWidth");
        long extraHeight = (Long) js("return window.outerHeight - window.innerHeight");
        driver.manage().window().setSize(new Dimension(width + (int) extraWidth, height + (int) extraHeight));
    }

    private void open() {
        driver.get("about:blank");
        viewport(1280, 800);
        driver.manage().logs().get(LogType.BROWSER);
        driver.get(app.baseUri().toString());
        waitFor(() -> "live".equals(driver.findElement(By.id("feed")).getText()));
        waitFor(() -> driver.findElements(By.cssSelector("#servers tbody tr")).size() == 3);
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(5)).ignoreExceptions().until(condition::getAsBoolean);
    }

    private static WebElement row(String name) {
        return driver.findElement(By.cssSelector("#servers tbody tr[data-server='" + name + "']"));
    }

    private static WebElement profileRow(String name) {
        return driver.findElement(By.cssSelector("#profiles tbody tr[data-profile='" + name + "']"));
    }

    private static String status(String name) {
        return row(name).findElement(By.cssSelector(".state")).getText();
    }

    private static Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    private static void assertNoPageErrors(String... allowed) {
        List<LogEntry> severe = driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(entry -> entry.getLevel().intValue() >= Level.SEVERE.intValue())
                .filter(entry -> java.util.Arrays.stream(allowed).noneMatch(entry.getMessage()::contains))
                .toList();
        assertThat(severe).as("errors the page logged").isEmpty();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> seen() {
        return (List<Map<String, Object>>) js("return window.__seen");
    }

    private List<String> toolNames() {
        return client.listTools().stream().map(t -> t.path("name").asText()).toList();
    }

    @Test
    void aStdioServerKilledWithKill9TurnsDownOnTheOpenPageAndReadyAgainWithoutAReload() throws Exception {
        startProxy(AdminApiTest.stdio("--name", "files"));
        open();
        // read in one script: a refresh re-renders the rows, and a row found a round trip earlier goes stale
        assertThat(js("return [...document.querySelectorAll('#servers tbody tr')].map(r => r.dataset.server)"))
                .asList().containsExactly("alpha", "web", "files");
        waitFor(() -> status("files").equals("ready"));
        js("window.__sameDocument = 'yes'");
        // Every row the page renders for "files", from the observer's records: the server is back within a
        // second, and its "down" and "connecting" events can arrive in one read of the feed, so the page may
        // render "down" and replace it within one task (never painted, and never there when the observer's
        // callback runs). Reading the cell as it is at callback time missed that "down" under load.
        js("""
                window.__seen = [];
                const push = (row) => {
                  const cell = row.querySelector('.state');
                  if (!cell) return;
                  const last = window.__seen[window.__seen.length - 1];
                  if (last && last.text === cell.textContent) return;
                  const at = Number(row.dataset.updatedAt);
                  window.__seen.push({ text: cell.textContent, badge: cell.className, at: at > 0 ? at : Date.now() });
                };
                const rowsIn = (node) => node.nodeType !== 1 ? []
                    : node.matches("tr[data-server='files']") ? [node]
                    : [...node.querySelectorAll("tr[data-server='files']")];
                new MutationObserver((records) => records.forEach((record) => {
                  record.addedNodes.forEach((node) => rowsIn(node).forEach(push));
                  if (record.type === 'characterData') rowsIn(document.querySelector('#servers tbody')).forEach(push);
                })).observe(document.querySelector('#servers tbody'),
                    { childList: true, subtree: true, characterData: true });
                rowsIn(document.querySelector('#servers tbody')).forEach(push);""");
        long pid = app.manager().client("files").transport().pid();
        assertThat(pid).isPositive();

        long killedAt = System.currentTimeMillis();
        Process kill = new ProcessBuilder("kill", "-9", Long.toString(pid)).inheritIO().start();
        assertThat(kill.waitFor()).isZero();
        waitFor(() -> seen().stream().anyMatch(shown -> shown.get("text").equals("down")));
        Map<String, Object> down = seen().stream().filter(shown -> shown.get("text").equals("down")).findFirst()
                .orElseThrow();
        assertThat((String) down.get("badge")).as("the row's badge").contains("state-down");
        long downShown = ((Number) down.get("at")).longValue();
        // the timeline keeps the change on screen, in the same red badge
        waitFor(() -> driver.findElements(By.cssSelector("#timeline li.t-down[data-server='files']")).stream()
                .anyMatch(item -> item.getText().contains("READY → "))); // to BACKOFF (or UNHEALTHY)
        assertThat(js("return getComputedStyle(document.querySelector(\"#timeline li.t-down[data-server='files']"
                + " .state\")).color")).as("red").isEqualTo("rgb(207, 34, 46)");

        waitFor(() -> status("files").equals("ready") && seen().getLast().get("text").equals("ready"));
        List<Map<String, Object>> shown = seen();
        Map<String, Object> ready = shown.subList(shown.indexOf(down), shown.size()).stream()
                .filter(s -> s.get("text").equals("ready")).findFirst().orElseThrow();
        long readyShown = ((Number) ready.get("at")).longValue();
        assertThat(js("return getComputedStyle(document.querySelector(\"#servers tbody tr[data-server='files']"
                + " .state\")).color")).as("green").isEqualTo("rgb(26, 127, 55)");
        assertThat(app.manager().client("files").transport().pid()).as("a new process").isNotEqualTo(pid);
        assertThat(js("return window.__sameDocument")).as("the page was not reloaded").isEqualTo("yes");
        assertThat(js("return [...document.querySelectorAll(\"#timeline li[data-server='files']\")].map(li => li.innerText)"))
                .asList().anyMatch(text -> ((String) text).contains("READY →"));
        System.out.printf("FIGURE kill -9 -> console shows down in %d ms, ready again in %d ms%n",
                downShown - killedAt, readyShown - killedAt);
        assertNoPageErrors();
    }

    @Test
    void aServerAddedThroughTheFormShowsItsToolsInThePageAndInAnMcpClientsToolsList() throws Exception {
        startProxy(AdminApiTest.stdio("--name", "files"));
        open();
        assertThat(toolNames()).noneMatch(name -> name.startsWith("gamma__"));

        driver.findElement(By.id("add-open")).click();
        driver.findElement(By.id("add-name")).sendKeys("gamma");
        WebElement entry = driver.findElement(By.id("add-entry"));
        entry.clear();
        entry.sendKeys("{\"url\": \"" + extra.url() + "\"}");
        driver.findElement(By.id("add-submit")).click();

        waitFor(() -> driver.findElements(By.cssSelector("#servers tbody tr[data-server='gamma']")).size() == 1);
        waitFor(() -> status("gamma").equals("ready"));
        waitFor(() -> driver.findElement(By.id("items")).getText().contains("t1"));
        assertThat(driver.findElement(By.id("detail-title")).getText()).isEqualTo("gamma");
        assertThat(driver.findElement(By.id("items")).getText()).contains("echo");
        waitFor(() -> toolNames().contains("gamma__t1"));
        assertThat(app.manager().config("gamma")).isPresent();
        assertThat(ConfigLoader.load(dir.resolve("proxy.json")).servers()).containsKey("gamma");

        driver.findElement(By.cssSelector("#items li[data-item='echo'] button")).click();
        waitFor(() -> "gamma__echo".equals(driver.findElement(By.id("try-tool")).getDomProperty("value")));
        WebElement args = driver.findElement(By.id("try-args"));
        args.clear();
        args.sendKeys("{\"message\": \"hello from the console\"}");
        driver.findElement(By.id("try-call")).click();
        waitFor(() -> driver.findElement(By.id("try-result")).getText().contains("hello from the console"));
        assertNoPageErrors();
    }

    @Test
    void aBadEntryShowsTheLoadersMessageNextToTheFieldAndNothingIsAdded() throws Exception {
        startProxy(AdminApiTest.stdio("--name", "files"));
        open();
        String bad = "{\"command\": \"x\", \"url\": \"http://localhost:1/mcp\", \"requestTimeout\": \"soon\"}";
        List<String> expected;
        try {
            ConfigLoader.parse("{\"mcpServers\": {\"broken\": " + bad + "}}", Map.of(), dir);
            throw new AssertionError("the entry should be invalid");
        } catch (ConfigException e) {
            expected = e.problems().stream().map(problem -> problem.message()).toList();
        }
        String fileBefore = Files.readString(dir.resolve("proxy.json"));
        driver.findElement(By.id("add-open")).click();
        driver.findElement(By.id("add-name")).sendKeys("broken");
        WebElement entry = driver.findElement(By.id("add-entry"));
        entry.clear();
        entry.sendKeys(bad);
        driver.findElement(By.id("add-submit")).click();
        waitFor(() -> !driver.findElement(By.id("add-entry-error")).getText().isEmpty());
        String shown = driver.findElement(By.id("add-entry-error")).getText();
        expected.forEach(message -> assertThat(shown).contains(message));
        assertThat(driver.findElement(By.id("add-entry")).getAttribute("aria-invalid")).isEqualTo("true");
        assertThat(app.manager().config("broken")).isEmpty();
        assertThat(Files.readString(dir.resolve("proxy.json"))).isEqualTo(fileBefore);
        assertNoPageErrors("the server responded with a status of 400");
    }

    @Test
    void aProfileAddedThroughTheFormAppearsInThePanelAndItsEndpointServesItsTools() throws Exception {
        startProxy(AdminApiTest.stdio("--name", "files"));
        open();
        waitFor(() -> driver.findElement(By.id("no-profiles")).isDisplayed());

        // A bad entry first: the loader's message next to the field, nothing added.
        driver.findElement(By.id("profile-open")).click();
        driver.findElement(By.id("profile-name")).sendKeys("ops");
        WebElement entry = driver.findElement(By.id("profile-entry"));
        entry.clear();
        entry.sendKeys("{\"servers\": {\"nosuch\": {}}}");
        driver.findElement(By.id("profile-submit")).click();
        waitFor(() -> !driver.findElement(By.id("profile-entry-error")).getText().isEmpty());
        assertThat(driver.findElement(By.cssSelector("#profile-entry-error li[data-field='servers.nosuch']")).getText())
                .contains("names server \"nosuch\", which is not in mcpServers");
        assertThat(driver.findElement(By.id("profile-entry")).getAttribute("aria-invalid")).isEqualTo("true");
        assertThat(app.merged().hasProfile("ops")).isFalse();

        entry.clear();
        entry.sendKeys("{\"servers\": {\"web\": {\"tools\": {\"allow\": [\"echo\", \"add\"]}}}}");
        driver.findElement(By.id("profile-submit")).click();
        waitFor(() -> driver.findElements(By.cssSelector("#profiles tbody tr[data-profile='ops']")).size() == 1);
        waitFor(() -> profileRow("ops").findElements(By.cssSelector(".pattern.allow")).size() == 2);
        assertThat(js("return [...document.querySelectorAll(\"#profiles tbody tr[data-profile='ops']"
                + " li[data-server='web'] .pattern.allow\")].map(p => p.innerText)")).asList()
                .containsExactly("echo", "add");
        waitFor(() -> driver.findElement(By.id("profile-tools-list")).getText().contains("web__add"));
        assertThat(js("return [...document.querySelectorAll('#profile-tools-list li')].map(li => li.dataset.item)"))
                .asList().containsExactlyInAnyOrder("web__echo", "web__add"); // in one read: the list re-renders
        assertThat(driver.findElement(By.id("no-profiles")).isDisplayed()).isFalse();

        try (McpClient ops = new McpClient("ops", new StreamableHttpTransport("ops",
                app.baseUri().resolve("/mcp/ops"), Map.of(), null, Duration.ofSeconds(10)),
                McpClient.Options.defaults())) {
            ops.connect(Duration.ofSeconds(20));
            assertThat(ops.listTools()).extracting(t -> t.path("name").asText())
                    .containsExactlyInAnyOrder("web__echo", "web__add");
        }
        assertThat(ConfigLoader.load(dir.resolve("proxy.json")).profiles()).containsOnlyKeys("ops");

        js("document.querySelector('.profiles-panel').scrollIntoView()");
        Files.write(Path.of("target/console-profiles.png"), ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));

        // Narrow: the panel becomes cards, nothing overflows sideways.
        viewport(420, 800);
        waitFor(() -> (Boolean) js("return document.documentElement.scrollWidth <= window.innerWidth"));
        assertThat(profileRow("ops").isDisplayed()).isTrue();
        js("document.querySelector('.profiles-panel').scrollIntoView()");
        Files.write(Path.of("target/console-profiles-narrow.png"),
                ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
        viewport(1280, 800);

        // Remove takes two clicks; the row goes and so does the endpoint.
        profileRow("ops").findElement(By.cssSelector("button[data-action='remove']")).click();
        waitFor(() -> profileRow("ops").findElement(By.cssSelector("button[data-action='remove']")).getText()
                .equals("Confirm remove"));
        profileRow("ops").findElement(By.cssSelector("button[data-action='remove']")).click();
        waitFor(() -> driver.findElements(By.cssSelector("#profiles tbody tr[data-profile='ops']")).isEmpty());
        assertThat(app.merged().hasProfile("ops")).isFalse();
        assertNoPageErrors("the server responded with a status of 400");
    }

    /**
     * The console from the real proxy: three servers, one down, at 1280×800. Written under target/; to refresh
     * the README's picture run with {@code -Dconsole.screenshot=docs/console.png} (a test run leaves the tree as
     * it found it).
     */
    @Test
    void screenshotOfTheRealConsoleWithThreeServersOneDown() throws Exception {
        startProxy(AdminApiTest.stdio("--name", "files", "--exit-at-start", "3"));
        for (int i = 0; i < 12; i++) {
            client.callTool("alpha__add", Json.object().put("a", i).put("b", 1));
            client.callTool("web__echo", Json.object().put("message", "call " + i));
        }
        open();
        waitFor(() -> status("files").equals("down"));
        assertThat(app.manager().status("files").state()).isIn(ServerState.BACKOFF, ServerState.CONNECTING,
                ServerState.UNHEALTHY);
        // the rows re-render at each of the retrying server's events: a row found a moment ago may be gone
        waitFor(() -> {
            row("web").click(); // selecting is idempotent
            return true;
        });
        waitFor(() -> driver.findElement(By.id("items")).getText().contains("echo"));
        waitFor(() -> Integer.parseInt(row("alpha").findElement(By.cssSelector(".calls-cell")).getText()
                .split(" ")[0]) >= 12);
        waitFor(() -> status("files").equals("down")); // between retries it may show "connecting" for a moment
        js("document.activeElement.blur(); document.querySelector('.servers-panel').scrollLeft = 0; window.scrollTo(0, 0)");
        Path png = Path.of(System.getProperty("console.screenshot", "target/console.png"));
        Files.createDirectories(png.toAbsolutePath().getParent());
        byte[] shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
        Files.write(png, shot);
        var image = ImageIO.read(new java.io.ByteArrayInputStream(shot)); // what was taken, whoever writes the file
        assertThat(image.getWidth()).isEqualTo(1280);
        assertThat(image.getHeight()).isEqualTo(800);
        assertNoPageErrors();
    }
}
