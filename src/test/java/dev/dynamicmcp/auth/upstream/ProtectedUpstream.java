package dev.dynamicmcp.auth.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.auth.Authenticator;
import dev.dynamicmcp.auth.AuthSettings;
import dev.dynamicmcp.auth.OAuthAuthenticator;
import dev.dynamicmcp.auth.OAuthHttp;
import dev.dynamicmcp.auth.ResourceMetadata;
import dev.dynamicmcp.auth.TokenVerifier;
import dev.dynamicmcp.protocol.Json;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * A tiny protected MCP server for the tests: RFC 9728 metadata, bearer tokens checked by the proxy's own
 * {@link TokenVerifier} (audience: its own URL), a minimal JSON-RPC {@code initialize} / {@code tools/call}.
 * Knob: {@link #refuse} a token, as if it expired or was revoked at the resource.
 */
final class ProtectedUpstream implements AutoCloseable {
    private final Server server = new Server();
    private final Set<String> refused = ConcurrentHashMap.newKeySet();
    final AtomicInteger unauthorized = new AtomicInteger();
    private volatile Authenticator authenticator;
    private volatile ObjectNode metadata;
    private final URI url;

    ProtectedUpstream(String issuer) throws Exception {
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
        ObjectNode settings = Json.object();
        settings.put("issuer", issuer);
        settings.put("audience", url.toString());
        settings.putArray("requiredScopes").add("mcp");
        AuthSettings auth = AuthSettings.fromJson(settings, "test").settings();
        ResourceMetadata resource = ResourceMetadata.of(auth);
        authenticator = new OAuthAuthenticator(new TokenVerifier(auth, OAuthHttp.withDefaultClient(), Clock.systemUTC()),
                resource, dev.dynamicmcp.auth.AccessPolicy.of(auth));
        metadata = resource.document(ResourceMetadata.WELL_KNOWN + "/mcp").orElseThrow();
    }

    URI url() {
        return url;
    }

    void refuse(String token) {
        refused.add(token);
    }

    private boolean serve(Request request, Response response, Callback callback) throws Exception {
        String path = Request.getPathInContext(request);
        if (path.equals(ResourceMetadata.WELL_KNOWN + "/mcp")) {
            return json(response, callback, 200, metadata);
        }
        if (!path.equals("/mcp")) {
            return json(response, callback, 404, Json.object().put("error", "not found"));
        }
        String header = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        String token = Authenticator.bearerToken(header);
        if (token != null && refused.contains(token)) {
            unauthorized.incrementAndGet();
            response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer error=\"invalid_token\", "
                    + "resource_metadata=\"" + url.resolve("/.well-known/oauth-protected-resource/mcp") + "\"");
            return json(response, callback, 401, Json.object().put("error", "invalid_token"));
        }
        Authenticator.Result result = authenticator.authenticate(header, path);
        if (result instanceof Authenticator.Result.Challenge challenge) {
            unauthorized.incrementAndGet();
            if (challenge.wwwAuthenticate() != null) {
                response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, challenge.wwwAuthenticate());
            }
            return json(response, callback, challenge.status(), challenge.body());
        }
        String subject = ((Authenticator.Result.Allowed) result).principal().subject();
        JsonNode rpc;
        try (InputStream in = Content.Source.asInputStream(request)) {
            rpc = Json.parse(in.readAllBytes());
        }
        ObjectNode reply = Json.object().put("jsonrpc", "2.0");
        reply.set("id", rpc.get("id"));
        ObjectNode body = reply.putObject("result");
        if ("initialize".equals(rpc.path("method").asText())) {
            body.put("protocolVersion", "2025-11-25");
            body.putObject("capabilities").putObject("tools");
            body.putObject("serverInfo").put("name", "protected").put("version", "1");
        } else {
            body.putArray("content").addObject().put("type", "text").put("text", "hello " + subject);
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
