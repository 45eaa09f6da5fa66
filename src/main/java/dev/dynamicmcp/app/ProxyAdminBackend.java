package dev.dynamicmcp.app;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.admin.AdminBackend;
import dev.dynamicmcp.admin.AdminListener;
import dev.dynamicmcp.admin.AdminProfile;
import dev.dynamicmcp.admin.AdminServer;
import dev.dynamicmcp.admin.ConfigChange;
import dev.dynamicmcp.admin.PutOutcome;
import dev.dynamicmcp.admin.ServerCatalog;
import dev.dynamicmcp.admin.SignInStart;
import dev.dynamicmcp.auth.upstream.UpstreamAuth;
import dev.dynamicmcp.auth.upstream.UpstreamSignIns;
import dev.dynamicmcp.config.ConfigProblem;
import dev.dynamicmcp.config.Profile;
import dev.dynamicmcp.config.ServerConfig;
import dev.dynamicmcp.discovery.Discoverer;
import dev.dynamicmcp.discovery.DiscoveryResult;
import dev.dynamicmcp.manager.ServerManager;
import dev.dynamicmcp.manager.ServerState;
import dev.dynamicmcp.manager.ServerStatus;
import dev.dynamicmcp.proxy.ProxyServer;
import dev.dynamicmcp.runtime.Failures;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API's view of the running proxy: statuses from the manager, what a server offers from a fresh
 * listing, config entries and every change through the {@link ConfigKeeper} (validated like the file, persisted,
 * applied), profiles as the merged server serves them, events from the manager and the keeper through the
 * {@link AdminRelay}.
 */
final class ProxyAdminBackend implements AdminBackend {
    private static final Logger log = LoggerFactory.getLogger(ProxyAdminBackend.class);
    /**
     * How long a {@code PUT} or {@code enable} waits for the server's first connect attempt before answering, so
     * the answer (and the console) mostly shows the outcome; a slower server answers "connecting".
     */
    static final Duration FIRST_ATTEMPT_WAIT = Duration.ofSeconds(10);

    private final ServerManager manager;
    private final ProxyServer merged;
    private final Discoverer discoverer;
    private final ConfigKeeper keeper;
    private final AdminRelay relay;

    private final UpstreamSignIns signIns;

    ProxyAdminBackend(ProxyServer merged, ConfigKeeper keeper, AdminRelay relay, UpstreamSignIns signIns) {
        this.signIns = signIns;
        this.manager = merged.manager();
        this.merged = merged;
        this.discoverer = new Discoverer(manager);
        this.keeper = keeper;
        this.relay = relay;
    }

    @Override
    public List<AdminServer> servers() {
        return manager.configs().stream().map(config -> server(config.name())).flatMap(Optional::stream).toList();
    }

    @Override
    public Optional<AdminServer> server(String name) {
        ServerStatus status = manager.status(name);
        if (status == null) {
            return Optional.empty();
        }
        return Optional.of(new AdminServer(status.name(), status.transport(), revision(status), status.state(),
                status.since(), status.lastErrorDetail(), status.breaker(), status.connectTime(), status.reconnects(),
                status.toolCount(), status.inFlight()));
    }

    /** The revision negotiated at initialize; only asked of a READY server (asking never connects or waits). */
    private String revision(ServerStatus status) {
        if (status.state() != ServerState.READY) {
            return null;
        }
        try {
            return manager.client(status.name()).info().protocolVersion();
        } catch (RuntimeException e) {
            return null; // it went down meanwhile
        }
    }

    @Override
    public Optional<ObjectNode> configEntry(String name) {
        return keeper.entry(name);
    }

    @Override
    public Optional<ServerCatalog> catalog(String name) {
        ServerStatus status = manager.status(name);
        if (status == null) {
            return Optional.empty();
        }
        if (status.state() != ServerState.READY) {
            return Optional.of(ServerCatalog.EMPTY); // listing would connect a lazy server, or fail
        }
        DiscoveryResult lists = discoverer.discover(name);
        return Optional.of(lists.ok() ? ServerCatalog.of(lists) : ServerCatalog.EMPTY);
    }

