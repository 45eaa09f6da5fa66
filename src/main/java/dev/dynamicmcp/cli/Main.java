package dev.dynamicmcp.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.dynamicmcp.client.Version;
import dev.dynamicmcp.config.ConfigException;
import dev.dynamicmcp.config.ConfigLoader;
import dev.dynamicmcp.config.ConfigWatcher;
import dev.dynamicmcp.config.ProxyConfig;
import dev.dynamicmcp.config.ProxySettings;
import dev.dynamicmcp.demo.Demo;
import dev.dynamicmcp.demo.DemoServer;
import dev.dynamicmcp.app.ProxyApp;
import dev.dynamicmcp.transport.server.StdioServer;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The command line: run the proxy (default), {@code check}, {@code tools}. */
@Command(name = "dynamic-mcp-proxy", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = {"One MCP endpoint in front of many MCP servers.",
                "Without --config it runs a built-in demo of two small servers."},
        subcommands = {CheckCommand.class, ToolsCommand.class, Main.DemoServerCommand.class})
public final class Main implements Callable<Integer> {

    @CommandLine.Mixin
    CommonOptions common = new CommonOptions();

    @Option(names = "--host", description = "Interface to bind (default 127.0.0.1, or proxy.host of the config).")
    String host;

    @Option(names = {"-p", "--port"}, description = "Port to listen on (default 8080, or proxy.port; 0 = any free port).")
    Integer port;

    @Option(names = "--stdio", description = "Be a stdio MCP server (for Claude Desktop): stdout carries only protocol messages.")
    boolean stdio;

    @Option(names = "--profile", paramLabel = "NAME",
            description = "With --stdio: serve only what this profile of the config's \"profiles\" section exposes.")
    String profile;

    @Option(names = "--http", description = "With --stdio: serve HTTP as well.")
    boolean alsoHttp;

    @Option(names = "--auth-token", paramLabel = "TOKEN",
            description = {"Require 'Authorization: Bearer <token>' on every HTTP request.",
                    "Visible to other users in ps: prefer --auth-token-file or the environment variable "
                            + AuthTokenSource.ENV_VAR + "."})
    String authToken;

    @Option(names = "--auth-token-file", paramLabel = "FILE",
            description = "Read the token from FILE (a trailing line break is ignored).")
    Path authTokenFile;

    @Option(names = "--allowed-origin", paramLabel = "ORIGIN", converter = CliConverters.Origin.class,
            description = {"A browser origin (scheme://host[:port]) allowed to call the proxy, besides its own;",
                    "repeatable; added to proxy.allowedOrigins of the config."})
    List<String> allowedOrigins = new ArrayList<>();

    @Option(names = "--no-watch", description = "Do not reload the config file when it changes.")
    boolean noWatch;

    @Option(names = "--no-persist", description = {"Do not write changes made through the admin API or the console",
            "to the config file: they last until the proxy restarts (or the file changes)."})
    boolean noPersist;

    /** The proxy's environment, where {@value AuthTokenSource#ENV_VAR} is looked up (tests inject theirs). */
    Map<String, String> environment = System.getenv();

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (tests call this). */
    public static int run(String... args) {
        return run(System.getenv(), args);
    }

    /** Runs the command line as if the process environment were {@code environment}. */
    static int run(Map<String, String> environment, String... args) {
        Main main = new Main();
        main.environment = environment;
        return new CommandLine(main).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    }

