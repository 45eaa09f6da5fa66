package dev.dynamicmcp.auth.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dynamicmcp.auth.Parsed;
import dev.dynamicmcp.config.ConfigProblem;
import dev.dynamicmcp.protocol.Json;
import org.junit.jupiter.api.Test;

class UpstreamOAuthSettingsTest {
    static Parsed<UpstreamOAuthSettings> read(String json) {
        return UpstreamOAuthSettings.fromJson((ObjectNode) Json.parse(json), "gh", "mcpServers.gh.oauth");
    }

    @Test
    void emptyObjectMeansDynamicRegistration() {
        UpstreamOAuthSettings s = read("{}").settings();
        assertThat(s.clientId()).isNull();
        assertThat(s.clientCredentials()).isFalse();
        assertThat(s.perUser()).isFalse();
    }

    @Test
    void everyProblemWithItsKeyPathAndNoSecretInMessages() {
        Parsed<UpstreamOAuthSettings> parsed = read("{\"clientSecret\":\"hunter2\",\"clientCredentials\":true,"
                + "\"perUser\":true,\"scopes\":[\"a b\"],\"clientMetadataUrl\":\"http://x.example/c.json\",\"clientID\":1}");
        assertThat(parsed.settings()).isNull();
        assertThat(parsed.problems()).extracting(ConfigProblem::key).containsExactlyInAnyOrder(
                "mcpServers.gh.oauth.clientID", "mcpServers.gh.oauth.scopes[0]", "mcpServers.gh.oauth.clientMetadataUrl",
                "mcpServers.gh.oauth.clientSecret", "mcpServers.gh.oauth.clientCredentials", "mcpServers.gh.oauth.perUser");
        assertThat(parsed.problems()).allMatch(p -> p.server().equals("gh"))
                .noneMatch(p -> p.message().contains("hunter2"));
        assertThat(parsed.problems().get(0).describe()).startsWith("server \"gh\", key \"oauth.");
    }

    @Test
    void fullSettings() {
        UpstreamOAuthSettings s = read("{\"clientId\":\"c\",\"clientSecret\":\"s\",\"scopes\":[\"repo\"],"
                + "\"clientCredentials\":true,\"clientMetadataUrl\":\"https://p.example/oauth/client.json\"}").settings();
        assertThat(s.scopes()).containsExactly("repo");
        assertThat(s.clientCredentials()).isTrue();
        assertThat(s.clientMetadataUrl().toString()).isEqualTo("https://p.example/oauth/client.json");
    }
}
