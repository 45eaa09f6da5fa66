package dev.dynamicmcp.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.config.ConfigProblem;
import dev.dynamicmcp.protocol.Json;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The profile routes of the admin API (mounted by {@link AdminRoutes}):
 *
 * <pre>
 *   GET    /admin/profiles          every profile: its servers with allow/deny, hasToken, sessions, masked entry
 *   GET    /admin/profiles/{name}   the same for one, plus the tools its sessions see
 *   PUT    /admin/profiles/{name}   body: one profiles entry; 201 new, 200 replaced, 400 every problem
 *   DELETE /admin/profiles/{name}   200 (its sessions are closed), or 404
 * </pre>
 */
final class ProfileRoutes {
    private final AdminBackend backend;

    ProfileRoutes(AdminBackend backend) {
        this.backend = backend;
    }

    boolean route(String[] parts, String method, Request request, Response response, Callback callback)
            throws IOException {
        if (parts.length == 1) {
            return AdminRoutes.only("GET", method, response, callback) || list(response, callback);
        }
        if (parts.length != 2 || parts[1].isEmpty()) {
            return AdminHttp.error(response, callback, 404, "no admin route " + method + " " + AdminRoutes.PREFIX
                    + "/" + String.join("/", parts) + " (see GET /admin/profiles)");
        }
        String name = parts[1];
        return switch (method) {
            case "GET" -> get(name, response, callback);
            case "PUT" -> put(name, request, response, callback);
            case "DELETE" -> delete(name, response, callback);
            default -> AdminRoutes.notAllowed("GET, PUT, DELETE", method, response, callback);
        };
    }

    private boolean list(Response response, Callback callback) {
        ObjectNode body = Json.object();
        ArrayNode list = body.putArray("profiles");
        backend.profiles().forEach(profile -> list.add(AdminJson.profile(profile)));
        return AdminHttp.json(response, callback, 200, body);
    }

    private boolean get(String name, Response response, Callback callback) {
        Optional<AdminProfile> profile = backend.profile(name);
        if (profile.isEmpty()) {
            return unknown(name, response, callback);
        }
        ObjectNode body = AdminJson.profile(profile.get());
        body.set("tools", AdminJson.profileTools(backend.profileTools(name).orElse(List.of())));
        return AdminHttp.json(response, callback, 200, body);
    }

    private boolean put(String name, Request request, Response response, Callback callback) throws IOException {
        ObjectNode entry = AdminRoutes.readEntry(request, response, callback, "profiles",
                "{\"servers\": {\"github\": {\"tools\": {\"allow\": [\"get_*\"]}}}}",
                (section, message) -> new ConfigProblem(null, section + "." + name, message),
                problems -> invalid(name, problems, response, callback));
        if (entry == null) {
            return true;
        }
        // A token shown to the client as the mask and sent back unchanged stays what it was.
        ObjectNode restored = SecretMask.restore(entry, backend.profile(name).map(AdminProfile::entry).orElse(null));
        PutOutcome outcome = backend.putProfile(name, restored);
        return switch (outcome) {
            case PutOutcome.Invalid invalid -> invalid(name, invalid.problems(), response, callback);
            case PutOutcome.Created created -> changed(name, 201, "created", response, callback);
            case PutOutcome.Replaced replaced -> changed(name, 200, "replaced", response, callback);
        };
    }

    private boolean changed(String name, int status, String result, Response response, Callback callback) {
        ObjectNode body = Json.object().put("name", name).put("result", result);
        backend.profile(name).ifPresent(profile -> body.set("profile", AdminJson.profile(profile)));
        return AdminHttp.json(response, callback, status, body);
    }

    private static boolean invalid(String name, List<ConfigProblem> problems, Response response, Callback callback) {
        String summary = problems.size() == 1 ? problems.getFirst().describe()
                : problems.size() + " problems: " + problems.getFirst().describe() + "; …";
        return AdminHttp.json(response, callback, 400,
                AdminJson.profileProblems("invalid profile: " + summary, name, problems));
    }

    private boolean delete(String name, Response response, Callback callback) {
        if (!backend.removeProfile(name)) {
            return unknown(name, response, callback);
        }
        return AdminHttp.json(response, callback, 200, Json.object().put("name", name).put("result", "removed"));
    }

    private static boolean unknown(String name, Response response, Callback callback) {
        return AdminHttp.error(response, callback, 404, "no profile named \"" + name + "\"");
    }
}
