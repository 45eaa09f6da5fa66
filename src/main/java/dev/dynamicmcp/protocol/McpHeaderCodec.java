package dev.dynamicmcp.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The value encoding of the MCP 2026-07-28 request headers ({@code Mcp-Name}, {@code Mcp-Param-*}): a value
 * that is not plain visible ASCII travels as {@code =?base64?<Base64 of its UTF-8>?=} (markers case-sensitive).
 * Both sides of the proxy use it: downstream to compare a header with the body, upstream to write one.
 */
public final class McpHeaderCodec {
    public static final String PREFIX = "=?base64?";
    public static final String SUFFIX = "?=";

    private McpHeaderCodec() {
    }

    /** The value a header carries: decoded when it is a sentinel; null when a sentinel does not decode. */
    public static String decode(String header) {
        if (header == null || !header.startsWith(PREFIX) || !header.endsWith(SUFFIX)
                || header.length() < PREFIX.length() + SUFFIX.length()) {
            return header;
        }
        String payload = header.substring(PREFIX.length(), header.length() - SUFFIX.length());
        try {
            byte[] bytes = Base64.getDecoder().decode(payload);
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (IllegalArgumentException | CharacterCodingException e) {
            return null;
        }
    }

    /** The header form of a value: as is when plain visible ASCII without edge spaces, else the sentinel. */
    public static String encode(String value) {
        boolean plain = !value.isEmpty() && value.charAt(0) != ' ' && value.charAt(value.length() - 1) != ' '
                && !value.startsWith(PREFIX);
        for (int i = 0; plain && i < value.length(); i++) {
            char c = value.charAt(i);
            plain = c >= 0x20 && c < 0x7f;
        }
        return plain ? value : PREFIX + Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8))
                + SUFFIX;
    }
}