    @Override
    public Integer call() throws Exception {
        // stdout may be the MCP channel: keep the real one for protocol messages, send stray prints to stderr
        OutputStream protocolOut = new FileOutputStream(FileDescriptor.out);
        if (stdio) {
            System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true));
        }
        common.applyLogLevel();
        ProxyConfig config;
        try {
            config = common.config == null ? null : ConfigLoader.load(common.config);
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        ProxySettings settings;
        try {
            settings = withOverrides(config == null ? ProxySettings.DEFAULTS : config.proxy());
        } catch (UsageException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        // The hook goes in before anything starts: a SIGTERM during start-up stops (and logs) what was started.
        Running running = new Running();
        Thread hook = new Thread(running::stop, "shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        if (config == null) {
            running.demo = Demo.start(settings);
            config = running.demo.config();
            System.err.println("No --config given: running the built-in demo (servers \"clock\" over stdio and \"notes\" over HTTP).");
        } else {
            config = new ProxyConfig(settings, config.servers(), config.profiles());
        }
        if (profile != null && (!stdio || !config.profiles().containsKey(profile))) {
            System.err.println(!stdio ? "--profile needs --stdio (over HTTP a profile is served at /mcp/" + profile + ")"
                    : "no profile named \"" + profile + "\" in " + common.config + " (profiles: "
                            + (config.profiles().isEmpty() ? "none" : String.join(", ", config.profiles().keySet())) + ")");
            Runtime.getRuntime().removeShutdownHook(hook);
            running.stop();
            return 2;
        }
        ProxyApp.Options options = (stdio ? ProxyApp.Options.stdio(System.in, protocolOut, alsoHttp).withStdioProfile(profile)
                : ProxyApp.Options.httpOnly()).withPersist(!noPersist);
        ProxyApp proxy = ProxyApp.assemble(config, options, common.config);
        proxy.configOverrides(this::withOverrides);
        running.proxy = proxy;
        Reloads reloads = common.config == null ? null : new Reloads(common.config, proxy);
        if (reloads != null) {
            Signals.onHangUp(reloads::reloadNow); // before start: a SIGHUP during start-up must not stop the proxy
        }
        try {
            proxy.start();
        } catch (Exception e) {
            if (proxy.state() == ProxyApp.State.CLOSED && running.stopping) {
                return 0; // stopped by a signal while starting: the hook logs and closes
            }
            System.err.println("Could not start: " + e.getMessage());
            running.stop();
            removeHook(hook);
            return 1;
        }
        if (reloads != null && !noWatch) {
            running.watcher = reloads.watch();
        }
        Summary.print(System.err, proxy, config, common.config, stdio);
        if (stdio) {
            proxy.stdioDone().join();
            running.stop();
            removeHook(hook);
            return 0;
        }
        running.stopped.await();
        return 0;
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook runs (stop is idempotent)
        }
    }

    /** What the shutdown hook stops; filled in as things start. */
    private static final class Running {
        final CountDownLatch stopped = new CountDownLatch(1);
        volatile boolean stopping;
        volatile Demo demo;
        volatile ProxyApp proxy;
        volatile ConfigWatcher watcher;

        void stop() {
            stopping = true;
            try {
                ConfigWatcher w = watcher;
                if (w != null) {
                    w.close();
                }
                ProxyApp p = proxy;
                if (p != null) {
                    p.close();
                }
                Demo d = demo;
                if (d != null) {
                    d.close();
                }
            } finally {
                stopped.countDown();
            }
        }
    }

    /** The config's proxy section with the command line's (and the environment's) settings on top. */
    ProxySettings withOverrides(ProxySettings base) {
        String token = AuthTokenSource.resolve(authToken, authTokenFile, environment, base.authToken());
        List<String> origins = new ArrayList<>(base.allowedOrigins());
        allowedOrigins.stream().filter(origin -> !origins.contains(origin)).forEach(origins::add);
        return new ProxySettings(host != null ? host : base.host(), port != null ? port : base.port(), base.namespace(),
                base.separator(), token, base.maxBodyBytes(), base.connectConcurrency(), base.defaults(), base.limits(),
                origins, base.adminToken(), base.auth(), base.dataDir(), base.bridge());
    }

    /** Options shared by every command. */
    static final class CommonOptions {
        @Option(names = {"-c", "--config"}, paramLabel = "FILE",
                description = "Config file in the Claude Desktop mcpServers format (see docs/config.md).")
        Path config;

        @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "info",
                converter = CliConverters.LogLevel.class,
                description = "error, warn, info, debug or trace (logs go to stderr).")
        String logLevel;

        /**
         * Loads {@code --config} for a command that needs one; prints the problems and returns null when it is
         * missing or invalid.
         */
        ProxyConfig requireConfig(String command) {
            if (config == null) {
                System.err.println(command + " needs --config FILE");
                return null;
            }
            try {
                return ConfigLoader.load(config);
            } catch (ConfigException e) {
                System.err.println(e.getMessage());
                return null;
            }
        }

        void applyLogLevel() {
            Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
            root.setLevel(Level.toLevel(logLevel.toUpperCase(Locale.ROOT), Level.INFO));
        }
    }

    /** Hidden: runs one demo server over stdio (the demo's child process). */
    @Command(name = "demo-server", hidden = true)
    static final class DemoServerCommand implements Callable<Integer> {
        @Parameters(index = "0", description = "clock or notes")
        DemoServer.Kind kind;

        @Override
        public Integer call() {
            OutputStream protocolOut = new FileOutputStream(FileDescriptor.out);
            System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true));
            StdioServer server = new StdioServer(System.in, protocolOut, new DemoServer(kind)).start();
            server.done().join();
            return 0;
        }
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"Dynamic MCP Proxy " + Version.get() + " (Java " + Runtime.version() + ")"};
        }
    }
}
