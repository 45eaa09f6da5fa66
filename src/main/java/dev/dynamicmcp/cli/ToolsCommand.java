package dev.dynamicmcp.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.config.ProxyConfig;
import dev.dynamicmcp.manager.ServerStatus;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.app.ProxyApp;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tools}: the merged tool list as clients will see it; exit 1 when a server failed (it prints the rest). */
@Command(name = "tools", mixinStandardHelpOptions = true,
        description = {"Connect the configured servers and print the merged tool list as clients see it.",
                "Exit code: 0 every enabled server ready (or lazy), 1 some failed (their tools are missing from"
                        + " the list), 2 the config is invalid."})
final class ToolsCommand implements Callable<Integer> {
    @Mixin
    Main.CommonOptions common = new Main.CommonOptions();

    @Option(names = "--json", description = "Print the tools as JSON, exactly as tools/list returns them.")
    boolean json;

    @Override
    public Integer call() {
        common.applyLogLevel();
        ProxyConfig config = common.requireConfig("tools");
        if (config == null) {
            return 2;
        }
        try (ProxyApp proxy = ProxyApp.start(config, ProxyApp.Options.none())) {
            if (json) {
                System.out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(proxy.tools()));
            } else {
                for (ObjectNode tool : proxy.tools()) {
                    String description = tool.path("description").asText("").strip();
                    int newline = description.indexOf('\n');
                    System.out.printf("%-40s %s%n", tool.path("name").asText(),
                            newline < 0 ? description : description.substring(0, newline));
                }
            }
            List<ServerStatus> failed = Summary.failed(proxy.status(), config);
            for (ServerStatus server : failed) {
                System.err.println("server \"" + server.name() + "\" is " + server.state().name()
                        + (server.lastError() == null ? "" : ": " + server.lastError()) + "; its tools are not listed");
            }
            return failed.isEmpty() ? 0 : 1;
        } catch (Exception e) {
            System.err.println("tools failed: " + e.getMessage());
            return 1;
        }
    }
}