    @Override
    public PutOutcome put(String name, ObjectNode entry) {
        ConfigKeeper.Edit edit = keeper.put(name, entry);
        if (!edit.problems().isEmpty()) {
            return new PutOutcome.Invalid(edit.problems());
        }
        awaitFirstAttempt(name, edit.applied());
        return edit.created() ? PutOutcome.CREATED : PutOutcome.REPLACED;
    }

    @Override
    public boolean remove(String name) {
        return keeper.remove(name);
    }

    @Override
    public boolean needsSignIn(String name) {
        return manager.config(name).filter(config -> config.oauth() != null)
                .map(config -> signIns.status(config).state() == UpstreamAuth.State.SIGN_IN_REQUIRED).orElse(false);
    }

    @Override
    public SignInStart signIn(String name) {
        Optional<ServerConfig> config = manager.config(name);
        if (config.isEmpty()) {
            return new SignInStart.Unknown();
        }
        if (config.get().oauth() == null || config.get().oauth().clientCredentials()) {
            return new SignInStart.NotApplicable(config.get().oauth() == null
                    ? "server \"" + name + "\" has no oauth settings"
                    : "server \"" + name + "\" uses client credentials: no one signs in");
        }
        try {
            log.info("admin API: sign-in of server \"{}\" asked for", name);
            return new SignInStart.Started(signIns.beginSignIn(config.get()));
        } catch (java.io.IOException e) {
            return new SignInStart.Failed("server \"" + name + "\": the sign-in could not start: " + e.getMessage());
        }
    }

    @Override
    public boolean restart(String name) {
        Optional<ServerConfig> config = manager.config(name);
        if (config.isEmpty()) {
            return false;
        }
        log.info("admin API: restarting server \"{}\"", name);
        awaitFirstAttempt(name, manager.replace(config.get()));
        return true;
    }

    @Override
    public boolean disable(String name) {
        return keeper.setDisabled(name, true) != null;
    }

    @Override
    public boolean enable(String name) {
        CompletableFuture<Void> attempt = keeper.setDisabled(name, false);
        awaitFirstAttempt(name, attempt);
        return attempt != null;
    }

    @Override
    public List<AdminProfile> profiles() {
        return merged.profiles().values().stream().map(this::profile).toList();
    }

    @Override
    public Optional<AdminProfile> profile(String name) {
        return Optional.ofNullable(merged.profiles().get(name)).map(this::profile);
    }

    private AdminProfile profile(Profile profile) {
        return new AdminProfile(profile.name(), profile.servers(), profile.token() != null,
                merged.sessionCount(profile.name()), keeper.profileEntry(profile.name()).orElse(null));
    }

    @Override
    public Optional<List<ObjectNode>> profileTools(String name) {
        return merged.hasProfile(name) ? Optional.of(merged.tools(name)) : Optional.empty();
    }

    @Override
    public PutOutcome putProfile(String name, ObjectNode entry) {
        ConfigKeeper.Edit edit = keeper.putProfile(name, entry);
        if (!edit.problems().isEmpty()) {
            return new PutOutcome.Invalid(edit.problems());
        }
        return edit.created() ? PutOutcome.CREATED : PutOutcome.REPLACED;
    }

    @Override
    public boolean removeProfile(String name) {
        return keeper.removeProfile(name);
    }

    @Override
    public List<ConfigProblem> reload() {
        List<ConfigProblem> problems = keeper.reloadFromFile();
        if (problems.isEmpty()) {
            relay.configChanged(new ConfigChange(null, ConfigChange.Kind.RELOADED, "api"));
        }
        return problems;
    }

    @Override
    public void subscribe(AdminListener listener) {
        relay.subscribe(Objects.requireNonNull(listener, "listener"));
    }

    private static void awaitFirstAttempt(String name, CompletableFuture<Void> attempt) {
        if (attempt == null) {
            return;
        }
        try {
            attempt.get(FIRST_ATTEMPT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.debug("server \"{}\" is still connecting after {}", name, FIRST_ATTEMPT_WAIT);
        } catch (ExecutionException e) {
            log.debug("server \"{}\": first attempt failed: {}", name, Failures.describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
