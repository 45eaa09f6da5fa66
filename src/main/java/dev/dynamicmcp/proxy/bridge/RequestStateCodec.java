package dev.dynamicmcp.proxy.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import dev.dynamicmcp.protocol.JsonRpc;
import dev.dynamicmcp.protocol.McpException;
import dev.dynamicmcp.protocol.McpResults;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The {@code requestState} the proxy hands a 2026-07-28 client while a 2025-era server's call is parked:
 * {@code v1.<base64url(payload)>.<base64url(HMAC-SHA256(key, "v1." + payload))>}. The client may read the
 * payload but cannot forge one: it binds the park, the round, the request's method, target and a digest of
 * its params, an expiry and the proxy instance that parked the call.
 *
 * <p>Why an HMAC and not a lookup alone: the spec tells servers to treat {@code requestState} as
 * attacker-controlled; a state that fails verification must be refused without touching the park it names
 * (a tampered copy must not cancel the legitimate retry). The key and the instance id come from a
 * {@link SecureRandom} per process (cryptographic randomness is not the scheduler's jitter); a fleet that
 * shares parks would share the key.
 */
public final class RequestStateCodec {
    private static final String VERSION = "v1";
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();
    /** Params that differ between the first request and its retries, left out of the digest. */
    private static final Set<String> NOT_DIGESTED = Set.of("_meta", McpResults.INPUT_RESPONSES, McpResults.REQUEST_STATE);

    private final byte[] key;
    private final String instance;

    /** A codec with a fresh random key and instance id. */
    public static RequestStateCodec random() {
        SecureRandom random = new SecureRandom();
        byte[] key = new byte[32];
        random.nextBytes(key);
        byte[] instance = new byte[8];
        random.nextBytes(instance);
        return new RequestStateCodec(key, HexFormat.of().formatHex(instance));
    }

    public RequestStateCodec(byte[] key, String instance) {
        if (key.length < 16) {
            throw new IllegalArgumentException("a request-state key needs at least 16 bytes");
        }
        this.key = key.clone();
        this.instance = instance;
    }

    public String instance() {
        return instance;
    }

    /** What a state says; {@code digest} is {@link #digest} of the request's params. */
    public record State(String parkId, int round, String method, String target, String digest, long expiresAtMs,
                        String instance) {
    }

    public String encode(State state) {
        ObjectNode payload = Json.object();
        payload.put("pid", state.parkId());
        payload.put("rnd", state.round());
        payload.put("m", state.method());
        payload.put("t", state.target());
        payload.put("d", state.digest());
        payload.put("exp", state.expiresAtMs());
        payload.putNull("sub"); // the principal, once OAuth names one
        payload.put("n", state.instance());
        String body = VERSION + "." + B64.encodeToString(Json.write(payload).getBytes(StandardCharsets.UTF_8));
        return body + "." + B64.encodeToString(mac(body));
    }

    /**
     * The state of a retry, verified against the retry itself: the MAC (in constant time), the instance,
     * the expiry, and the method, target and params digest. Any failure is -32602 with a reason that tells
     * the client what to do (start over), never which byte was wrong.
     */
    public State verify(String token, String method, String target, String digest, Instant now) {
        int last = token == null ? -1 : token.lastIndexOf('.');
        if (last <= 0 || !token.startsWith(VERSION + ".")) {
            throw invalid("requestState is not one this proxy issued");
        }
        String body = token.substring(0, last);
        byte[] given;
        try {
            given = B64D.decode(token.substring(last + 1));
        } catch (IllegalArgumentException e) {
            throw invalid("requestState failed verification");
        }
        if (!MessageDigest.isEqual(mac(body), given)) {
            throw invalid("requestState failed verification");
        }
        JsonNode payload;
        try {
            payload = Json.parse(new String(B64D.decode(body.substring(VERSION.length() + 1)), StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            throw invalid("requestState failed verification");
        }
        State state = new State(payload.path("pid").asText(), payload.path("rnd").asInt(-1),
                payload.path("m").asText(), payload.path("t").asText(), payload.path("d").asText(),
                payload.path("exp").asLong(), payload.path("n").asText());
        if (!instance.equals(state.instance())) {
            throw invalid("requestState was issued by another proxy instance; start the request again");
        }
        if (now.toEpochMilli() >= state.expiresAtMs()) {
            throw invalid("requestState expired; start the request again");
        }
        if (!state.method().equals(method) || !state.target().equals(target) || !state.digest().equals(digest)) {
            throw invalid("requestState belongs to another request (method, name or arguments differ)");
        }
        return state;
    }

    /** SHA-256 (hex) of the canonical JSON of {@code params} without {@code _meta}, inputResponses, requestState. */
    public static String digest(ObjectNode params) {
        StringBuilder out = new StringBuilder();
        ObjectNode salient = Json.object();
        params.properties().forEach(field -> {
            if (!NOT_DIGESTED.contains(field.getKey())) {
                salient.set(field.getKey(), field.getValue());
            }
        });
        canonical(salient, out);
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(out.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** Keys sorted at every level, so the same params give the same digest whatever the client's key order. */
    private static void canonical(JsonNode node, StringBuilder out) {
        if (node.isObject()) {
            List<String> names = new ArrayList<>();
            node.fieldNames().forEachRemaining(names::add);
            Collections.sort(names);
            out.append('{');
            for (int i = 0; i < names.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                out.append(Json.write(com.fasterxml.jackson.databind.node.TextNode.valueOf(names.get(i)))).append(':');
                canonical(node.get(names.get(i)), out);
            }
            out.append('}');
        } else if (node.isArray()) {
            out.append('[');
            for (int i = 0; i < node.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                canonical(node.get(i), out);
            }
            out.append(']');
        } else {
            out.append(Json.write(node));
        }
    }

    private byte[] mac(String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(body.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }

    static McpException invalid(String why) {
        return new McpException(JsonRpc.INVALID_PARAMS, "Invalid requestState: " + why);
    }

}
