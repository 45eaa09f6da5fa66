package dev.dynamicmcp.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Persists one server's entry (or one profile's) into the config file, for changes made through the admin API.
 *
 * <p>The file is edited as text, not re-serialised: only the characters of the entry concerned change (its
 * value replaced, a new member inserted after the last one, or the member and its comma removed), so the
 * other entries, the {@code proxy} section, the formatting and JSONC comments stay byte for byte. Comments
 * <em>inside</em> a replaced or removed entry go with it (the new entry is written without comments); comments
 * around it stay. The section is the one the loader reads: {@code mcpServers}, or {@code servers} when only
 * that alias is present; a file with neither gets {@code mcpServers}. Profiles live in {@code profiles}, added
 * as the last top-level member when the file has none. The new text is parsed again and
 * compared with the intended tree before anything is written, so a mistake here can never corrupt a file.
 *
 * <p>Writing is atomic: a temporary file in the same directory (same permissions as the file), flushed to
 * disk, then renamed over the file (a symbolic link is followed, so the link stays a link). The SHA-256 of the
 * written bytes is returned: the config watcher compares it with the file's hash to skip applying the proxy's
 * own write a second time. Writes through one instance are serialised; an edit made by hand at the same
 * moment is not merged (whichever rename comes last wins, and the watcher then applies the file).
 */
public final class ConfigWriter {
    /** What a write did. {@code sha256} is the hash of the file's content now (hex, lower case). */
    public record Written(Path file, String sha256, boolean changed) {
    }

    private static final JsonMapper LENIENT = ((JsonMapper) Json.MAPPER).rebuild()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(JsonReadFeature.ALLOW_JAVA_COMMENTS, JsonReadFeature.ALLOW_TRAILING_COMMA)
            .build();
    private static final String BOM = "\uFEFF";

    private final Path file;
    private final ReentrantLock lock = new ReentrantLock();

    public ConfigWriter(Path file) {
        this.file = file.toAbsolutePath();
    }

    /** Sets the server's entry to {@code entry} (adding it when new), writing the file atomically. */
    public Written put(String name, ObjectNode entry) throws IOException {
        return update(text -> put(text, Section.SERVERS, name, entry));
    }

    /** Removes the server's entry; {@code changed} is false (and nothing is written) when it was not there. */
    public Written remove(String name) throws IOException {
        return update(text -> remove(text, Section.SERVERS, name));
    }

    /** Sets the profile's entry under {@code profiles} (adding the section or the entry when new), atomically. */
    public Written putProfile(String name, ObjectNode entry) throws IOException {
        return update(text -> put(text, Section.PROFILES, name, entry));
    }

    /** Removes the profile's entry (the section stays, possibly empty); unchanged when it was not there. */
    public Written removeProfile(String name) throws IOException {
        return update(text -> remove(text, Section.PROFILES, name));
    }

    /** The top-level object an edit works in. */
    enum Section {
        /** {@code mcpServers}, or {@code servers} when only that alias is there (the loader's rule). */
        SERVERS,
        PROFILES;

        String key(boolean hasMcpServers, boolean hasServers) {
            return this == PROFILES ? "profiles" : hasMcpServers || !hasServers ? "mcpServers" : "servers";
        }
    }

    private interface Edit {
        String apply(String text);
    }

