package dev.dynamicmcp.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.dynamicmcp.protocol.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a Claude-Desktop-style config file ({@code mcpServers}, plus our {@code proxy} section) into a
 * validated {@link ProxyConfig}. Either every server is valid and the whole config is returned, or a
 * {@link ConfigException} lists every problem found; there is no half-valid result. Warnings (unknown keys,
 * no servers) are logged. The file format is described in {@code docs/config.md}.
 */
public final class ConfigLoader {
    private static final Logger log = LoggerFactory.getLogger(ConfigLoader.class);

    /**
     * Strict about duplicate keys (a silently dropped duplicate server is a nasty surprise) and trailing
     * garbage; lenient about comments and trailing commas, which VS Code's JSONC files contain.
     */
    private static final JsonMapper MAPPER = ((JsonMapper) Json.MAPPER).rebuild()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(JsonReadFeature.ALLOW_JAVA_COMMENTS, JsonReadFeature.ALLOW_TRAILING_COMMA)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final Pattern START_MARKER =
            Pattern.compile("\\(start marker at \\[Source: .*?; line: (\\d+), column: (\\d+)\\]\\)");
    private static final Pattern DUPLICATE = Pattern.compile("Duplicate (?:field|Object property) '(.*)'");

    private ConfigLoader() {
    }

    /** Loads {@code file}, expanding variables from the process environment. */
    public static ProxyConfig load(Path file) {
        return load(file, System.getenv());
    }

    /** Loads {@code file}, expanding variables from {@code env}; relative paths start at the file's folder. */
    public static ProxyConfig load(Path file, Map<String, String> env) {
        return orThrow(read(file, env), file.toString());
    }

    /**
     * Parses config text.
     *
     * @param baseDir where relative {@code cwd} paths start (normally the config file's folder)
     */
    public static ProxyConfig parse(String json, Map<String, String> env, Path baseDir) {
        return orThrow(parse(json, env, baseDir, "text"), "text");
    }

    /**
     * Validates one {@code profiles} entry against a running config, exactly as the loader validates it in the
     * file (same messages), for the admin API's {@code PUT /admin/profiles/{name}}: the servers it names must
     * be in {@code current}, and its token must differ from {@code proxy.authToken} and from the other
     * profiles' tokens (the profile of the same name is the one being replaced, so its token does not count).
     *
     * @param env where {@code ${VAR}} in the token comes from
     * @throws ConfigException with every problem, keys as in the file ({@code profiles.NAME.servers...})
     */
    public static Profile readProfile(String name, JsonNode entry, ProxyConfig current, Map<String, String> env) {
        ReadContext ctx = new ReadContext(env, Path.of("").toAbsolutePath());
        Map<String, String> tokenOwners = new java.util.LinkedHashMap<>();
        current.profiles().values().stream().filter(p -> p.token() != null && !p.name().equals(name))
                .forEach(p -> tokenOwners.put(p.token(), p.name()));
        Profile profile = ProfileReader.read(name, entry, List.copyOf(current.servers().keySet()), current.proxy(),
                tokenOwners, ctx).orElse(null);
        String source = "profile \"" + name + "\"";
        ctx.warnings.forEach(warning -> log.warn("config {}: {}", source, warning));
        if (!ctx.problems.isEmpty()) {
            throw new ConfigException(source, ctx.problems);
        }
        return profile;
    }

    /**
     * The config's JSON tree as written (variables not expanded), read with the loader's own leniency (comments,
     * trailing commas) and strictness (duplicate keys): what the admin API shows and edits. A ConfigException
     * with the syntax problem when it is not a JSON object.
     */
    public static com.fasterxml.jackson.databind.node.ObjectNode tree(byte[] content) {
        String text = new String(content, StandardCharsets.UTF_8);
        text = text.startsWith("\uFEFF") ? text.substring(1) : text;
        try {
            if (MAPPER.readTree(text) instanceof com.fasterxml.jackson.databind.node.ObjectNode root) {
                return root;
            }
        } catch (JsonProcessingException e) {
            throw new ConfigException("file", List.of(syntaxProblem(e)));
        }
        throw new ConfigException("file", List.of(new ConfigProblem(null, null,
                "the top level must be a JSON object ({ \"mcpServers\": { ... } })")));
    }

