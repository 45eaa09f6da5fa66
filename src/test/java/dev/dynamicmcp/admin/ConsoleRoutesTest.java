package dev.dynamicmcp.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dynamicmcp.testsupport.FakeScheduler;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

class ConsoleRoutesTest {
    @Test
    void servesThePageAndItsAssetsWithAStrictContentSecurityPolicy() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        try (AdminTestServer server = new AdminTestServer(new FakeAdminBackend(), new FakeScheduler(), null)) {
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(server.uri("/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
            assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow())
                    .contains("default-src 'self'").contains("script-src 'self'").doesNotContain("unsafe-inline");
            assertThat(page.body()).contains("<script src=\"/console/console.js\" defer></script>")
                    .doesNotContain("http://", "https://");

            HttpResponse<String> script = http.send(HttpRequest.newBuilder(server.uri("/console/console.js")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(script.headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
            assertThat(script.body()).contains("/admin/events").doesNotContain("innerHTML");
            HttpResponse<String> style = http.send(HttpRequest.newBuilder(server.uri("/console/console.css")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(style.headers().firstValue("Content-Type")).hasValue("text/css; charset=utf-8");

            HttpResponse<String> post = http.send(HttpRequest.newBuilder(server.uri("/"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(405);
            assertThat(http.send(HttpRequest.newBuilder(server.uri("/console/other.js")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).as("not handled: the host's 404").isEqualTo(404);
        }
    }
}
