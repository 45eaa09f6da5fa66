package dev.dynamicmcp.cli;

import dev.dynamicmcp.config.ProxyConfig;
import dev.dynamicmcp.manager.ServerStatus;
import dev.dynamicmcp.app.ProxyApp;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code check}: validates the config, connects every server (lazy ones excepted: they connect on first use),
 * prints a table; exit 1 when one failed.
 */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Validate the config, connect each server and print what it offers.",
                "Lazy servers are not connected: they connect on first use.",
                "Exit code: 0 every enabled server ready (or lazy), 1 some failed, 2 the config is invalid."})
final class CheckCommand implements Callable<Integer> {
    @Mixin
    Main.CommonOptions common = new Main.CommonOptions();

    @Override
    public Integer call() {
        common.applyLogLevel();
        ProxyConfig config = common.requireConfig("check");
        if (config == null) {
            return 2;
        }
        System.out.println("config " + common.config + ": valid, " + config.servers().size() + " server(s)");
        try (ProxyApp proxy = ProxyApp.start(config, ProxyApp.Options.none())) {
            List<ServerStatus> servers = proxy.status();
            System.out.print(Summary.table(proxy, servers, config));
            return Summary.failed(servers, config).isEmpty() ? 0 : 1;
        } catch (Exception e) {
            System.err.println("check failed: " + e.getMessage());
            return 1;
        }
    }
}