    /**
     * Reads a tree exactly as the file loader reads the file's (same checks, same messages): the config, or a
     * ConfigException with every problem. The admin API validates an entry this way, inside the file's tree.
     */
    public static ProxyConfig read(JsonNode root, Map<String, String> env, Path baseDir) {
        return orThrow(ConfigReader.read(root, env, baseDir == null ? Path.of("").toAbsolutePath() : baseDir),
                "entry");
    }

    /** Reads and parses a file without throwing or logging: for callers that decide what to report. */
    static ConfigReader.Outcome read(Path file, Map<String, String> env) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return failed("config file " + file.toAbsolutePath() + " does not exist");
        } catch (AccessDeniedException e) {
            return failed("config file " + file.toAbsolutePath() + " cannot be read: permission denied");
        } catch (IOException e) {
            return failed("config file " + file.toAbsolutePath() + " cannot be read: "
                    + (Files.isDirectory(file) ? "it is a directory" : e.toString()));
        }
        return parse(bytes, env, baseDirOf(file));
    }

    static ConfigReader.Outcome parse(byte[] bytes, Map<String, String> env, Path baseDir) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return failed("the file is not UTF-8 text");
        }
        return parse(text, env, baseDir, "file");
    }

    private static ConfigReader.Outcome parse(String json, Map<String, String> env, Path baseDir, String what) {
        String text = json.startsWith("\uFEFF") ? json.substring(1) : json;
        if (text.isBlank()) {
            return failed("the " + what + " is empty; it needs at least { \"mcpServers\": {} }");
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            return failed(syntaxProblem(e));
        }
        return ConfigReader.read(root, env, baseDir == null ? Path.of("").toAbsolutePath() : baseDir);
    }

    private static ConfigProblem syntaxProblem(JsonProcessingException e) {
        JsonLocation location = e.getLocation();
        String where = location == null ? ""
                : " at line " + location.getLineNr() + ", column " + location.getColumnNr();
        Matcher duplicate = DUPLICATE.matcher(e.getOriginalMessage());
        if (duplicate.find()) {
            String key = duplicate.group(1);
            String path = pathOf(e);
            String server = path.equals("mcpServers") || path.equals("servers") ? key : null;
            return new ConfigProblem(server, path.isEmpty() ? key : path + "." + key,
                    "duplicate key \"" + key + "\"" + where + " (JSON keys must be unique)");
        }
        String message = START_MARKER.matcher(e.getOriginalMessage().lines().findFirst().orElse(""))
                .replaceAll("(opened at line $1, column $2)");
        return new ConfigProblem(null, null, "not valid JSON" + where + ": " + message);
    }

    /** The dotted path of the object a duplicate key was found in, e.g. {@code mcpServers}. */
    private static String pathOf(JsonProcessingException e) {
        if (e.getProcessor() instanceof JsonParser parser && parser.getParsingContext() != null) {
            String pointer = parser.getParsingContext().getParent() == null ? ""
                    : parser.getParsingContext().getParent().pathAsPointer().toString();
            return pointer.isEmpty() ? "" : pointer.substring(1).replace("/", ".").replace("~1", "/")
                    .replace("~0", "~");
        }
        return "";
    }

    private static ConfigReader.Outcome failed(String message) {
        return failed(new ConfigProblem(null, null, message));
    }

    private static ConfigReader.Outcome failed(ConfigProblem problem) {
        return new ConfigReader.Outcome(null, List.of(problem), List.of());
    }

    private static Path baseDirOf(Path file) {
        Path parent = file.toAbsolutePath().getParent();
        return parent == null ? Path.of("").toAbsolutePath() : parent;
    }

    private static ProxyConfig orThrow(ConfigReader.Outcome outcome, String source) {
        outcome.warnings().forEach(warning -> log.warn("config {}: {}", source, warning));
        if (!outcome.problems().isEmpty()) {
            throw new ConfigException(source, outcome.problems());
        }
        return outcome.config();
    }
}
