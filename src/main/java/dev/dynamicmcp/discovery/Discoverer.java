package dev.dynamicmcp.discovery;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.client.InitializeResult;
import dev.dynamicmcp.client.McpClient;
import dev.dynamicmcp.config.ServerConfig;
import dev.dynamicmcp.manager.ServerManager;
import dev.dynamicmcp.manager.ServerState;
import dev.dynamicmcp.manager.ServerStatus;
import dev.dynamicmcp.protocol.McpMethods;
import dev.dynamicmcp.runtime.Failures;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * Lists what servers offer (tools, resources, resource templates, prompts), through the manager's
 * {@link ServerManager#execute} so breaker, retries and metrics apply. Lists run as tasks of the manager's
 * scheduler. A category the server did not announce is an empty list.
 */
public final class Discoverer {
    private final ServerManager manager;
    private final Executor executor;

    public Discoverer(ServerManager manager) {
        this.manager = manager;
        this.executor = manager.scheduler().executor("mcp-discovery");
    }

    /** Every server, in parallel, sorted by name. Lazy servers not yet used and disabled ones are reported, not connected. */
    public List<DiscoveryResult> discoverAll() {
        List<CompletableFuture<DiscoveryResult>> results = manager.serverNames().stream()
                .sorted(Comparator.naturalOrder())
                .map(name -> CompletableFuture.supplyAsync(() -> discoverUnlessIdle(name), executor))
                .toList();
        return results.stream().map(CompletableFuture::join).toList();
    }

    private DiscoveryResult discoverUnlessIdle(String name) {
        ServerStatus status = manager.status(name);
        boolean lazy = manager.config(name).map(ServerConfig::options).map(o -> o.lazy()).orElse(false);
        if (status != null && (status.state() == ServerState.DISABLED || (status.state() == ServerState.NEW && lazy))) {
            return DiscoveryResult.failure(name, null, "server \"" + name + "\" is "
                    + (status.state() == ServerState.DISABLED ? "disabled" : "lazy and not used yet"));
        }
        return discover(name);
    }

    /** Lists what one server offers (connecting a lazy server). Never throws: failures are in the result. */
    public DiscoveryResult discover(String name) {
        InitializeResult info = null;
        try {
            McpClient client = manager.client(name);
            info = client.info();
            CompletableFuture<List<ObjectNode>> tools = list(name, info, "tools", McpMethods.TOOLS_LIST, McpClient::listTools);
            CompletableFuture<List<ObjectNode>> resources = list(name, info, "resources", McpMethods.RESOURCES_LIST, McpClient::listResources);
            CompletableFuture<List<ObjectNode>> templates = list(name, info, "resources", McpMethods.RESOURCES_TEMPLATES_LIST, McpClient::listResourceTemplates);
            CompletableFuture<List<ObjectNode>> prompts = list(name, info, "prompts", McpMethods.PROMPTS_LIST, McpClient::listPrompts);
            CompletableFuture.allOf(tools, resources, templates, prompts).join();
            manager.recordToolCount(name, tools.join().size());
            return DiscoveryResult.success(name, info, tools.join(), resources.join(), templates.join(), prompts.join());
        } catch (RuntimeException e) {
            return DiscoveryResult.failure(name, info, Failures.describe(e));
        }
    }

    /** Runs {@link #discover} as a scheduler task. */
    public CompletableFuture<DiscoveryResult> discoverAsync(String name) {
        return CompletableFuture.supplyAsync(() -> discover(name), executor);
    }

    private CompletableFuture<List<ObjectNode>> list(String server, InitializeResult info, String capability,
                                                     String method, Function<McpClient, List<ObjectNode>> lister) {
        if (info != null && !info.hasCapability(capability)) {
            return CompletableFuture.completedFuture(List.of());
        }
        return manager.execute(server, method, client -> CompletableFuture.supplyAsync(() -> lister.apply(client), executor));
    }
}
