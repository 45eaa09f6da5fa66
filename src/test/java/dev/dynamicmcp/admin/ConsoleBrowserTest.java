package dev.dynamicmcp.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.config.ConfigException;
import dev.dynamicmcp.config.ConfigLoader;
import dev.dynamicmcp.manager.CallOutcome;
import dev.dynamicmcp.manager.ServerState;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.testsupport.HeadlessChromium;
import dev.dynamicmcp.runtime.SystemScheduler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
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
 * The console in a real browser: Debian's Chromium driven through its chromedriver (both installed by
 * bin/install-browser; nothing is downloaded). The page runs against the admin routes over a fake backend and
 * a fake /mcp, served by a plain Jetty server. Every test also checks that the page logged no error.
 */
@Tag("browser")
class ConsoleBrowserTest {
    private static HeadlessChromium browser;
    private static ChromeDriver driver;

    private final SystemScheduler scheduler = new SystemScheduler();
    private AdminTestServer server;
    private FakeAdminBackend backend;

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

    @BeforeEach
    void startProxy() throws Exception {
        backend = new FakeAdminBackend()
                .server("github", "stdio", ServerState.READY, entry("""
                        {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"],
                         "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_realSecret"}}"""), List.of(
                        FakeAdminBackend.tool("create_issue", "Create a new issue in a repository"),
                        FakeAdminBackend.tool("list_issues", "List issues of a repository"),
                        FakeAdminBackend.tool("get_file_contents", "Get a file from a repository"),
                        FakeAdminBackend.tool("search_code", "Search code across repositories"),
                        FakeAdminBackend.tool("create_pull_request", "Open a pull request")))
                .server("search", "http", ServerState.READY, entry("""
                        {"url": "https://search.example.com/mcp", "headers": {"Authorization": "Bearer abc123"}}"""),
                        List.of(FakeAdminBackend.tool("web_search", "Search the web")))
                .server("files", "stdio", ServerState.READY, entry("""
                        {"command": "mcp-server-filesystem", "args": ["/srv/data"]}"""),
                        List.of(FakeAdminBackend.tool("read_file", "Read a file"),
                                FakeAdminBackend.tool("write_file", "Write a file")));
        server = new AdminTestServer(backend, scheduler, null);
    }

    @AfterEach
    void stopProxy() throws Exception {
        server.close();
        scheduler.close();
    }

    private static ObjectNode entry(String json) {
        return (ObjectNode) Json.parse(json);
    }

    /** Sizes the window so that the page itself (the viewport) is {@code width}×{@code height}. */
    private static void viewport(int width, int height) {
        driver.manage().window().setSize(new Dimension(width, height));
        long extraWidth = (Long) js("return window.outerWidth - window.innerWidth");
        long extraHeight = (Long) js("return window.outerHeight - window.innerHeight");
        driver.manage().window().setSize(new Dimension(width + (int) extraWidth, height + (int) extraHeight));
    }

