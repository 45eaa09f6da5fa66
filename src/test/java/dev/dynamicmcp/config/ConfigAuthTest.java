package dev.dynamicmcp.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dynamicmcp.auth.upstream.UpstreamOAuthSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code proxy.auth}, {@code proxy.dataDir} and a server's {@code oauth} (issue 11). */
class ConfigAuthTest {
    private static final Path DIR = Path.of("/etc/mcp");

    private static ConfigReader.Outcome read(String json, Map<String, String> env) {
        return ConfigLoader.parse(json.getBytes(), env, DIR);
    }

    @Test
    void proxyAuthAndDataDirAreRead() {
        ProxyConfig config = read("""
                {"proxy": {"dataDir": "state", "auth": {"issuer": "https://idp.example.com",
                  "audience": "https://proxy.example.com/mcp/", "requiredScopes": ["mcp"], "clockSkewSeconds": 30}},
                 "mcpServers": {}}""", Map.of()).config();

        assertThat(config.proxy().auth().issuer().toString()).isEqualTo("https://idp.example.com");
        assertThat(config.proxy().auth().audience()).isEqualTo("https://proxy.example.com/mcp");
        assertThat(config.proxy().auth().requiredScopes()).containsExactly("mcp");
        assertThat(config.proxy().auth().clockSkew()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.proxy().dataDir()).isEqualTo(DIR.resolve("state"));
        assertThat(ConfigLoader.parse("{\"mcpServers\": {}}", Map.of(), DIR).proxy().auth()).isNull();
    }

    @Test
    void authProblemsCarryTheirKeyPathsAndNearMissesOfTheNewKeysAreErrors() {
        ConfigReader.Outcome outcome = read("""
                {"proxy": {"auth": {"issuer": "ftp://idp", "requiredScopes": ["two words"]}, "dataDri": "x"},
                 "mcpServers": {"gh": {"url": "https://mcp.example.com/mcp", "oatuh": {}},
                                "s": {"url": "https://s.example.com/mcp", "oauth": {"clientSecret": "x", "colour": 1}}}}""",
                Map.of());

        assertThat(outcome.config()).isNull();
        assertThat(outcome.problems()).extracting(ConfigProblem::key).contains("proxy.auth.issuer",
                "proxy.auth.audience", "proxy.dataDri", "mcpServers.gh.oatuh", "mcpServers.s.oauth.colour",
                "mcpServers.s.oauth.clientSecret");
        assertThat(outcome.problems()).filteredOn(p -> "mcpServers.gh.oatuh".equals(p.key())).singleElement()
                .satisfies(p -> assertThat(p.message()).contains("did you mean \"oauth\""));
        assertThat(outcome.problems()).filteredOn(p -> "proxy.dataDri".equals(p.key())).singleElement()
                .satisfies(p -> assertThat(p.message()).contains("did you mean \"dataDir\""));
        assertThat(outcome.problems()).filteredOn(p -> p.key().startsWith("mcpServers.s."))
                .allSatisfy(p -> assertThat(p.server()).isEqualTo("s"));
    }

    @Test
    void aServersOauthIsReadWithVariablesExpandedAndNeverPrinted() {
        ProxyConfig config = read("""
                {"mcpServers": {"gh": {"url": "https://mcp.example.com/mcp", "headers": {"X-Key": "${KEY}"},
                  "oauth": {"clientId": "proxy", "clientSecret": "${GH_SECRET}", "scopes": ["repo"],
                            "clientCredentials": true}},
                  "open": {"url": "https://open.example.com/mcp", "oauth": {}}}}""",
                Map.of("GH_SECRET", "s3cr3t-value", "KEY", "header-s3cr3t")).config();

        ServerConfig gh = config.servers().get("gh");
        assertThat(gh.oauth()).isEqualTo(new UpstreamOAuthSettings("proxy", "s3cr3t-value", List.of("repo"), true,
                false, null));
        assertThat(config.servers().get("open").oauth()).isEqualTo(UpstreamOAuthSettings.defaults());
        assertThat(gh.toString()).doesNotContain("s3cr3t-value").doesNotContain("header-s3cr3t").contains("X-Key");
        assertThat(gh.withOptions(ServerOptions.DEFAULTS).oauth()).isEqualTo(gh.oauth());
    }

    @Test
    void aMissingVariableInOauthIsAProblemAtItsKeyAndOauthOnAStdioServerIsIgnoredWithAWarning() {
        ConfigReader.Outcome missing = read("""
                {"mcpServers": {"gh": {"url": "https://mcp.example.com/mcp",
                  "oauth": {"clientId": "proxy", "clientSecret": "${NOT_SET}"}}}}""", Map.of());
        assertThat(missing.problems()).extracting(ConfigProblem::key).containsExactly("mcpServers.gh.oauth.clientSecret");

        ConfigReader.Outcome stdio = read("{\"mcpServers\": {\"local\": {\"command\": \"x\", \"oauth\": {}}}}", Map.of());
        assertThat(stdio.config().servers().get("local").oauth()).isNull();
        assertThat(stdio.warnings()).containsExactly("server \"local\", key \"oauth\": only used by url servers, ignored");
    }

    @Test
    void theStaticTokenIsNotPrintedWithTheSettings() {
        ProxySettings settings = ConfigLoader.parse("{\"proxy\": {\"authToken\": \"tok-123456\"}, \"mcpServers\": {}}",
                Map.of(), DIR).proxy();
        assertThat(settings.toString()).doesNotContain("tok-123456").contains("authToken=***");
    }
}
