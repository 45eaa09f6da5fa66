package dev.dynamicmcp.admin;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The operator console: {@code GET /} serves the page, {@code GET /console/console.js}, {@code profiles.js} and
 * {@code /console/console.css} its script and style (all from the jar's {@code console/} resources; no CDN, no
 * build step). The page talks to {@code /admin/*} and to {@code /mcp} with fetch, so it needs nothing else.
 * Served with a Content-Security-Policy that allows only the proxy's own origin and no inline script.
 */
public final class ConsoleRoutes {
    /** The paths this handler answers; everything else returns false (not handled). */
    public static final Map<String, String> ASSETS = Map.of(
            "/", "console/index.html",
            "/index.html", "console/index.html",
            "/console/console.js", "console/console.js",
            "/console/profiles.js", "console/profiles.js",
            "/console/console.css", "console/console.css");
    private static final String CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; "
            + "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    private final Map<String, byte[]> content;

    public ConsoleRoutes() {
        content = new java.util.HashMap<>();
        ASSETS.forEach((path, resource) -> content.put(path, load(resource)));
    }

    public Request.Handler handler() {
        return this::handle;
    }

    private boolean handle(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        byte[] body = content.get(path);
        if (body == null) {
            return false;
        }
        if (!request.getMethod().equals("GET") && !request.getMethod().equals("HEAD")) {
            response.getHeaders().put("Allow", "GET, HEAD");
            return AdminHttp.error(response, callback, 405, request.getMethod() + " is not allowed here; use GET");
        }
        response.getHeaders().put("Content-Security-Policy", CSP);
        response.getHeaders().put("X-Frame-Options", "DENY");
        response.getHeaders().put("Referrer-Policy", "no-referrer");
        return AdminHttp.bytes(response, callback, 200, contentType(ASSETS.get(path)),
                request.getMethod().equals("HEAD") ? new byte[0] : body);
    }

    private static String contentType(String resource) {
        if (resource.endsWith(".js")) {
            return "text/javascript; charset=utf-8";
        }
        if (resource.endsWith(".css")) {
            return "text/css; charset=utf-8";
        }
        return "text/html; charset=utf-8";
    }

    private static byte[] load(String resource) {
        try (InputStream in = ConsoleRoutes.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the console resource " + resource + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("the console resource " + resource + " could not be read", e);
        }
    }
}
