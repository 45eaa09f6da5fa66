package dev.dynamicmcp.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.config.ConfigProblem;
import java.util.List;
import java.util.Optional;

/**
 * What the admin API and the console operate on: implemented by the composition root over the server manager,
 * the merged server and the config file. The admin package never sees those directly, so it can be tested
 * against a fake and the engines can change underneath it.
 *
 * <p>Every method may be called concurrently from request threads. Names are server names as in the config
 * file. Methods that change something return what happened; they throw only for unexpected failures (the
 * file could not be written), which the API reports as 500 with the failure's description.
 */
public interface AdminBackend {
    /** Every configured server, in configuration order. */
    List<AdminServer> servers();

    /** One server, or empty when no server has that name. */
    Optional<AdminServer> server(String name);

    /**
     * The server's entry as written in the config file (variables not expanded), or empty when unknown. Return
     * it unmasked: the admin side masks secrets before showing it, and restores them when a client sends the
     * mask back in a {@code PUT}.
     */
    Optional<ObjectNode> configEntry(String name);

    /** What the server offers as last discovered (empty lists while it is not connected); empty when unknown. */
    Optional<ServerCatalog> catalog(String name);

    /**
     * Adds or replaces one server from an {@code mcpServers} entry, validated exactly as the file loader does
     * (every problem, same messages), applied without touching the other servers and persisted (unless the
     * proxy runs with {@code --no-persist}). Reports the change through {@link AdminListener#configChanged}.
     */
    PutOutcome put(String name, ObjectNode entry);

    /**
     * Drains (within the bound), closes and forgets the server, persisting the removal; false when unknown.
     *
     * @throws ServerInUseException when profiles name the server (nothing is changed)
     */
    boolean remove(String name);

    /** Drops the server's connection and connects again now; false when unknown. */
    boolean restart(String name);

    /** Stops routing to the server and closes its connection (kept in the config); false when unknown. */
    boolean disable(String name);

    /** Undoes {@link #disable}; false when unknown. */
    boolean enable(String name);

    /**
     * True when the server's shared OAuth credential waits for a person to sign in (the console then offers its
     * "Sign in" button). The default: no server ever does (a backend without upstream OAuth).
     */
    default boolean needsSignIn(String name) {
        return false;
    }

    /** Starts (or returns the pending) sign-in of the server's shared OAuth credential. */
    default SignInStart signIn(String name) {
        return server(name).isEmpty() ? new SignInStart.Unknown()
                : new SignInStart.NotApplicable("server \"" + name + "\" has no oauth settings");
    }

    /** Every profile served at {@code /mcp/{name}}, in configuration order. */
    List<AdminProfile> profiles();

    /** One profile, or empty when no profile has that name. */
    Optional<AdminProfile> profile(String name);

    /** The tools a session of the profile sees now (as {@code tools/list} shows them); empty when unknown. */
    Optional<List<ObjectNode>> profileTools(String name);

    /**
     * Adds or replaces one profile from a {@code profiles} entry, validated exactly as the file loader does (every
     * problem, same messages), applied live (sessions whose view changed hear list_changed) and persisted into
     * the file's {@code profiles} section (unless {@code --no-persist}). Reports it through
     * {@link AdminListener#configChanged}.
     */
    PutOutcome putProfile(String name, ObjectNode entry);

    /** Removes the profile and its entry; its sessions are closed. False when unknown. */
    boolean removeProfile(String name);

    /** Re-reads the config file now: empty when it was applied, else every problem (the running config stays). */
    List<ConfigProblem> reload();

    /**
     * Called once, by {@link AdminRoutes}'s constructor. The backend passes the manager's events (state changes,
     * calls, breaker changes, removals) and every config change (from the API or the file) to {@code listener},
     * from any thread and without holding a lock; the listener is fast and never throws.
     */
    void subscribe(AdminListener listener);
}
