package dev.dynamicmcp.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * A small Streamable HTTP MCP server (JSON answers, no session) for the end-to-end auth tests: one tool,
 * {@code whoami}, answering {@code hello <subject>}. Protected ({@link #protectedBy}): RFC 9728 metadata and
 * bearer tokens checked by the proxy's own {@link TokenVerifier}, audience its own URL, scope {@code mcp}.
 * Open ({@link #open}): anyone. Either way it records the headers of every request it got, so a test can say
 * what an upstream saw (and never saw).
 */
public final class McpUpstream implements AutoCloseable {
    private final Server server = new Server();
    private final URI url;
    private final Authenticator authenticator;
    private final ObjectNode metadata;
    private final List<Map<String, String>> requests = new CopyOnWriteArrayList<>();

    private McpUpstream(String issuer) throws Exception {
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                return serve(request, response, callback);
            }
        });
        server.start();
        url = URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/mcp");
        if (issuer == null) {
            authenticator = Authenticator.none();
            metadata = null;
        } else {
            ObjectNode settings = Json.object();
            settings.put("issuer", issuer);
            settings.put("audience", url.toString());
            settings.putArray("requiredScopes").add("mcp");
            AuthSettings auth = AuthSettings.fromJson(settings, "upstream").settings();
            OAuthAuthenticator oauth = OAuthAuthenticator.of(new TokenVerifier(auth, OAuthHttp.withDefaultClient(),
                    Clock.systemUTC()));
            authenticator = oauth;
            metadata = oauth.metadata().document(ResourceMetadata.WELL_KNOWN + "/mcp").orElseThrow();
        }
    }

    /** Tokens of {@code issuer} for this server's URL with scope {@code mcp} only. */
    public static McpUpstream protectedBy(String issuer) throws Exception {
        return new McpUpstream(issuer);
    }

    public static McpUpstream open() throws Exception {
        return new McpUpstream(null);
    }

    public URI url() {
        return url;
    }

    /** The headers (lower-case names) of every request so far. */
    public List<Map<String, String>> requests() {
        return List.copyOf(requests);
    }

    private boolean serve(Request request, Response response, Callback callback) throws Exception {
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        for (HttpField field : request.getHeaders()) {
            headers.merge(field.getLowerCaseName(), field.getValue(), (a, b) -> a + ", " + b);
        }
        requests.add(Map.copyOf(headers));
        String path = Request.getPathInContext(request);
        if (metadata != null && path.equals(ResourceMetadata.WELL_KNOWN + "/mcp")) {
            return json(response, callback, 200, metadata);
        }
        if (!path.equals("/mcp")) {
            return json(response, callback, 404, Json.object().put("error", "not found"));
        }
        Authenticator.Result result = authenticator.authenticate(request.getHeaders().get(HttpHeader.AUTHORIZATION), path);
        if (result instanceof Authenticator.Result.Challenge challenge) {
            if (challenge.wwwAuthenticate() != null) {
                response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, challenge.wwwAuthenticate());
            }
            return json(response, callback, challenge.status(), challenge.body());
        }
        if (!"POST".equals(request.getMethod())) {
            response.setStatus(405);
            callback.succeeded();
            return true;
        }
        String subject = ((Authenticator.Result.Allowed) result).principal().subject();
        JsonNode rpc;
        try (InputStream in = Content.Source.asInputStream(request)) {
            rpc = Json.parse(in.readAllBytes());
        }
        if (!rpc.has("id")) { // a notification
            response.setStatus(202);
            callback.succeeded();
            return true;
        }
        ObjectNode reply = Json.object().put("jsonrpc", "2.0");
        reply.set("id", rpc.get("id"));
        ObjectNode body = reply.putObject("result");
        switch (rpc.path("method").asText()) {
            case "initialize" -> {
                body.put("protocolVersion", rpc.path("params").path("protocolVersion").asText("2025-11-25"));
                body.putObject("capabilities").putObject("tools");
                body.putObject("serverInfo").put("name", "upstream").put("version", "1");
            }
            case "tools/list" -> {
                ObjectNode tool = body.putArray("tools").addObject();
                tool.put("name", "whoami").put("description", "says who called");
                tool.putObject("inputSchema").put("type", "object");
            }
            case "tools/call" -> body.putArray("content").addObject().put("type", "text").put("text", "hello " + subject);
            default -> { } // ping and the rest: an empty result
        }
        return json(response, callback, 200, reply);
    }

    private static boolean json(Response response, Callback callback, int status, JsonNode body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(Json.writeBytes(body)), callback);
        return true;
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
