package dev.dynamicmcp.transport;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The environment a stdio server's process starts with. By default it gets only a few variables of the
 * proxy's own environment, the ones a program needs to find its tools and home, plus the server's configured
 * {@code env}: a server must not see the proxy's token or whatever else the user's shell holds (cloud keys,
 * agent sockets). This is the convention of the official MCP SDKs' stdio clients and of Claude Desktop, so
 * a server that runs there runs here. With {@code inheritEnv} it gets the whole environment instead.
 */
public final class ChildEnvironment {
    /** What a POSIX child inherits by default: the set sudo keeps, as the MCP SDKs do. */
    static final List<String> DEFAULT_INHERITED_POSIX = List.of("HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER");
    /** What a Windows child inherits by default (names there are case-insensitive). */
    static final List<String> DEFAULT_INHERITED_WINDOWS = List.of("APPDATA", "HOMEDRIVE", "HOMEPATH",
            "LOCALAPPDATA", "PATH", "PROCESSOR_ARCHITECTURE", "SYSTEMDRIVE", "SYSTEMROOT", "TEMP", "USERNAME",
            "USERPROFILE", "PROGRAMFILES");
    private static final Set<String> WINDOWS_UPPER = DEFAULT_INHERITED_WINDOWS.stream()
            .map(name -> name.toUpperCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());

    private final Map<String, String> configured;
    private final boolean inheritAll;
    /** The proxy's environment; null means the real one, read when a process starts. */
    private final Map<String, String> parent;
    private final boolean windows;

    private ChildEnvironment(Map<String, String> configured, boolean inheritAll, Map<String, String> parent,
                             boolean windows) {
        this.configured = configured == null ? Map.of() : Map.copyOf(configured);
        this.inheritAll = inheritAll;
        this.parent = parent;
        this.windows = windows;
    }

    /**
     * @param configured the server's {@code env}, which wins over an inherited variable of the same name
     * @param inheritAll the whole environment of the proxy instead of the default few variables
     */
    public static ChildEnvironment of(Map<String, String> configured, boolean inheritAll) {
        return new ChildEnvironment(configured, inheritAll, null,
                System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows"));
    }

    /** The default few inherited variables plus {@code configured}. */
    public static ChildEnvironment defaults(Map<String, String> configured) {
        return of(configured, false);
    }

    /** Test seam: as if the proxy's environment were {@code parentEnv}, on a POSIX or a Windows machine. */
    ChildEnvironment withParent(Map<String, String> parentEnv, boolean onWindows) {
        return new ChildEnvironment(configured, inheritAll, Map.copyOf(Objects.requireNonNull(parentEnv)),
                onWindows);
    }

    public boolean inheritAll() {
        return inheritAll;
    }

    /** The complete environment of the child, computed now from the proxy's environment. */
    Map<String, String> resolve() {
        Map<String, String> from = parent != null ? parent : System.getenv();
        Map<String, String> env = new LinkedHashMap<>();
        from.forEach((name, value) -> {
            if (inheritAll) {
                env.put(name, value);
            } else if (inheritedByDefault(name) && !value.startsWith("()")) {
                // "()" starts an exported shell function: code, not a setting (as the MCP SDKs skip it)
                env.put(name, value);
            }
        });
        env.putAll(configured);
        return env;
    }

    /** Replaces {@code target}, a {@link ProcessBuilder#environment()}, with {@link #resolve()}. */
    void applyTo(Map<String, String> target) {
        Map<String, String> env = resolve();
        target.clear();
        target.putAll(env);
    }

    private boolean inheritedByDefault(String name) {
        return windows ? WINDOWS_UPPER.contains(name.toUpperCase(Locale.ROOT))
                : DEFAULT_INHERITED_POSIX.contains(name);
    }

    @Override
    public String toString() {
        // names only: values may be secrets
        return (inheritAll ? "whole environment" : "default environment") + " + " + configured.keySet();
    }
}
