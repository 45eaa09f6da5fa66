package dev.dynamicmcp.cli;

import dev.dynamicmcp.config.ProxyConfig;
import dev.dynamicmcp.config.ServerConfig;
import dev.dynamicmcp.manager.ServerState;
import dev.dynamicmcp.manager.ServerStatus;
import dev.dynamicmcp.app.ProxyApp;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The start-up summary: which servers are READY, which failed and why, and how to connect. */
final class Summary {
    private Summary() {
    }

    static void print(PrintStream out, ProxyApp proxy, ProxyConfig config, Path configFile, boolean stdio) {
        List<ServerStatus> servers = proxy.status();
        long ready = servers.stream().filter(s -> s.state().name().equals("READY")).count();
        out.println();
        out.printf("Dynamic MCP Proxy %s: %d of %d servers ready, %d tools%n",
                dev.dynamicmcp.client.Version.get(), ready, servers.size(), proxy.tools().size());
        out.print(table(proxy, servers, config));
        URI endpoint = proxy.endpoint();
        if (endpoint != null) {
            URI base = proxy.baseUri();
            out.println();
            out.println("MCP endpoint (Streamable HTTP): " + endpoint);
            out.println("Legacy SSE endpoint:            " + base.resolve("/sse"));
            out.println("Status / metrics:               " + base.resolve("/status") + "  " + base.resolve("/metrics"));
            out.println("Console / admin API:            " + base.resolve("/") + "  " + base.resolve("/admin/servers"));
            out.println();
            out.println("HTTP clients (Cursor, VS Code, SDKs) - add to their mcpServers:");
            out.println("  \"proxy\": { \"url\": \"" + endpoint + "\" }");
        }
        if (!stdio) {
            out.println();
            out.println("Claude Desktop (claude_desktop_config.json) - the proxy over stdio:");
            out.println("  \"proxy\": { \"command\": \"" + launcher() + "\", \"args\": [\"--stdio\""
                    + (configFile == null ? "" : ", \"--config\", \"" + configFile.toAbsolutePath() + "\"") + "] }");
            out.println();
            out.println("Ctrl-C stops the proxy and every server it started.");
        }
        out.flush();
    }

    /**
     * The servers that should be ready and are not: neither disabled nor lazy (a lazy server connects on
     * first use, so not being connected yet is its normal state, not a failure).
     */
    static List<ServerStatus> failed(List<ServerStatus> servers, ProxyConfig config) {
        return servers.stream().filter(s -> s.state() != ServerState.READY && s.state() != ServerState.DISABLED
                && !lazyNotConnected(s, config)).toList();
    }

    static boolean lazyNotConnected(ServerStatus status, ProxyConfig config) {
        ServerConfig server = config == null ? null : config.servers().get(status.name());
        return server != null && server.options().lazy() && status.state() == ServerState.NEW;
    }

    /** A table of the servers: name, transport, MCP revision, state, tools, connect time, error. */
    static String table(ProxyApp proxy, List<ServerStatus> servers, ProxyConfig config) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"SERVER", "TRANSPORT", "REVISION", "STATE", "TOOLS", "CONNECT", "ERROR"});
        for (ServerStatus status : servers) {
            rows.add(new String[] {status.name(), status.transport(),
                    status.revision() == null ? "-" : status.revision(),
                    lazyNotConnected(status, config) ? "lazy, not connected" : status.state().name(),
                    status.state().name().equals("READY") ? Integer.toString(proxy.exposedTools(status.name())) : "-",
                    status.connectTime() == null ? "-" : status.connectTime().toMillis() + " ms",
                    status.lastError() == null ? "" : status.lastError()});
        }
        int[] widths = new int[6];
        for (String[] row : rows) {
            for (int i = 0; i < widths.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        StringBuilder text = new StringBuilder();
        for (String[] row : rows) {
            text.append("  ");
            for (int i = 0; i < widths.length; i++) {
                text.append(String.format("%-" + widths[i] + "s  ", row[i]));
            }
            text.append(row[6].strip()).append(System.lineSeparator());
        }
        return text.toString();
    }

    /** The launcher script when we run from the repo, else a java -jar line. */
    private static String launcher() {
        String classPath = System.getProperty("java.class.path");
        Path jar = Path.of(classPath).toAbsolutePath();
        Path script = jar.getParent() == null || jar.getParent().getParent() == null ? null
                : jar.getParent().getParent().resolve("dynamic-mcp-proxy");
        if (script != null && script.toFile().canExecute()) {
            return script.toString();
        }
        return "java\", \"-jar\", \"" + jar;
    }
}
