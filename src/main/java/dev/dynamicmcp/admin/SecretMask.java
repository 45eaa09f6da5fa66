package dev.dynamicmcp.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hides secrets in a server's config entry before the API or the console shows it, and puts them back when
 * a client sends an entry it got from us (with the masks still in it) in a {@code PUT}.
 *
 * <p>Masked, as {@value #MASK}: every value under {@code env} and {@code headers}; any value whose key looks
 * like a secret (token, secret, password, key, auth, credential, cookie…), and everything inside it; the
 * argument after a secret-looking flag in {@code args} ({@code --token abc}, {@code --api-key=abc}); the
 * password and secret-looking query parameters of a URL. Not masked: a value that is only a variable
 * reference ({@code ${GITHUB_TOKEN}}, optionally after {@code Bearer }), which tells the operator where the
 * secret comes from without revealing it.
 */
final class SecretMask {
    static final String MASK = "****";
    private static final Pattern SECRET_KEY = Pattern.compile(
            "(?i).*(token|secret|passw|pwd|api[-_]?key|apikey|auth|credential|cookie|private[-_]?key"
                    + "|access[-_]?key|signature).*|(?i)(.*[-_])?key");
    private static final Pattern SECRET_FLAG = Pattern.compile(
            "(?i)--?([a-z0-9]+[-_])*(token|secret|password|passwd|pwd|api[-_]?key|apikey|key|auth"
                    + "|credentials?|cookie)");
    private static final Pattern REFERENCE_ONLY =
            Pattern.compile("(Bearer\\s+)?\\$\\{(env:)?[A-Za-z_][A-Za-z0-9_]*}");
    private static final Pattern QUERY_PARAM = Pattern.compile("([?&])([^=&#]+)=([^&#]*)");

    private SecretMask() {
    }

    /** A masked deep copy of {@code entry}. */
    static ObjectNode mask(ObjectNode entry) {
        ObjectNode copy = entry.deepCopy();
        maskObject(copy, false);
        return copy;
    }

    private static void maskObject(ObjectNode node, boolean everything) {
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            String key = field.getKey();
            JsonNode value = field.getValue();
            boolean secret = everything || key.equals("env") || key.equals("headers")
                    || SECRET_KEY.matcher(key).matches();
            if (value.isTextual()) {
                if (secret) {
                    field.setValue(maskText(value.textValue()));
                } else if (key.equals("url") || key.equals("serverUrl")) {
                    field.setValue(TextNode.valueOf(maskUrl(value.textValue())));
                }
            } else if (value instanceof ObjectNode object) {
                maskObject(object, secret);
            } else if (value instanceof ArrayNode array) {
                if (key.equals("args") && !secret) {
                    maskArgs(array);
                } else {
                    maskArray(array, secret);
                }
            } else if (secret && !value.isNull() && !value.isBoolean()) {
                field.setValue(TextNode.valueOf(MASK));
            }
        }
    }

    private static void maskArray(ArrayNode array, boolean everything) {
        for (int i = 0; i < array.size(); i++) {
            JsonNode value = array.get(i);
            if (value instanceof ObjectNode object) {
                maskObject(object, everything);
            } else if (value instanceof ArrayNode inner) {
                maskArray(inner, everything);
            } else if (everything && value.isTextual()) {
                array.set(i, maskText(value.textValue()));
            }
        }
    }

    private static void maskArgs(ArrayNode args) {
        boolean nextIsSecret = false;
        for (int i = 0; i < args.size(); i++) {
            JsonNode value = args.get(i);
            if (!value.isTextual()) {
                nextIsSecret = false;
                continue;
            }
            String text = value.textValue();
            if (nextIsSecret) {
                args.set(i, maskText(text));
                nextIsSecret = false;
                continue;
            }
            int equals = text.indexOf('=');
            if (equals > 0 && SECRET_FLAG.matcher(text.substring(0, equals)).matches()) {
                String rest = text.substring(equals + 1);
                args.set(i, TextNode.valueOf(text.substring(0, equals + 1)
                        + (REFERENCE_ONLY.matcher(rest).matches() ? rest : MASK)));
            } else if (SECRET_FLAG.matcher(text).matches()) {
                nextIsSecret = true;
            } else if (text.contains("://")) {
                args.set(i, TextNode.valueOf(maskUrl(text)));
            }
        }
    }

    private static TextNode maskText(String text) {
        return TextNode.valueOf(REFERENCE_ONLY.matcher(text).matches() ? text : MASK);
    }

    /** Masks a URL's password and its secret-looking query parameters; other text is returned as is. */
    static String maskUrl(String url) {
        String result = url;
        try {
            URI uri = new URI(url);
            String userInfo = uri.getRawUserInfo();
            if (userInfo != null) {
                int colon = userInfo.indexOf(':');
                String masked = colon < 0 ? MASK : userInfo.substring(0, colon + 1) + MASK;
                result = result.replaceFirst(Pattern.quote(userInfo + "@"), Matcher.quoteReplacement(masked + "@"));
            }
        } catch (URISyntaxException e) {
            // Not a URL we can take apart (a ${VAR} in the host, say): the query check below still applies.
        }
        Matcher params = QUERY_PARAM.matcher(result);
        StringBuilder out = new StringBuilder();
        while (params.find()) {
            String name = params.group(2);
            boolean secret = SECRET_KEY.matcher(name.toLowerCase(Locale.ROOT)).matches()
                    && !REFERENCE_ONLY.matcher(params.group(3)).matches();
            params.appendReplacement(out, Matcher.quoteReplacement(
                    params.group(1) + name + "=" + (secret ? MASK : params.group(3))));
        }
        params.appendTail(out);
        return out.toString();
    }

    /**
     * {@code incoming} with every {@value #MASK} (whole value, an argument's {@code --flag=****}, a URL's
     * masked part) replaced by what {@code existing} holds at the same place, so an entry read from the API,
     * edited and sent back keeps its secrets. Masks with nothing to restore stay as they are.
     */
    static ObjectNode restore(ObjectNode incoming, ObjectNode existing) {
        ObjectNode copy = incoming.deepCopy();
        if (existing != null) {
            restoreNode(copy, existing);
        }
        return copy;
    }

    private static void restoreNode(JsonNode target, JsonNode source) {
        if (target instanceof ObjectNode object && source instanceof ObjectNode from) {
            for (Map.Entry<String, JsonNode> field : object.properties()) {
                JsonNode old = from.get(field.getKey());
                JsonNode restored = restoredValue(field.getValue(), old);
                if (restored != null) {
                    field.setValue(restored);
                } else if (old != null) {
                    restoreNode(field.getValue(), old);
                }
            }
        } else if (target instanceof ArrayNode array && source instanceof ArrayNode from) {
            for (int i = 0; i < array.size() && i < from.size(); i++) {
                JsonNode restored = restoredValue(array.get(i), from.get(i));
                if (restored != null) {
                    array.set(i, restored);
                } else {
                    restoreNode(array.get(i), from.get(i));
                }
            }
        }
    }

    /** The old value when {@code value} is what masking {@code old} gives, else null. */
    private static JsonNode restoredValue(JsonNode value, JsonNode old) {
        if (old == null || !value.isTextual() || !value.textValue().contains(MASK)) {
            return null;
        }
        if (value.textValue().equals(MASK)) {
            return old;
        }
        if (!old.isTextual()) {
            return null;
        }
        String text = old.textValue();
        // A partly masked value (an argument's --flag=****, a URL) comes back as it was when the rest of it
        // is unchanged: compare with what we would have shown.
        ObjectNode probe = JsonNodeFactory.instance.objectNode();
        ArrayNode args = probe.putArray("args");
        args.add(text);
        maskArgs(args);
        if (args.get(0).textValue().equals(value.textValue())
                || maskUrl(text).equals(value.textValue())) {
            return old;
        }
        return null;
    }
}
