package dev.dynamicmcp.demo;

import dev.dynamicmcp.config.Isolation;
import dev.dynamicmcp.config.ProxyConfig;
import dev.dynamicmcp.config.ProxySettings;
import dev.dynamicmcp.config.ServerConfig;
import dev.dynamicmcp.config.ServerOptions;
import dev.dynamicmcp.config.ToolFilter;
import dev.dynamicmcp.config.TransportKind;
import dev.dynamicmcp.transport.server.HttpServerHost;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The built-in demo: the {@code clock} server as a stdio child process of this same jar, and the
 * {@code notes} server over Streamable HTTP on a free loopback port, both behind the proxy.
 */
public final class Demo implements AutoCloseable {
    private final HttpServerHost notesHost;
    private final ProxyConfig config;

    private Demo(HttpServerHost notesHost, ProxyConfig config) {
        this.notesHost = notesHost;
        this.config = config;
    }

    /** Starts the notes server and returns the demo config, with the given proxy settings. */
    public static Demo start(ProxySettings proxy) throws Exception {
        ProxySettings notesSettings = new ProxySettings("127.0.0.1", 0, proxy.namespace(), proxy.separator(), null,
                proxy.maxBodyBytes(), 1, proxy.defaults());
        HttpServerHost notesHost = new HttpServerHost(notesSettings, new DemoServer(DemoServer.Kind.NOTES));
        notesHost.start();
        Map<String, ServerConfig> servers = new LinkedHashMap<>();
        servers.put("clock", new ServerConfig("clock", TransportKind.STDIO, javaCommand(), childArgs("clock"),
                Map.of(), null, null, Map.of(), false, Isolation.SHARED, ToolFilter.ALLOW_ALL, proxy.defaults()));
        URI notesUrl = notesHost.uri().resolve("/mcp");
        servers.put("notes", new ServerConfig("notes", TransportKind.STREAMABLE_HTTP, null, List.of(), Map.of(), null,
                notesUrl, Map.of(), false, Isolation.SHARED, ToolFilter.ALLOW_ALL, proxy.defaults()));
        return new Demo(notesHost, new ProxyConfig(proxy, servers));
    }

    public ProxyConfig config() {
        return config;
    }

    /** The java running us: the demo child uses the same JDK. */
    static String javaCommand() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    /** JVM flags for a small, fast-starting child, then the hidden demo-server command. */
    static List<String> childArgs(String kind) {
        List<String> args = new ArrayList<>(List.of("-Xss512k", "-Xmx64m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-cp", System.getProperty("java.class.path"),
                "dev.dynamicmcp.cli.Main", "demo-server", kind));
        return args;
    }

    @Override
    public void close() {
        notesHost.close();
    }
}
