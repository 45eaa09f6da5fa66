package dev.dynamicmcp.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collection;

/**
 * How long a result may be cached and by whom ({@code ttlMs}, {@code cacheScope} of MCP 2026-07-28). A merged
 * result is only as cacheable as its least cacheable part: the shortest ttl, and private when any part is.
 * An upstream of an earlier revision gives no hints: it counts as {@link #UNCACHEABLE} (0 ms, private), the
 * choice the SDK makes too.
 */
record CacheHint(long ttlMs, boolean isPublic) {
    static final CacheHint UNCACHEABLE = new CacheHint(0, false);

    /** The hints of a modern upstream's result, or {@link #UNCACHEABLE} when it carries none (or bad ones). */
    static CacheHint of(JsonNode result) {
        JsonNode ttl = result == null ? null : result.get("ttlMs");
        JsonNode scope = result == null ? null : result.get("cacheScope");
        if (ttl == null || !ttl.canConvertToLong() || ttl.asLong() < 0 || scope == null || !scope.isTextual()) {
            return UNCACHEABLE;
        }
        return new CacheHint(ttl.asLong(), "public".equals(scope.asText()));
    }

    /** The least cacheable of the parts; {@link #UNCACHEABLE} when there are none. */
    static CacheHint merge(Collection<CacheHint> parts) {
        if (parts.isEmpty()) {
            return UNCACHEABLE;
        }
        long ttl = Long.MAX_VALUE;
        boolean isPublic = true;
        for (CacheHint part : parts) {
            ttl = Math.min(ttl, part.ttlMs());
            isPublic &= part.isPublic();
        }
        return new CacheHint(ttl, isPublic);
    }

    /** Writes {@code ttlMs} and {@code cacheScope} into a result. */
    ObjectNode writeTo(ObjectNode result) {
        result.put("ttlMs", ttlMs);
        result.put("cacheScope", isPublic ? "public" : "private");
        return result;
    }
}
