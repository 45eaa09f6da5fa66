package dev.dynamicmcp.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The value rule of the 2026-07-28 Streamable HTTP headers ({@code Mcp-Name}, {@code Mcp-Param-*}): a value
 * that is not a safe plain field value (empty, leading or trailing whitespace, a byte outside visible ASCII,
 * space and tab, or already looking like the sentinel) travels as {@code =?base64?<base64 of UTF-8>?=}.
 * Shared by the upstream side (encode) and the downstream side (decode).
 */
public final class McpHeaderCodec {
    public static final String PREFIX = "=?base64?";
    public static final String SUFFIX = "?=";

    private McpHeaderCodec() {
    }

    public static String encode(String value) {
        if (!needsBase64(value)) {
            return value;
        }
        return PREFIX + Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)) + SUFFIX;
    }

    /** The value a header stands for; the sentinel decoded. Throws IllegalArgumentException for bad base64. */
    public static String decode(String header) {
        if (header.startsWith(PREFIX) && header.endsWith(SUFFIX) && header.length() >= PREFIX.length() + SUFFIX.length()) {
            String body = header.substring(PREFIX.length(), header.length() - SUFFIX.length());
            return new String(Base64.getDecoder().decode(body), StandardCharsets.UTF_8);
        }
        return header;
    }

    static boolean needsBase64(String value) {
        if (value.isEmpty() || (value.startsWith(PREFIX) && value.endsWith(SUFFIX))) {
            return true;
        }
        if (Character.isWhitespace(value.charAt(0)) || Character.isWhitespace(value.charAt(value.length() - 1))) {
            return true;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c != '\t' && (c < 0x20 || c > 0x7E)) {
                return true;
            }
        }
        return false;
    }
}
