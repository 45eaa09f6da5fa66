package dev.dynamicmcp.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.config.ProxyConfig;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.proxy.ProxyServer;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tools}: the merged tool list as clients will see it. */
@Command(name = "tools", mixinStandardHelpOptions = true,
        description = "Connect the configured servers and print the merged tool list as clients see it.")
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
        try (ProxyServer proxy = ProxyServer.start(config, ProxyServer.Options.none())) {
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
            return 0;
        } catch (Exception e) {
            System.err.println("tools failed: " + e.getMessage());
            return 1;
        }
    }
}
