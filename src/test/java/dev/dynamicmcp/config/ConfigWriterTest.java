package dev.dynamicmcp.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.protocol.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigWriterTest {
    private static final String FILE = """
            {
              // the proxy's own settings
              "proxy": {"port": 8080, "authToken": "${TOKEN}"},
              "mcpServers": {
                "alpha": {
                  "command": "npx",   /* kept as written */
                  "args": ["-y", "@scope/alpha"]
                },
                // beta talks HTTP
                "beta": {"url": "http://localhost:9000/mcp"},
                "gamma": { "command": "gamma-server" }
              }
            }
            """;

    @TempDir
    Path dir;

    private static ObjectNode entry(String json) {
        return (ObjectNode) Json.parse(json);
    }

    @Test
    void replacingAnEntryChangesOnlyItsValueAndKeepsCommentsAndOtherEntriesByteForByte() {
        String result = ConfigWriter.put(FILE, "beta", entry("{\"url\": \"http://localhost:9001/mcp\", \"headers\": {\"X\": \"1\"}}"));

        assertThat(result).isEqualTo(FILE.replace("\"beta\": {\"url\": \"http://localhost:9000/mcp\"}", """
                "beta": {
                      "url": "http://localhost:9001/mcp",
                      "headers": {
                        "X": "1"
                      }
                    }"""));
        ProxyConfig config = ConfigLoader.parse(result, Map.of("TOKEN", "t"), dir);
        assertThat(config.servers()).containsOnlyKeys("alpha", "beta", "gamma");
        assertThat(config.servers().get("beta").url().toString()).isEqualTo("http://localhost:9001/mcp");
    }

    @Test
    void aNewEntryIsAddedAfterTheLastOneWithTheFilesIndentation() {
        String result = ConfigWriter.put(FILE, "delta", entry("{\"command\": \"delta\", \"args\": [\"--fast\"]}"));

        assertThat(result).isEqualTo(FILE.replace("\"gamma\": { \"command\": \"gamma-server\" }", """
                "gamma": { "command": "gamma-server" },
                    "delta": {
                      "command": "delta",
                      "args": ["--fast"]
                    }"""));
        assertThat(ConfigLoader.parse(result, Map.of("TOKEN", "t"), dir).servers())
                .containsOnlyKeys("alpha", "beta", "gamma", "delta");
    }

    @Test
    void removingTheFirstMiddleOrLastEntryLeavesValidJsonAndTheRestUntouched() {
        String withoutAlpha = ConfigWriter.remove(FILE, "alpha");
        assertThat(withoutAlpha).doesNotContain("alpha").doesNotContain("kept as written")
                .contains("// beta talks HTTP").contains("\"proxy\": {\"port\": 8080, \"authToken\": \"${TOKEN}\"}");
        assertThat(ConfigLoader.parse(withoutAlpha, Map.of("TOKEN", "t"), dir).servers()).containsOnlyKeys("beta", "gamma");

        String withoutBeta = ConfigWriter.remove(FILE, "beta");
        assertThat(withoutBeta).isEqualTo(FILE.replace("    \"beta\": {\"url\": \"http://localhost:9000/mcp\"},\n", ""));

        String withoutGamma = ConfigWriter.remove(FILE, "gamma");
        assertThat(withoutGamma).isEqualTo(FILE.replace(
                "\"beta\": {\"url\": \"http://localhost:9000/mcp\"},\n    \"gamma\": { \"command\": \"gamma-server\" }",
                "\"beta\": {\"url\": \"http://localhost:9000/mcp\"}"));

        String none = ConfigWriter.remove(ConfigWriter.remove(withoutGamma, "beta"), "alpha");
        assertThat(ConfigLoader.parse(none, Map.of("TOKEN", "t"), dir).servers()).isEmpty();
        assertThat(ConfigWriter.put(none, "again", entry("{\"command\": \"x\"}"))).contains("\"again\": {");
    }

    @Test
    void removingAnUnknownEntryChangesNothing() {
        assertThat(ConfigWriter.remove(FILE, "nope")).isSameAs(FILE);
    }

    @Test
    void theServersAliasIsKeptWhenTheFileUsesIt() {
        String file = "{\n  \"servers\": {\n    \"a\": {\"command\": \"a\"}\n  }\n}\n";
        String result = ConfigWriter.put(file, "b", entry("{\"command\": \"b\"}"));
        assertThat(result).doesNotContain("mcpServers")
                .isEqualTo("{\n  \"servers\": {\n    \"a\": {\"command\": \"a\"},\n    \"b\": {\n      \"command\": \"b\"\n    }\n  }\n}\n");
        assertThat(ConfigLoader.parse(result, Map.of(), dir).servers()).containsOnlyKeys("a", "b");
    }

    @Test
    void aFileWithoutServersGetsAnMcpServersSectionAndAnEmptyFileAWholeDocument() {
        String proxyOnly = "{\n  \"proxy\": {\"port\": 1}\n}\n";
        String result = ConfigWriter.put(proxyOnly, "a", entry("{\"command\": \"a\"}"));
        assertThat(result).startsWith("{\n  \"proxy\": {\"port\": 1},\n  \"mcpServers\": {\n    \"a\": {");
        assertThat(ConfigLoader.parse(result, Map.of(), dir).servers()).containsOnlyKeys("a");

        assertThat(ConfigLoader.parse(ConfigWriter.put("", "a", entry("{\"command\": \"a\"}")), Map.of(), dir)
                .servers()).containsOnlyKeys("a");
        String emptySection = ConfigWriter.put("{\"mcpServers\": {}}", "a", entry("{\"command\": \"a\"}"));
        assertThat(ConfigLoader.parse(emptySection, Map.of(), dir).servers()).containsOnlyKeys("a");
    }

    @Test
    void crlfLineEndingsAndAByteOrderMarkAreKept() {
        String file = "\uFEFF{\r\n  \"mcpServers\": {\r\n    \"a\": {\"command\": \"a\"}\r\n  }\r\n}\r\n";
        String result = ConfigWriter.put(file, "b", entry("{\"command\": \"b\"}"));
        assertThat(result).startsWith("\uFEFF{")
                .contains(",\r\n    \"b\": {\r\n      \"command\": \"b\"\r\n    }");
        assertThat(result.replace("\r\n", "")).doesNotContain("\n");
    }

    @Test
    void aBrokenFileIsNotTouched() {
        assertThatThrownBy(() -> ConfigWriter.put("{\"mcpServers\": {\"a\": {}, \"a\": {}}}", "b",
                entry("{\"command\": \"b\"}"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> ConfigWriter.put("{\"mcpServers\": [1]}", "b", entry("{\"command\": \"b\"}")))
                .hasMessageContaining("not an object");
    }

    @Test
    void writesAtomicallyKeepsPermissionsLeavesNoTempFileAndReturnsTheHashOfTheContent() throws Exception {
        Path file = dir.resolve("config.json");
        Files.writeString(file, FILE);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        ConfigWriter writer = new ConfigWriter(file);

        ConfigWriter.Written written = writer.put("delta", entry("{\"command\": \"delta\"}"));

        byte[] content = Files.readAllBytes(file);
        assertThat(written.changed()).isTrue();
        assertThat(written.sha256()).isEqualTo(ConfigWriter.sha256(content)).hasSize(64);
        assertThat(new String(content, StandardCharsets.UTF_8)).contains("\"delta\"").contains("// beta talks HTTP");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-r-----");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }

        ConfigWriter.Written again = writer.put("delta", entry("{\"command\": \"delta\"}"));
        assertThat(again.changed()).isFalse();
        assertThat(again.sha256()).isEqualTo(written.sha256());

        ConfigWriter.Written removed = writer.remove("delta");
        assertThat(removed.changed()).isTrue();
        assertThat(Files.readString(file)).isEqualTo(FILE);
        assertThat(writer.remove("delta").changed()).isFalse();
    }

    @Test
    void aSymbolicLinkStaysALinkAndItsTargetIsWritten() throws Exception {
        Path real = dir.resolve("real.json");
        Files.writeString(real, FILE);
        Path link = Files.createSymbolicLink(dir.resolve("link.json"), real);

        new ConfigWriter(link).remove("gamma");

        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(Files.readString(real)).doesNotContain("gamma");
    }

    @Test
    void aMissingFileIsCreated() throws Exception {
        Path file = dir.resolve("new.json");
        new ConfigWriter(file).put("a", entry("{\"command\": \"a\"}"));
        assertThat(ConfigLoader.load(file, Map.of()).servers()).containsOnlyKeys("a");
    }

    // ---- the profiles section

    @Test
    void aFirstProfileAddsAProfilesSectionAfterTheLastMemberAndTheRestStaysByteForByte() {
        String result = ConfigWriter.put(FILE, ConfigWriter.Section.PROFILES, "reviewer",
                entry("{\"servers\": {\"alpha\": {\"tools\": {\"allow\": [\"get_*\"]}}}}"));

        String head = FILE.substring(0, FILE.lastIndexOf("\n}"));
        assertThat(result).startsWith(head + ",\n  \"profiles\": {\n    \"reviewer\": {\n");
        assertThat(result).contains("\"allow\": [\"get_*\"]").endsWith("}\n");
        ObjectNode tree = ConfigLoader.tree(result.getBytes(StandardCharsets.UTF_8));
        assertThat(tree.path("profiles").path("reviewer").path("servers").path("alpha").path("tools").path("allow")
                .get(0).asText()).isEqualTo("get_*");
        assertThat(tree.path("mcpServers").properties()).extracting(Map.Entry::getKey)
                .containsExactly("alpha", "beta", "gamma");
    }

    @Test
    void aProfileIsReplacedAddedBesideOthersAndRemovedWithoutTouchingTheServersOrComments() {
        String file = FILE.substring(0, FILE.lastIndexOf("\n}")) + """
                ,
                  "profiles": {
                    // read-only agents
                    "reviewer": {"servers": {"alpha": {}}},
                    "ops": {"servers": {"beta": {}}, "token": "${OPS_TOKEN}"}
                  }
                }
                """;
        String replaced = ConfigWriter.put(file, ConfigWriter.Section.PROFILES, "reviewer",
                entry("{\"servers\": {\"gamma\": {}}}"));
        assertThat(replaced).contains("// read-only agents").contains("\"ops\": {\"servers\": {\"beta\": {}}, "
                + "\"token\": \"${OPS_TOKEN}\"}").startsWith(FILE.substring(0, FILE.lastIndexOf("\n}")));
        assertThat(ConfigLoader.tree(replaced.getBytes(StandardCharsets.UTF_8)).path("profiles").path("reviewer")
                .path("servers").has("gamma")).isTrue();

        String added = ConfigWriter.put(file, ConfigWriter.Section.PROFILES, "writer", entry("{\"servers\": {}}"));
        assertThat(ConfigLoader.tree(added.getBytes(StandardCharsets.UTF_8)).path("profiles").properties())
                .extracting(Map.Entry::getKey).containsExactly("reviewer", "ops", "writer");

        String removed = ConfigWriter.remove(file, ConfigWriter.Section.PROFILES, "ops");
        assertThat(removed).doesNotContain("ops").doesNotContain("OPS_TOKEN").contains("// read-only agents")
                .startsWith(FILE.substring(0, FILE.lastIndexOf("\n}")));
        assertThat(ConfigWriter.remove(removed, ConfigWriter.Section.PROFILES, "reviewer"))
                .contains("\"profiles\": {").doesNotContain("reviewer");
        assertThat(ConfigWriter.remove(FILE, ConfigWriter.Section.PROFILES, "alpha"))
                .as("a server of the same name is not a profile").isSameAs(FILE);
    }

    @Test
    void profileWritesGoThroughTheFileAtomicallyAndRemovingRestoresTheFile() throws Exception {
        Path file = dir.resolve("config.json");
        Files.writeString(file, FILE);
        ConfigWriter writer = new ConfigWriter(file);
        ConfigWriter.Written written = writer.putProfile("reviewer", entry("{\"servers\": {\"alpha\": {}}}"));
        assertThat(written.changed()).isTrue();
        assertThat(ConfigLoader.load(file, Map.of("TOKEN", "t")).profiles()).containsOnlyKeys("reviewer");
        writer.removeProfile("reviewer");
        assertThat(ConfigLoader.load(file, Map.of("TOKEN", "t")).profiles()).isEmpty();
        assertThat(writer.removeProfile("reviewer").changed()).isFalse();
    }
}