    private void open(AdminTestServer on) {
        driver.get("about:blank");
        viewport(1280, 800);
        driver.manage().logs().get(LogType.BROWSER); // forget what earlier pages logged
        driver.get(on.uri("/").toString());
        waitFor(() -> "live".equals(driver.findElement(By.id("feed")).getText()));
        waitFor(() -> driver.findElements(By.cssSelector("#servers tbody tr")).size() == on.backend.servers().size());
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(5)).ignoreExceptions().until(condition::getAsBoolean);
    }

    private static WebElement row(String name) {
        return driver.findElement(By.cssSelector("#servers tbody tr[data-server='" + name + "']"));
    }

    private static String status(String name) {
        return row(name).findElement(By.cssSelector(".state")).getText();
    }

    /**
     * A row's update time, state class and state colour, read in one script: a live update may re-render the row
     * between two WebDriver calls, which would leave the second with a stale element.
     */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> shown(String name) {
        return (Map<String, Object>) js("const row = document.querySelector("
                + "`#servers tbody tr[data-server='${arguments[0]}']`); const state = row.querySelector('.state');"
                + " return {updatedAt: row.getAttribute('data-updated-at'), stateClass: state.className,"
                + " color: getComputedStyle(state).color};", name);
    }

    /** Clicks a row's action button (found again if a live update re-rendered the row meanwhile). */
    private static void click(String server, String action) {
        waitFor(() -> {
            row(server).findElement(By.cssSelector("button[data-action='" + action + "']")).click();
            return true;
        });
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

    @Test
    void aServerGoingDownTurnsRedAndComesBackReadyWithoutAReload() {
        open(server);
        assertThat(status("files")).isEqualTo("ready");
        js("window.__sameDocument = 'yes'");

        long downAt = System.currentTimeMillis();
        backend.setState("files", ServerState.BACKOFF, "connection closed: process exited (killed by SIGKILL)");
        waitFor(() -> status("files").equals("down"));
        Map<String, Object> down = shown("files");
        long downShown = Long.parseLong((String) down.get("updatedAt"));
        assertThat((String) down.get("stateClass")).contains("state-down");
        assertThat(down.get("color")).isEqualTo("rgb(207, 34, 46)");
        waitFor(() -> row("files").getText().contains("killed by SIGKILL"));

        long upAt = System.currentTimeMillis();
        backend.setState("files", ServerState.READY, "connected");
        waitFor(() -> status("files").equals("ready"));
        Map<String, Object> up = shown("files");
        long upShown = Long.parseLong((String) up.get("updatedAt"));
        assertThat(up.get("color")).isEqualTo("rgb(26, 127, 55)");

        assertThat(js("return window.__sameDocument")).as("the page was not reloaded").isEqualTo("yes");
        List<WebElement> timeline = driver.findElements(By.cssSelector("#timeline li[data-server='files']"));
        assertThat(timeline).hasSize(2);
        assertThat(timeline.get(0).getText()).contains("BACKOFF → READY");
        assertThat(timeline.get(1).getText()).contains("READY → BACKOFF").contains("killed by SIGKILL");
        System.out.printf("FIGURE console: state event -> page shows it: down in %d ms, ready again in %d ms%n",
                downShown - downAt, upShown - upAt);
        assertNoPageErrors();
    }

    @Test
    void addingAServerThroughTheFormShowsItsToolsAndTheyCanBeCalledThroughMcp() {
        backend.toolsFor = name -> List.of(FakeAdminBackend.tool("forecast", "Weather forecast for a city"),
                FakeAdminBackend.tool("alerts", "Weather alerts"));
        open(server);

        driver.findElement(By.id("add-open")).click();
        driver.findElement(By.id("add-name")).sendKeys("weather");
        WebElement entry = driver.findElement(By.id("add-entry"));
        entry.clear();
        entry.sendKeys("{\"command\": \"weather-mcp\", \"args\": [\"--units\", \"metric\"]}");
        driver.findElement(By.id("add-submit")).click();

        waitFor(() -> driver.findElements(By.cssSelector("#servers tbody tr[data-server='weather']")).size() == 1);
        waitFor(() -> status("weather").equals("ready"));
        waitFor(() -> driver.findElements(By.cssSelector("#items li")).size() == 2);
        assertThat(driver.findElement(By.id("detail-title")).getText()).isEqualTo("weather");
        assertThat(driver.findElement(By.id("items")).getText()).contains("forecast").contains("alerts");
        assertThat(backend.storedEntry("weather").path("command").asText()).isEqualTo("weather-mcp");

        driver.findElement(By.cssSelector("#items li[data-item='forecast'] button")).click();
        waitFor(() -> "weather__forecast".equals(driver.findElement(By.id("try-tool")).getDomProperty("value")));
        WebElement args = driver.findElement(By.id("try-args"));
        args.clear();
        args.sendKeys("{\"city\": \"Oslo\"}");
        driver.findElement(By.id("try-call")).click();
        waitFor(() -> driver.findElement(By.id("try-result")).getText().contains("called weather__forecast"));
        assertThat(driver.findElement(By.id("try-result")).getText()).contains("{\"city\":\"Oslo\"}");
        assertNoPageErrors();
    }

    @Test
    void aBadEntryShowsTheLoadersMessageNextToTheField() {
        open(server);
        String bad = "{\"command\": \"x\", \"url\": \"http://localhost:1/mcp\", \"requestTimeout\": \"soon\"}";
        List<String> expected;
        try {
            ConfigLoader.parse("{\"mcpServers\": {\"broken\": " + bad + "}}", Map.of(), Path.of("."));
            throw new AssertionError("the entry should be invalid");
        } catch (ConfigException e) {
            expected = e.problems().stream().map(problem -> problem.message()).toList();
        }
        assertThat(expected).hasSizeGreaterThanOrEqualTo(2);

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
        assertThat(driver.findElement(By.id("add")).isDisplayed()).as("the form stays open").isTrue();
        assertThat(backend.server("broken")).isEmpty();

        WebElement name = driver.findElement(By.id("add-name"));
        name.clear();
        name.sendKeys("has space");
        entry.clear();
        entry.sendKeys("{\"command\": \"x\"}");
        driver.findElement(By.id("add-submit")).click();
        waitFor(() -> !driver.findElement(By.id("add-name-error")).getText().isEmpty());
        assertThat(driver.findElement(By.id("add-name-error")).getText()).startsWith("name may only contain");
        assertNoPageErrors("the server responded with a status of 400");
    }

    @Test
    void theSearchBoxFiltersAServersTools() {
        open(server);
        row("github").click();
        waitFor(() -> driver.findElements(By.cssSelector("#items li")).size() == 5);
        driver.findElement(By.id("search")).sendKeys("issue");
        waitFor(() -> driver.findElements(By.cssSelector("#items li")).size() == 2);
        assertThat(driver.findElements(By.cssSelector("#items li .item-name")).stream().map(WebElement::getText))
                .containsExactly("create_issue", "list_issues");
        driver.findElement(By.id("search")).sendKeys("zzz");
        waitFor(() -> driver.findElements(By.cssSelector("#items li")).isEmpty());
        assertThat(driver.findElement(By.id("no-items")).getText()).contains("Nothing matches");
        assertThat(driver.findElement(By.id("detail-config")).getDomProperty("textContent")).contains("****").doesNotContain("ghp_realSecret");
        assertNoPageErrors();
    }

    @Test
    void actionButtonsDisableEnableRestartAndRemove() {
        open(server);
        click("search", "disable");
        waitFor(() -> status("search").equals("disabled"));
        click("search", "enable");
        waitFor(() -> status("search").equals("ready"));
        click("search", "restart");
        waitFor(() -> backend.actions.contains("restart search"));
        click("search", "remove");
        waitFor(() -> row("search").findElement(By.cssSelector("button[data-action='remove']")).getText()
                .equals("Confirm remove"));
        assertThat(backend.server("search")).as("the first click only arms the button").isPresent();
        backend.call("search", 5, CallOutcome.SUCCESS); // a live update re-renders the row between the clicks
        waitFor(() -> driver.findElements(By.cssSelector("#servers tbody tr[data-server='search'] .calls-cell"))
                .getFirst().getText().startsWith("1 /"));
        click("search", "remove");
        waitFor(() -> driver.findElements(By.cssSelector("#servers tbody tr[data-server='search']")).isEmpty());
        assertThat(backend.actions).containsSubsequence("disable search", "enable search", "restart search",
                "remove search");
        assertNoPageErrors();
    }

    @Test
    void aNarrowWindowStacksTheLayoutWithoutHorizontalScrolling() {
        open(server);
        // A desktop window cannot be made this narrow; emulate the phone-sized viewport instead.
        driver.executeCdpCommand("Emulation.setDeviceMetricsOverride",
                Map.of("width", 420, "height", 800, "deviceScaleFactor", 1, "mobile", false));
        waitFor(() -> ((Number) js("return document.documentElement.clientWidth")).intValue() == 420);
        assertThat(((Number) js("return document.documentElement.scrollWidth - document.documentElement.clientWidth"))
                .intValue()).as("horizontal overflow in px").isLessThanOrEqualTo(0);
        assertThat(row("files").isDisplayed()).isTrue();
        assertThat(row("files").getCssValue("display")).as("rows become cards").isEqualTo("block");
        assertThat(driver.findElement(By.cssSelector("#servers thead")).isDisplayed()).isFalse();
        assertThat(row("files").getText()).contains("files").contains("ready");
        driver.executeCdpCommand("Emulation.clearDeviceMetricsOverride", Map.of());
        assertNoPageErrors();
    }

    @Test
    void aTokenIsAskedOnceAndKeptForTheSessionOnly() throws Exception {
        try (AdminTestServer guarded = new AdminTestServer(backend, new AdminRoutes(backend, scheduler), "s3cret")) {
            driver.manage().logs().get(LogType.BROWSER);
            driver.get(guarded.uri("/").toString());
            waitFor(() -> driver.findElement(By.id("token-dialog")).isDisplayed());
            driver.findElement(By.id("token-input")).sendKeys("s3cret");
            driver.findElement(By.id("token-ok")).click();
            waitFor(() -> driver.findElements(By.cssSelector("#servers tbody tr")).size() == 3);
            waitFor(() -> "live".equals(driver.findElement(By.id("feed")).getText()));
            assertThat(js("return sessionStorage.getItem('dynamic-mcp-proxy.token')")).isEqualTo("s3cret");
            assertThat(js("return localStorage.length")).isEqualTo(0L);

            driver.navigate().refresh();
            waitFor(() -> driver.findElements(By.cssSelector("#servers tbody tr")).size() == 3);
            assertThat(driver.findElement(By.id("token-dialog")).isDisplayed()).as("asked once per session").isFalse();
            js("sessionStorage.clear()");
            assertNoPageErrors("status of 401");
        }
    }

    /**
     * The same picture over the fake backend, at 1280×800 (kept under target/: docs/console.png is taken from
     * the real proxy by {@code app.ConsoleOnProxyBrowserTest}).
     */
    @Test
    void screenshotOfTheConsoleWithThreeServersOneDown() throws Exception {
        open(server);
        IntStream.range(0, 40).forEach(i -> backend.call("github", 20 + i % 7 * 9, CallOutcome.SUCCESS));
        backend.call("github", 5000, CallOutcome.TIMEOUT);
        IntStream.range(0, 25).forEach(i -> backend.call("search", 120 + i * 4, CallOutcome.SUCCESS));
        backend.setState("files", ServerState.UNHEALTHY, "3 health pings failed in a row");
        backend.setState("files", ServerState.BACKOFF,
                "connection closed: process exited with code 137 (killed by SIGKILL); reconnecting in 2s");
        waitFor(() -> status("files").equals("down"));
        row("github").click();
        waitFor(() -> driver.findElements(By.cssSelector("#items li")).size() == 5);
        waitFor(() -> row("github").findElement(By.cssSelector(".calls-cell")).getText().equals("41 / 1"));
        js("document.activeElement.blur(); document.querySelector('.servers-panel').scrollLeft = 0; window.scrollTo(0, 0)");
        assertThat(((Number) js("const p = document.querySelector('.servers-panel'); return p.scrollWidth - p.clientWidth")).intValue())
                .as("the servers table fits at 1280 px").isLessThanOrEqualTo(0);

        Path png = Path.of("target/console-fake-backend.png");
        Files.write(png, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
        var image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(1280);
        assertThat(image.getHeight()).isEqualTo(800);
        assertNoPageErrors();
    }
}
