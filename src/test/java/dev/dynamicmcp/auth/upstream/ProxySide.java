package dev.dynamicmcp.auth.upstream;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.auth.OAuthHttp;
import dev.dynamicmcp.auth.upstream.UpstreamAuth.Outcome;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.testsupport.FakeScheduler;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * The proxy's half in the upstream tests: an {@link UpstreamOAuth} with its callback mounted on a loopback
 * Jetty, a fake clock near real time (the provider's tokens carry real times), and {@link #call}, which does
 * what the HTTP transports must do with the {@link UpstreamAuth} seam.
 */
final class ProxySide implements AutoCloseable {
    final FakeScheduler scheduler = new FakeScheduler(Instant.now());
    final TokenStore store;
    final UpstreamOAuth oauth;
    private final Server server = new Server();
    private final HttpClient http = HttpClient.newHttpClient();
    private final URI callback;

    ProxySide(Path dataDir) throws Exception {
        store = TokenStore.open(dataDir, Map.of(TokenStore.KEY_ENV, TokenStore.generateKey()), null);
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        UpstreamOAuth[] holder = new UpstreamOAuth[1];
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback cb) throws Exception {
                if (!Request.getPathInContext(request).equals(UpstreamOAuth.CALLBACK_PATH)) {
                    return false;
                }
                return holder[0].callbackHandler().handle(request, response, cb);
            }
        });
        server.start();
        callback = URI.create("http://127.0.0.1:" + connector.getLocalPort() + UpstreamOAuth.CALLBACK_PATH);
        oauth = new UpstreamOAuth(store, callback, OAuthHttp.withDefaultClient(), scheduler);
        holder[0] = oauth;
    }

    URI callbackUri() {
        return callback;
    }

    /** An answer of the upstream, or the outcome that ended the attempt. */
    record Reply(int status, ObjectNode body, Outcome outcome) {
        String text() {
            return body.path("result").path("content").path(0).path("text").asText();
        }
    }

    /** One JSON-RPC call the way a transport makes it: headers, and one retry when the seam says so. */
    Reply call(UpstreamAuth auth, URI url, String method) throws Exception {
        ObjectNode rpc = Json.object().put("jsonrpc", "2.0").put("id", 1).put("method", method);
        rpc.putObject("params");
        Outcome last = null;
        for (int attempt = 0; attempt < 2; attempt++) {
            HttpRequest.Builder request = HttpRequest.newBuilder(url).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(Json.write(rpc)));
            auth.headers(url).forEach(request::header);
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 401 || response.statusCode() == 403) {
                last = auth.onUnauthorized(response.statusCode(),
                        response.headers().firstValue("WWW-Authenticate").orElse(null));
                if (last.kind() == Outcome.Kind.RETRY) {
                    continue;
                }
                return new Reply(response.statusCode(), null, last);
            }
            return new Reply(response.statusCode(), (ObjectNode) Json.parse(response.body()), null);
        }
        return new Reply(401, null, last);
    }

    /**
     * A browser with no person at it: follows the redirects (the provider approves at once) to the callback and
     * opens it. (HttpClient's own redirect following stops after 5 hops; login plus consent take 5 before it.)
     */
    HttpResponse<String> browse(URI start) throws Exception {
        return get(browseUntilCallback(start));
    }

    /** Like {@link #browse} but stops at the redirect to the callback and returns its URL, unvisited. */
    URI browseUntilCallback(URI start) throws Exception {
        HttpClient browser = HttpClient.newBuilder().cookieHandler(new CookieManager())
                .followRedirects(HttpClient.Redirect.NEVER).build();
        URI next = start;
        for (int hop = 0; hop < 10; hop++) {
            HttpResponse<String> response = browser.send(HttpRequest.newBuilder(next).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            String location = response.headers().firstValue("Location").orElseThrow(
                    () -> new AssertionError("no redirect: " + response.statusCode() + " " + response.body()));
            next = next.resolve(location);
            if (next.toString().startsWith(callback.toString())) {
                return next;
            }
        }
        throw new AssertionError("never reached the callback");
    }

    static HttpResponse<String> get(URI uri) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() throws Exception {
        server.stop();
        scheduler.close();
    }
}