    // The lock only serialises our own read-modify-write cycles; nothing else waits on it.
    private Written update(Edit edit) throws IOException {
        lock.lock();
        try {
            Path target = Files.isSymbolicLink(file) ? file.toRealPath() : file;
            String before;
            try {
                before = Files.readString(target, StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                before = "";
            }
            String after = edit.apply(before);
            byte[] bytes = after.getBytes(StandardCharsets.UTF_8);
            if (after.equals(before)) {
                return new Written(target, sha256(bytes), false);
            }
            writeAtomically(target, bytes);
            return new Written(target, sha256(bytes), true);
        } finally {
            lock.unlock();
        }
    }

    private static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        try {
            copyPermissions(target, temp);
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                channel.write(java.nio.ByteBuffer.wrap(bytes));
                channel.force(true);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot replace " + target + " atomically on this file system", e);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** The temporary file starts private (0600); give it the file's own permissions when there is one. */
    private static void copyPermissions(Path from, Path to) throws IOException {
        PosixFileAttributeView source = Files.getFileAttributeView(from, PosixFileAttributeView.class);
        PosixFileAttributeView target = Files.getFileAttributeView(to, PosixFileAttributeView.class);
        if (source == null || target == null || !Files.exists(from)) {
            return;
        }
        Set<PosixFilePermission> permissions = source.readAttributes().permissions();
        target.setPermissions(permissions);
    }

    public static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    // ---- the text edits (pure; package-private for tests)

    static String put(String original, String name, ObjectNode entry) {
        return put(original, Section.SERVERS, name, entry);
    }

    static String remove(String original, String name) {
        return remove(original, Section.SERVERS, name);
    }

    static String put(String original, Section where, String name, ObjectNode entry) {
        boolean bom = original.startsWith(BOM);
        String text = bom ? original.substring(1) : original;
        String nl = text.contains("\r\n") ? "\r\n" : "\n";
        String result;
        if (text.isBlank()) {
            ObjectNode root = Json.object();
            root.putObject(where.key(false, false)).set(name, entry);
            result = render(root, "", "  ", nl) + nl;
        } else {
            Layout layout = Layout.of(text, where);
            String unit = layout.indentUnit(text);
            Member section = layout.section;
            Member existing = section == null ? null : layout.entry(name);
            if (existing != null) {
                String indent = indentOrDefault(text, existing.keyStart, layout.sectionIndent(text) + unit);
                result = text.substring(0, existing.valueStart) + render(entry, indent, unit, nl)
                        + text.substring(existing.valueEnd);
            } else if (section != null) {
                String indent = layout.entries.isEmpty() ? layout.sectionIndent(text) + unit
                        : indentOrDefault(text, layout.entries.getLast().keyStart, layout.sectionIndent(text) + unit);
                String member = quote(name) + ": " + render(entry, indent, unit, nl);
                result = insertMember(text, section.valueStart, layout.sectionClose, layout.entries, member, indent,
                        layout.sectionIndent(text), nl);
            } else {
                ObjectNode servers = Json.object();
                servers.set(name, entry);
                String indent = layout.members.isEmpty() ? unit
                        : indentOrDefault(text, layout.members.getLast().keyStart, unit);
                String member = quote(where.key(false, false)) + ": " + render(servers, indent, unit, nl);
                result = insertMember(text, layout.topOpen, layout.topClose, layout.members, member, indent, "", nl);
            }
        }
        ObjectNode expected = treeOf(text.isBlank() ? "{}" : text);
        sectionNode(expected, where).set(name, entry);
        verify(result, expected);
        return bom ? BOM + result : result;
    }

    static String remove(String original, Section where, String name) {
        boolean bom = original.startsWith(BOM);
        String text = bom ? original.substring(1) : original;
        if (text.isBlank()) {
            return original;
        }
        Layout layout = Layout.of(text, where);
        Member existing = layout.section == null ? null : layout.entry(name);
        if (existing == null) {
            return original;
        }
        int index = layout.entries.indexOf(existing);
        int start = existing.keyStart;
        int end = existing.valueEnd;
        int after = skipInsignificant(text, end);
        if (after < text.length() && text.charAt(after) == ',') {
            end = after + 1;
        } else if (index > 0) {
            Member previous = layout.entries.get(index - 1);
            int comma = skipInsignificant(text, previous.valueEnd);
            if (comma < text.length() && text.charAt(comma) == ',') {
                start = comma;
            }
        }
        // Take the whole line when the member had its own lines, so no blank line is left behind.
        int lineStart = text.lastIndexOf('\n', start - 1) + 1;
        if (start == existing.keyStart && text.substring(lineStart, start).isBlank()) {
            int lineEnd = end;
            while (lineEnd < text.length() && (text.charAt(lineEnd) == ' ' || text.charAt(lineEnd) == '\t'
                    || text.charAt(lineEnd) == '\r')) {
                lineEnd++;
            }
            if (lineEnd < text.length() && text.charAt(lineEnd) == '\n') {
                start = lineStart;
                end = lineEnd + 1;
            }
        }
        String result = text.substring(0, start) + text.substring(end);
        ObjectNode expected = treeOf(text);
        sectionNode(expected, where).remove(name);
        verify(result, expected);
        return bom ? BOM + result : result;
    }

    /** Adds {@code member} as the last member of the object spanning {@code open}..{@code close}. */
    private static String insertMember(String text, int open, int close, List<Member> members, String member,
                                       String indent, String closeIndent, String nl) {
        if (!members.isEmpty()) {
            int at = members.getLast().valueEnd;
            return text.substring(0, at) + "," + nl + indent + member + text.substring(at);
        }
        String inside = text.substring(open + 1, close);
        if (inside.isBlank()) {
            return text.substring(0, open + 1) + nl + indent + member + nl + closeIndent + text.substring(close);
        }
        // Only comments inside: keep them, after the new member.
        return text.substring(0, open + 1) + nl + indent + member + inside + text.substring(close);
    }

    private static void verify(String result, ObjectNode expected) {
        ObjectNode actual;
        try {
            actual = treeOf(result);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("editing the config file produced invalid JSON (not written): "
                    + e.getMessage(), e);
        }
        if (!actual.equals(expected)) {
            throw new IllegalStateException("editing the config file did not produce the intended content"
                    + " (not written)");
        }
    }

    private static ObjectNode treeOf(String text) {
        try {
            JsonNode node = LENIENT.readTree(text);
            if (!(node instanceof ObjectNode object)) {
                throw new IllegalArgumentException("the config file's top level is not a JSON object");
            }
            return object;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the config file is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** The section the loader reads, created ({@code mcpServers} for servers) when absent. */
    private static ObjectNode sectionNode(ObjectNode root, Section where) {
        String key = where.key(root.has("mcpServers"), root.has("servers"));
        JsonNode section = root.get(key);
        if (section instanceof ObjectNode object) {
            return object;
        }
        if (section != null) {
            throw new IllegalArgumentException("\"" + key + "\" in the config file is not an object");
        }
        return root.putObject(key);
    }

    private static String quote(String key) {
        return Json.write(com.fasterxml.jackson.databind.node.TextNode.valueOf(key));
    }

    private static String indentOrDefault(String text, int offset, String fallback) {
        int lineStart = text.lastIndexOf('\n', offset - 1) + 1;
        String before = text.substring(lineStart, offset);
        return before.isBlank() ? before : fallback;
    }

    /** Pretty JSON: one member per line, arrays of plain values on one line; lines after the first indented. */
    static String render(JsonNode node, String indent, String unit, String nl) {
        if (node instanceof ObjectNode object) {
            if (object.isEmpty()) {
                return "{}";
            }
            StringBuilder out = new StringBuilder("{");
            String inner = indent + unit;
            boolean first = true;
            for (Map.Entry<String, JsonNode> field : object.properties()) {
                out.append(first ? "" : ",").append(nl).append(inner).append(quote(field.getKey())).append(": ")
                        .append(render(field.getValue(), inner, unit, nl));
                first = false;
            }
            return out.append(nl).append(indent).append('}').toString();
        }
        if (node instanceof ArrayNode array) {
            boolean flat = true;
            for (JsonNode item : array) {
                flat &= item.isValueNode();
            }
            if (array.isEmpty() || flat) {
                List<String> items = new ArrayList<>();
                array.forEach(item -> items.add(Json.write(item)));
                return "[" + String.join(", ", items) + "]";
            }
            StringBuilder out = new StringBuilder("[");
            String inner = indent + unit;
            for (int i = 0; i < array.size(); i++) {
                out.append(i == 0 ? "" : ",").append(nl).append(inner).append(render(array.get(i), inner, unit, nl));
            }
            return out.append(nl).append(indent).append(']').toString();
        }
        return Json.write(node);
    }

    /** The first offset at or after {@code from} that is not whitespace or a comment. */
    static int skipInsignificant(String text, int from) {
        int i = from;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (text.startsWith("//", i)) {
                int end = text.indexOf('\n', i);
                i = end < 0 ? text.length() : end + 1;
            } else if (text.startsWith("/*", i)) {
                int end = text.indexOf("*/", i + 2);
                i = end < 0 ? text.length() : end + 2;
            } else {
                return i;
            }
        }
        return i;
    }

    /** Where a member's key and value are in the text (char offsets; {@code valueEnd} exclusive). */
    private record Member(String key, int keyStart, int valueStart, int valueEnd) {
    }

    /** Offsets of the top-level members and of the section's entries, from one pass of a streaming parser. */
    private static final class Layout {
        int topOpen;
        int topClose;
        final List<Member> members = new ArrayList<>();
        Member section;
        int sectionClose;
        final List<Member> entries = new ArrayList<>();

        static Layout of(String text, Section where) {
            treeOf(text); // the whole file must parse, duplicates included, before we touch it
            Layout layout = new Layout();
            try (JsonParser parser = LENIENT.createParser(text)) {
                if (parser.nextToken() != JsonToken.START_OBJECT) {
                    throw new IllegalArgumentException("the config file's top level is not a JSON object");
                }
                layout.topOpen = offset(parser);
                boolean hasMcpServers = false;
                boolean hasServers = false;
                List<Member> top = new ArrayList<>();
                List<List<Member>> inner = new ArrayList<>();
                List<Integer> innerClose = new ArrayList<>();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String key = parser.currentName();
                    int keyStart = offset(parser);
                    JsonToken value = parser.nextToken();
                    int valueStart = offset(parser);
                    List<Member> children = new ArrayList<>();
                    int close = -1;
                    if (value == JsonToken.START_OBJECT && (key.equals("mcpServers") || key.equals("servers")
                            || key.equals("profiles"))) {
                        while (parser.nextToken() == JsonToken.FIELD_NAME) {
                            String name = parser.currentName();
                            int nameStart = offset(parser);
                            parser.nextToken();
                            int entryStart = offset(parser);
                            children.add(new Member(name, nameStart, entryStart, valueEnd(parser)));
                        }
                        close = offset(parser);
                    }
                    top.add(new Member(key, keyStart, valueStart, valueEnd(parser)));
                    inner.add(children);
                    innerClose.add(close);
                    hasMcpServers |= key.equals("mcpServers");
                    hasServers |= key.equals("servers");
                }
                layout.topClose = offset(parser);
                layout.members.addAll(top);
                String sectionKey = where.key(hasMcpServers, hasServers);
                for (int i = 0; i < top.size(); i++) {
                    if (top.get(i).key.equals(sectionKey)) {
                        if (innerClose.get(i) < 0) {
                            throw new IllegalArgumentException("\"" + sectionKey + "\" in the config file is not an object");
                        }
                        layout.section = top.get(i);
                        layout.sectionClose = innerClose.get(i);
                        layout.entries.addAll(inner.get(i));
                    }
                }
            } catch (IOException e) {
                throw new IllegalArgumentException("the config file is not valid JSON: " + e.getMessage(), e);
            }
            return layout;
        }

        Member entry(String name) {
            return entries.stream().filter(member -> member.key.equals(name)).findFirst().orElse(null);
        }

        String sectionIndent(String text) {
            return indentOrDefault(text, section.keyStart, "  ");
        }

        /** The file's indentation step: how far its first member is indented (two spaces when unclear). */
        String indentUnit(String text) {
            if (members.isEmpty()) {
                return "  ";
            }
            String first = indentOrDefault(text, members.getFirst().keyStart, "  ");
            return first.isEmpty() ? "  " : first;
        }

        private static int offset(JsonParser parser) {
            return (int) parser.currentTokenLocation().getCharOffset();
        }

        /** The offset just past the current value (skipping a container's children). */
        private static int valueEnd(JsonParser parser) throws IOException {
            JsonToken token = parser.currentToken();
            if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
                parser.skipChildren();
                return offset(parser) + 1;
            }
            if (token == JsonToken.END_OBJECT || token == JsonToken.END_ARRAY) {
                return offset(parser) + 1;
            }
            parser.finishToken();
            return (int) parser.currentLocation().getCharOffset();
        }
    }
}
