package dev.dynamicmcp.auth.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.auth.Parsed;
import dev.dynamicmcp.config.ConfigProblem;
import java.net.URI;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * How the proxy signs in to one protected upstream ({@code mcpServers.NAME.oauth}).
 *
 * <pre>{@code
 * "oauth": {
 *   "clientId": "proxy-at-example",        // pre-registered client; without it: CIMD, else dynamic registration
 *   "clientSecret": "${EXAMPLE_SECRET}",   // for a confidential pre-registered client
 *   "clientPrivateKey": "${EXAMPLE_KEY}",  // or its PKCS#8 PEM key: private_key_jwt (RFC 7523) instead of a secret
 *   "scopes": ["repo", "read:org"],        // asked for when the upstream's challenge names none
 *   "clientCredentials": false,            // machine-to-machine: client_credentials grant, no user
 *   "perUser": false,                      // each downstream user signs in for themselves
 *   "clientMetadataUrl": "https://proxy.example.com/oauth/client.json" // this proxy's CIMD, if it hosts one
 * }
 * }</pre>
 * An empty object ({@code "oauth": {}}) is enough for an upstream whose authorization server supports dynamic
 * client registration.
 */
public record UpstreamOAuthSettings(String clientId, String clientSecret, List<String> scopes,
                                    boolean clientCredentials, boolean perUser, URI clientMetadataUrl,
                                    String clientPrivateKey) {
    private static final Set<String> KEYS = Set.of("clientId", "clientSecret", "scopes", "clientCredentials",
            "perUser", "clientMetadataUrl", "clientPrivateKey");

    public UpstreamOAuthSettings {
        scopes = List.copyOf(scopes);
    }

    /** Without a private key: a secret, or a public client. */
    public UpstreamOAuthSettings(String clientId, String clientSecret, List<String> scopes, boolean clientCredentials,
                                 boolean perUser, URI clientMetadataUrl) {
        this(clientId, clientSecret, scopes, clientCredentials, perUser, clientMetadataUrl, null);
    }

    /** Sign in through dynamic registration, nothing pre-configured. */
    public static UpstreamOAuthSettings defaults() {
        return new UpstreamOAuthSettings(null, null, List.of(), false, false, null);
    }

    /**
     * Reads one server's {@code oauth} object.
     *
     * @param server the server's name (problems carry it)
     * @param path   the key path of the object, e.g. {@code mcpServers.github.oauth}
     */
    public static Parsed<UpstreamOAuthSettings> fromJson(ObjectNode node, String server, String path) {
        List<ConfigProblem> problems = new ArrayList<>();
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!KEYS.contains(name)) {
                problems.add(new ConfigProblem(server, path + "." + name, "unknown key (known: "
                        + String.join(", ", KEYS.stream().sorted().toList()) + ")"));
            }
        }
        String clientId = text(node, "clientId", server, path, problems);
        String clientSecret = text(node, "clientSecret", server, path, problems);
        List<String> scopes = new ArrayList<>();
        JsonNode scopeNode = node.get("scopes");
        if (scopeNode != null && !scopeNode.isNull()) {
            if (!scopeNode.isArray()) {
                problems.add(new ConfigProblem(server, path + ".scopes", "must be an array of strings"));
            } else {
                for (int i = 0; i < scopeNode.size(); i++) {
                    JsonNode s = scopeNode.get(i);
                    if (!s.isTextual() || s.asText().isBlank() || s.asText().trim().contains(" ")) {
                        problems.add(new ConfigProblem(server, path + ".scopes[" + i + "]",
                                "must be a non-empty string without spaces"));
                    } else {
                        scopes.add(s.asText().trim());
                    }
                }
            }
        }
        boolean cc = bool(node, "clientCredentials", server, path, problems);
        boolean perUser = bool(node, "perUser", server, path, problems);
        URI cimd = null;
        String cimdText = text(node, "clientMetadataUrl", server, path, problems);
        if (cimdText != null) {
            try {
                cimd = URI.create(cimdText);
                // CIMD: an https URL with a path (draft-ietf-oauth-client-id-metadata-document §3).
                if (!"https".equals(cimd.getScheme() == null ? null : cimd.getScheme().toLowerCase(Locale.ROOT))
                        || cimd.getRawPath() == null || cimd.getRawPath().length() <= 1 || cimd.getRawFragment() != null) {
                    problems.add(new ConfigProblem(server, path + ".clientMetadataUrl",
                            "must be an https URL with a path and no fragment"));
                }
            } catch (IllegalArgumentException e) {
                problems.add(new ConfigProblem(server, path + ".clientMetadataUrl", "is not a URL"));
            }
        }
        String privateKey = text(node, "clientPrivateKey", server, path, problems);
        if (privateKey != null) {
            if (clientId == null) {
                problems.add(new ConfigProblem(server, path + ".clientPrivateKey",
                        "needs clientId (a key belongs to a pre-registered client)"));
            }
            if (clientSecret != null) {
                problems.add(new ConfigProblem(server, path + ".clientPrivateKey",
                        "cannot be combined with clientSecret (one way to authenticate the client)"));
            }
            try {
                ClientAssertion.parse(privateKey);
            } catch (IllegalArgumentException e) {
                problems.add(new ConfigProblem(server, path + ".clientPrivateKey", e.getMessage()));
            }
        }
        if (clientSecret != null && clientId == null) {
            problems.add(new ConfigProblem(server, path + ".clientSecret", "needs clientId (a secret belongs to a pre-registered client)"));
        }
        if (cc && (clientId == null || clientSecret == null && privateKey == null)) {
            problems.add(new ConfigProblem(server, path + ".clientCredentials", "needs clientId and clientSecret or"
                    + " clientPrivateKey (the client_credentials grant has no user to register for)"));
        }
        if (cc && perUser) {
            problems.add(new ConfigProblem(server, path + ".perUser",
                    "cannot be combined with clientCredentials (machine-to-machine has no user)"));
        }
        if (!problems.isEmpty()) {
            return new Parsed<>(null, problems);
        }
        return new Parsed<>(new UpstreamOAuthSettings(clientId, clientSecret, scopes, cc, perUser, cimd, privateKey),
                List.of());
    }

    private static String text(ObjectNode node, String key, String server, String path, List<ConfigProblem> problems) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual() || value.asText().isBlank()) {
            problems.add(new ConfigProblem(server, path + "." + key, "must be a non-empty string"));
            return null;
        }
        return value.asText().trim();
    }

    private static boolean bool(ObjectNode node, String key, String server, String path, List<ConfigProblem> problems) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            return false;
        }
        if (!value.isBoolean()) {
            problems.add(new ConfigProblem(server, path + "." + key, "must be true or false"));
            return false;
        }
        return value.asBoolean();
    }

    @Override
    public String toString() {
        return "UpstreamOAuthSettings[clientId=" + clientId + ", clientSecret=" + (clientSecret == null ? "none" : "***")
                + ", scopes=" + scopes + ", clientCredentials=" + clientCredentials + ", perUser=" + perUser
                + ", clientMetadataUrl=" + clientMetadataUrl + ", clientPrivateKey=" + (clientPrivateKey == null ? "none" : "***")
                + "]";
    }
}
