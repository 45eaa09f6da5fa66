package dev.dynamicmcp.interop;

import dev.dynamicmcp.config.ConfigLoader;
import dev.dynamicmcp.config.ProxyConfig;
import dev.dynamicmcp.manager.ServerState;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.app.ProxyApp;
import dev.dynamicmcp.testsupport.Peers;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The proxy as the interop tests see it: server-everything over stdio as {@code everything} and
 * server-everything over Streamable HTTP as {@code remote}, served over HTTP on a free loopback port.
 */
final class EverythingProxy implements AutoCloseable {
    final Peers.NodeServer remote;
    final ProxyApp proxy;

    private EverythingProxy(Peers.NodeServer remote, ProxyApp proxy) {
        this.remote = remote;
        this.proxy = proxy;
    }

    static EverythingProxy start() throws Exception {
        Peers.NodeServer remote = Peers.startEverythingHttp();
        try {
            ProxyApp proxy = ProxyApp.start(ConfigLoader.parse(configJson(remote.url()), Map.of(), Path.of(".")),
                    ProxyApp.Options.httpOnly());
            for (String server : new String[] {"everything", "remote"}) {
                if (proxy.manager().status(server).state() != ServerState.READY) {
                    proxy.close();
                    throw new IllegalStateException("upstream " + server + " is not READY: " + proxy.manager().status(server));
                }
            }
            return new EverythingProxy(remote, proxy);
        } catch (Exception | Error e) {
            remote.close();
            throw e;
        }
    }

    /** The config, with the proxy on a free port (0); also usable as a file for the CLI. */
    static String configJson(URI remoteUrl) {
        return """
                {"proxy": {"port": 0, "defaults": {"requestTimeout": "60s"}},
                 "mcpServers": {
                   "everything": {"command": %s, "args": [%s, "stdio"]},
                   "remote": {"url": "%s", "transport": "streamable-http"}}}
                """.formatted(quote(Peers.node()), quote(Peers.everythingScript().toString()), remoteUrl);
    }

    /** A config file with only the stdio upstream, for a proxy started as a child process. */
    static Path stdioOnlyConfigFile(Path dir) throws Exception {
        String json = """
                {"proxy": {"port": 0},
                 "mcpServers": {"everything": {"command": %s, "args": [%s, "stdio"]}}}
                """.formatted(quote(Peers.node()), quote(Peers.everythingScript().toString()));
        return Files.writeString(dir.resolve("proxy.json"), json);
    }

    private static String quote(String text) {
        return Json.write(Json.MAPPER.getNodeFactory().textNode(text));
    }

    URI baseUri() {
        return proxy.baseUri();
    }

    URI endpoint() {
        return proxy.endpoint();
    }

    @Override
    public void close() {
        try {
            proxy.close();
        } finally {
            remote.close();
        }
    }
}
