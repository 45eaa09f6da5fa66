package dev.dynamicmcp.config;

import dev.dynamicmcp.auth.upstream.UpstreamOAuthSettings;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One upstream server, as written under {@code mcpServers} (Claude Desktop format plus our keys), with
 * {@code ${VAR}} already expanded and defaults applied. Two configs are equal when nothing differs, which
 * is how a reload tells a changed server from an unchanged one.
 *
 * @param command  stdio only: the program; {@code args}, {@code env}, {@code cwd} go with it
 * @param url      HTTP transports only; {@code headers} are sent on every request (auth)
 * @param oauth    HTTP transports only: how the proxy signs in to this server ({@code oauth}), or null for none
 */
public record ServerConfig(
        String name,
        TransportKind transport,
        String command,
        List<String> args,
        Map<String, String> env,
        Path cwd,
        URI url,
        Map<String, String> headers,
        boolean disabled,
        Isolation isolation,
        ToolFilter tools,
        ServerOptions options,
        UpstreamOAuthSettings oauth) {

    /** A server without OAuth. */
    public ServerConfig(String name, TransportKind transport, String command, List<String> args,
                        Map<String, String> env, Path cwd, URI url, Map<String, String> headers, boolean disabled,
                        Isolation isolation, ToolFilter tools, ServerOptions options) {
        this(name, transport, command, args, env, cwd, url, headers, disabled, isolation, tools, options, null);
    }

    public ServerConfig {
        args = args == null ? List.of() : List.copyOf(args);
        env = env == null ? Map.of() : Map.copyOf(env);
        headers = headers == null ? Map.of() : Map.copyOf(headers);
        tools = tools == null ? ToolFilter.ALLOW_ALL : tools;
        isolation = isolation == null ? Isolation.SHARED : isolation;
        options = options == null ? ServerOptions.DEFAULTS : options;
    }

    public static ServerConfig stdio(String name, String command, List<String> args) {
        return new ServerConfig(name, TransportKind.STDIO, command, args, Map.of(), null, null, Map.of(),
                false, Isolation.SHARED, ToolFilter.ALLOW_ALL, ServerOptions.DEFAULTS);
    }

    public static ServerConfig http(String name, TransportKind transport, URI url) {
        return new ServerConfig(name, transport, null, List.of(), Map.of(), null, url, Map.of(),
                false, Isolation.SHARED, ToolFilter.ALLOW_ALL, ServerOptions.DEFAULTS);
    }

    public ServerConfig withOptions(ServerOptions newOptions) {
        return new ServerConfig(name, transport, command, args, env, cwd, url, headers, disabled, isolation,
                tools, newOptions, oauth);
    }

    public ServerConfig withOAuth(UpstreamOAuthSettings value) {
        return new ServerConfig(name, transport, command, args, env, cwd, url, headers, disabled, isolation,
                tools, options, value);
    }

    /** A one-line description for logs and status: never contains header values (they may be secrets). */
    public String describe() {
        return switch (transport) {
            case STDIO -> "stdio: " + command + (args.isEmpty() ? "" : " " + String.join(" ", args));
            default -> transport.configName() + ": " + url;
        };
    }

    /** Header and env values may be secrets: only their names are shown (logs print configs at DEBUG). */
    /** True for a url server whose OAuth credential is each downstream user's own ({@code oauth.perUser}). */
    public boolean perUser() {
        return oauth != null && oauth.perUser();
    }

    @Override
    public String toString() {
        return "ServerConfig[name=" + name + ", transport=" + transport + ", command=" + command + ", args=" + args
                + ", env=" + env.keySet() + ", cwd=" + cwd + ", url=" + url + ", headers=" + headers.keySet()
                + ", disabled=" + disabled + ", isolation=" + isolation + ", tools=" + tools + ", options=" + options
                + ", oauth=" + oauth + "]";
    }
}
