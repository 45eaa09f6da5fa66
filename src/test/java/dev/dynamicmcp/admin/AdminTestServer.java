package dev.dynamicmcp.admin;

import dev.dynamicmcp.runtime.Scheduler;
import java.net.URI;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * A plain Jetty server with the admin routes on {@code /admin/}, the console on {@code /} and a fake
 * {@code /mcp}; optionally a bearer token in front of it all, as the host would check it.
 */
final class AdminTestServer implements AutoCloseable {
    final FakeAdminBackend backend;
    final AdminRoutes admin;
    private final Server jetty = new Server();
    private final ServerConnector connector = new ServerConnector(jetty);

    AdminTestServer(FakeAdminBackend backend, Scheduler scheduler, String token) throws Exception {
        this(backend, new AdminRoutes(backend, scheduler), token);
    }

    AdminTestServer(FakeAdminBackend backend, AdminRoutes admin, String token) throws Exception {
        this.backend = backend;
        this.admin = admin;
        jetty.addConnector(connector);
        Request.Handler adminHandler = admin.handler();
        Request.Handler console = new ConsoleRoutes().handler();
        Request.Handler mcp = new FakeMcpEndpoint(backend);
        jetty.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                String path = Request.getPathInContext(request);
                boolean isConsole = ConsoleRoutes.ASSETS.containsKey(path);
                if (token != null && !isConsole
                        && !("Bearer " + token).equals(request.getHeaders().get("Authorization"))) {
                    return AdminHttp.error(response, callback, 401, "a token is needed");
                }
                if (path.startsWith("/admin/") || path.equals("/admin")) {
                    return adminHandler.handle(request, response, callback);
                }
                return console.handle(request, response, callback) || mcp.handle(request, response, callback)
                        || AdminHttp.error(response, callback, 404, "not found: " + path);
            }
        });
        jetty.start();
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + connector.getLocalPort() + path);
    }

    @Override
    public void close() throws Exception {
        admin.close();
        jetty.stop();
    }
}
