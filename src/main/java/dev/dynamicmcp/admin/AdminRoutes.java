package dev.dynamicmcp.admin;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.config.ConfigProblem;
import dev.dynamicmcp.manager.BreakerState;
import dev.dynamicmcp.manager.CallOutcome;
import dev.dynamicmcp.manager.ServerState;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.runtime.Failures;
import dev.dynamicmcp.runtime.Scheduler;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API under {@code /admin/}: one {@link Request.Handler} that routes every admin path itself, so the
 * host mounts it on the prefix. Authentication, Origin and Host checks are the host's (they wrap this
 * handler); everything here assumes the caller may administer the proxy.
 *
 * <pre>
 *   GET    /admin/servers                  every server: status, call figures, masked config entry
 *   GET    /admin/servers/{name}           the same for one, plus its tools, resources, templates, prompts
 *   PUT    /admin/servers/{name}           body: one mcpServers entry; 201 new, 200 replaced, 400 every problem
 *   DELETE /admin/servers/{name}           200, 404 for an unknown name, 409 while profiles name it
 *   POST   /admin/servers/{name}/restart   …/disable, …/enable: 200, or 404
 *   POST   /admin/servers/{name}/sign-in   the OAuth sign-in URL to open: 200 {url}, 404, 409 nothing to sign in, 502
 *   GET    /admin/events                   Server-Sent Events (see {@link EventFeed})
 *   POST   /admin/reload                   re-read the config file: 200, or 409 with every problem
 *   GET    /admin/profiles[/{name}]        …PUT, DELETE: the profiles (see {@link ProfileRoutes})
 * </pre>
 *
 * Errors are {@code {"error": "..."}} (plus {@code problems} for validation). Lifecycle: OPEN until
 * {@link #close}, which ends the event streams.
 */
public final class AdminRoutes implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdminRoutes.class);
    public static final String PREFIX = "/admin";
    /** The file's own leniency (comments, trailing commas), so an entry pasted from a JSONC file is accepted. */
    private static final JsonMapper ENTRY_MAPPER = ((JsonMapper) Json.MAPPER).rebuild()
            .enable(JsonReadFeature.ALLOW_JAVA_COMMENTS, JsonReadFeature.ALLOW_TRAILING_COMMA)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final AdminBackend backend;
    private final CallStats calls;
    private final EventFeed events;
    private final ProfileRoutes profiles;

    public AdminRoutes(AdminBackend backend, Scheduler scheduler) {
        this(backend, new CallStats(scheduler), new EventFeed(scheduler));
    }

    AdminRoutes(AdminBackend backend, CallStats calls, EventFeed events) {
        this.backend = backend;
        this.calls = calls;
        this.events = events;
        this.profiles = new ProfileRoutes(backend);
        backend.subscribe(new FanOut(calls, events));
    }

    /** The handler for every path under {@code /admin/}; it answers 404 for admin paths it does not know. */
    public Request.Handler handler() {
        return this::handle;
    }

    /** The per-server call figures (also fed by the backend's events). */
    public CallStats callStats() {
        return calls;
    }

    @Override
    public void close() {
        events.close();
    }

    private boolean handle(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        if (path.startsWith(PREFIX + "/") || path.equals(PREFIX)) {
            path = path.substring(PREFIX.length());
        }
        String[] parts = path.replaceAll("^/+|/+$", "").split("/", -1);
        String method = request.getMethod();
        try {
            return route(parts, method, request, response, callback);
        } catch (RuntimeException e) {
            log.warn("admin {} {} failed", method, path, e);
            return AdminHttp.error(response, callback, 500, method + " " + PREFIX + path + " failed: "
                    + Failures.describe(e));
        } catch (java.io.IOException e) {
            return AdminHttp.error(response, callback, 400, "the request body could not be read: "
                    + Failures.describe(e));
        }
    }

    private boolean route(String[] parts, String method, Request request, Response response, Callback callback)
            throws java.io.IOException {
        if (parts.length == 1 && parts[0].equals("servers")) {
            return only("GET", method, response, callback) || listServers(response, callback);
        }
        if (parts[0].equals("profiles")) {
            return profiles.route(parts, method, request, response, callback);
        }
        if (parts.length == 1 && parts[0].equals("events")) {
            return only("GET", method, response, callback) || events.serve(request, response, callback);
        }
        if (parts.length == 1 && parts[0].equals("reload")) {
            return only("POST", method, response, callback) || reload(response, callback);
        }
        if (parts.length == 2 && parts[0].equals("servers") && !parts[1].isEmpty()) {
            String name = parts[1];
            return switch (method) {
                case "GET" -> getServer(name, response, callback);
                case "PUT" -> putServer(name, request, response, callback);
                case "DELETE" -> deleteServer(name, response, callback);
                default -> notAllowed("GET, PUT, DELETE", method, response, callback);
            };
        }
        if (parts.length == 3 && parts[0].equals("servers") && !parts[1].isEmpty() && parts[2].equals("sign-in")) {
            return only("POST", method, response, callback) || signIn(parts[1], response, callback);
        }
        if (parts.length == 3 && parts[0].equals("servers") && !parts[1].isEmpty()
                && List.of("restart", "disable", "enable").contains(parts[2])) {
            return only("POST", method, response, callback) || action(parts[1], parts[2], response, callback);
        }
        return AdminHttp.error(response, callback, 404, "no admin route " + method + " " + PREFIX + "/"
                + String.join("/", parts) + " (see GET /admin/servers, /admin/profiles, /admin/events,"
                + " POST /admin/reload)");
    }

    /** False when {@code method} is the allowed one; otherwise answers 405 and returns true. */
    static boolean only(String allowed, String method, Response response, Callback callback) {
        return !allowed.equals(method) && notAllowed(allowed, method, response, callback);
    }

    static boolean notAllowed(String allowed, String method, Response response, Callback callback) {
        response.getHeaders().put(HttpHeader.ALLOW, allowed);
        return AdminHttp.error(response, callback, 405, method + " is not allowed here; use " + allowed);
    }

    private boolean listServers(Response response, Callback callback) {
        ObjectNode body = Json.object();
        ArrayNode list = body.putArray("servers");
        for (AdminServer server : backend.servers()) {
            list.add(view(server));
        }
        return AdminHttp.json(response, callback, 200, body);
    }

    private ObjectNode view(AdminServer server) {
        ObjectNode node = AdminJson.server(server, calls.window(server.name()),
                backend.configEntry(server.name()).orElse(null));
        node.put("needsSignIn", backend.needsSignIn(server.name()));
        return node;
    }

    private boolean getServer(String name, Response response, Callback callback) {
        Optional<AdminServer> server = backend.server(name);
        if (server.isEmpty()) {
            return unknown(name, response, callback);
        }
        ObjectNode body = view(server.get());
        AdminJson.catalog(body, backend.catalog(name).orElse(ServerCatalog.EMPTY));
        return AdminHttp.json(response, callback, 200, body);
    }

    /**
     * Reads a {@code PUT}'s body as one entry of {@code section}: the entry, or null when the request has been
     * answered (413 too large, 400 not a JSON object; {@code problem} words the 400's problem as the loader would).
     */
    static ObjectNode readEntry(Request request, Response response, Callback callback, String section,
                                String example, java.util.function.BiFunction<String, String, ConfigProblem> problem,
                                java.util.function.Function<List<ConfigProblem>, Boolean> invalid)
            throws java.io.IOException {
        String text = AdminHttp.body(request, response, AdminHttp.MAX_BODY_BYTES);
        if (text == null) {
            AdminHttp.error(response, callback, 413, "the entry is larger than " + AdminHttp.MAX_BODY_BYTES + " bytes");
            return null;
        }
        JsonNode parsed;
        try {
            parsed = text.isBlank() ? null : ENTRY_MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            invalid.apply(List.of(problem.apply(section, "not valid JSON" + where + ": "
                    + e.getOriginalMessage().lines().findFirst().orElse(""))));
            return null;
        }
        if (!(parsed instanceof ObjectNode entry)) {
            invalid.apply(List.of(problem.apply(section, "the body must be one " + section + " entry, a JSON object"
                    + " such as " + example + "; got " + (parsed == null ? "nothing"
                    : parsed.getNodeType().name().toLowerCase(java.util.Locale.ROOT)))));
            return null;
        }
        return entry;
    }

    private boolean putServer(String name, Request request, Response response, Callback callback)
            throws java.io.IOException {
        ObjectNode entry = readEntry(request, response, callback, "mcpServers",
                "{\"command\": \"npx\", \"args\": [...]}",
                (section, message) -> new ConfigProblem(name, section + "." + name, message),
                problems -> invalid(problems, response, callback));
        if (entry == null) {
            return true;
        }
        ObjectNode restored = SecretMask.restore(entry, backend.configEntry(name).orElse(null));
        PutOutcome outcome = backend.put(name, restored);
        return switch (outcome) {
            case PutOutcome.Invalid invalid -> invalid(invalid.problems(), response, callback);
            case PutOutcome.Created created -> changed(name, 201, "created", response, callback);
            case PutOutcome.Replaced replaced -> changed(name, 200, "replaced", response, callback);
        };
    }

    private boolean changed(String name, int status, String result, Response response, Callback callback) {
        ObjectNode body = Json.object().put("name", name).put("result", result);
        backend.server(name).ifPresent(server -> body.set("server", view(server)));
        return AdminHttp.json(response, callback, status, body);
    }

    private static boolean invalid(List<ConfigProblem> problems, Response response, Callback callback) {
        String summary = problems.size() == 1 ? problems.getFirst().describe()
                : problems.size() + " problems: " + problems.getFirst().describe() + "; …";
        return AdminHttp.json(response, callback, 400, AdminJson.problems("invalid entry: " + summary, problems));
    }

    private boolean deleteServer(String name, Response response, Callback callback) {
        try {
            if (!backend.remove(name)) {
                return unknown(name, response, callback);
            }
        } catch (ServerInUseException e) {
            ObjectNode body = Json.object().put("error", e.getMessage());
            e.profiles().forEach(body.putArray("profiles")::add);
            return AdminHttp.json(response, callback, 409, body);
        }
        return AdminHttp.json(response, callback, 200, Json.object().put("name", name).put("result", "removed"));
    }

    private boolean action(String name, String action, Response response, Callback callback) {
        boolean known = switch (action) {
            case "restart" -> backend.restart(name);
            case "disable" -> backend.disable(name);
            default -> backend.enable(name);
        };
        if (!known) {
            return unknown(name, response, callback);
        }
        ObjectNode body = Json.object().put("name", name).put("result", action + (action.endsWith("e") ? "d" : "ed"));
        backend.server(name).ifPresent(server -> body.set("server", view(server)));
        return AdminHttp.json(response, callback, 200, body);
    }

    /** The console's "Sign in": the URL to open (the operator's own view; a client never gets it from here). */
    private boolean signIn(String name, Response response, Callback callback) {
        return switch (backend.signIn(name)) {
            case SignInStart.Unknown unknown -> unknown(name, response, callback);
            case SignInStart.NotApplicable no -> AdminHttp.error(response, callback, 409, no.why());
            case SignInStart.Failed failed -> AdminHttp.error(response, callback, 502, failed.why());
            case SignInStart.Started started -> AdminHttp.json(response, callback, 200, Json.object()
                    .put("name", name).put("result", "sign-in started").put("url", started.url().toString()));
        };
    }

    private boolean reload(Response response, Callback callback) {
        List<ConfigProblem> problems = backend.reload();
        if (!problems.isEmpty()) {
            return AdminHttp.json(response, callback, 409, AdminJson.problems(
                    "the config file was not applied (the running configuration stays): "
                            + problems.getFirst().describe() + (problems.size() > 1 ? "; …" : ""), problems));
        }
        return AdminHttp.json(response, callback, 200, Json.object().put("result", "reloaded"));
    }

    private static boolean unknown(String name, Response response, Callback callback) {
        return AdminHttp.error(response, callback, 404, "no server named \"" + name + "\"");
    }

    /** Hands each backend event to the call figures and the event feed; neither throws nor blocks. */
    private record FanOut(CallStats calls, EventFeed events) implements AdminListener {
        @Override
        public void stateChanged(String server, ServerState from, ServerState to, String reason) {
            events.stateChanged(server, from, to, reason);
        }

        @Override
        public void callCompleted(String server, String method, long nanos, CallOutcome outcome) {
            calls.callCompleted(server, method, nanos, outcome);
            events.callCompleted(server, method, nanos, outcome);
        }

        @Override
        public void breakerStateChanged(String server, BreakerState from, BreakerState to) {
            events.breakerStateChanged(server, from, to);
        }

        @Override
        public void serverRemoved(String server) {
            calls.serverRemoved(server);
        }

        @Override
        public void configChanged(ConfigChange change) {
            events.configChanged(change);
        }
    }

    /** Keep-alive and buffer for tests. */
    static AdminRoutes forTest(AdminBackend backend, Scheduler scheduler, int buffer, Duration keepAlive) {
        return new AdminRoutes(backend, new CallStats(scheduler),
                new EventFeed(scheduler, buffer, EventFeed.DEFAULT_HISTORY, keepAlive));
    }
}
