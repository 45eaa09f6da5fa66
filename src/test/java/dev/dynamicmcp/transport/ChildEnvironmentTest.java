package dev.dynamicmcp.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 9, item 11: a stdio server no longer inherits the proxy's whole environment (the proxy's own token
 * included). The proxy's environment is injected, so no test mutates the JVM's.
 */
class ChildEnvironmentTest {
    private static final String PATH = System.getenv("PATH");
    /** What the proxy's process holds: the usual variables and two secrets. */
    private static final Map<String, String> PROXY_ENV = Map.of("PATH", PATH, "HOME", "/home/proxy-user",
            "USER", "proxy-user", "DYNAMIC_MCP_PROXY_TOKEN", "proxy-secret", "AWS_SECRET_ACCESS_KEY", "cloud-secret");

    private final List<StdioTransport> opened = new ArrayList<>();
    private final RecordingListener listener = new RecordingListener();

    @AfterEach
    void closeAll() {
        opened.forEach(StdioTransport::close);
    }

    /** Starts {@code sh} that reports the names in its environment, and a few values, as one JSON line. */
    private ObjectNode childSees(ChildEnvironment env) throws IOException {
        StdioTransport transport = new StdioTransport("envy", "sh", List.of("-c",
                "printf '{\"jsonrpc\":\"2.0\",\"method\":\"env\",\"params\":{\"names\":\"%s\",\"token\":\"%s\","
                        + "\"home\":\"%s\",\"path\":\"%s\",\"greeting\":\"%s\"}}\\n'"
                        + " \"$(env | sed -n 's/^\\([A-Za-z_][A-Za-z0-9_]*\\)=.*/\\1/p' | tr '\\n' ' ')\""
                        + " \"${DYNAMIC_MCP_PROXY_TOKEN-unset}\" \"$HOME\" \"$PATH\" \"${GREETING-unset}\"; cat"),
                env, null, StdioTransport.DEFAULT_CLOSE_GRACE);
        opened.add(transport);
        transport.start(listener);
        await().atMost(Duration.ofSeconds(10)).until(() -> listener.messages.size() == 1);
        return (ObjectNode) listener.messages.get(0).path("params");
    }

    private static Set<String> names(ObjectNode seen) {
        return new TreeSet<>(Arrays.asList(seen.path("names").asText().trim().split(" +")));
    }

    @Test
    void aChildSeesOnlyTheDefaultVariablesAndItsOwnEnvNotTheProxysToken() throws IOException {
        ObjectNode seen = childSees(ChildEnvironment.defaults(Map.of("GREETING", "hello"))
                .withParent(PROXY_ENV, false));

        assertThat(seen.path("token").asText()).isEqualTo("unset");
        assertThat(seen.path("home").asText()).isEqualTo("/home/proxy-user");
        assertThat(seen.path("path").asText()).isEqualTo(PATH);
        assertThat(seen.path("greeting").asText()).isEqualTo("hello");
        // the shell itself adds PWD (and some shells SHLVL, _); nothing else of the proxy's arrives
        assertThat(names(seen)).doesNotContain("DYNAMIC_MCP_PROXY_TOKEN", "AWS_SECRET_ACCESS_KEY")
                .contains("PATH", "HOME", "USER", "GREETING");
        assertThat(names(seen)).allMatch(name -> Set.of("PATH", "HOME", "USER", "GREETING", "PWD", "SHLVL", "_",
                "OLDPWD").contains(name));
    }

    @Test
    void withInheritEnvTheChildSeesTheWholeEnvironment() throws IOException {
        ObjectNode seen = childSees(ChildEnvironment.of(Map.of("GREETING", "hello"), true)
                .withParent(PROXY_ENV, false));

        assertThat(seen.path("token").asText()).isEqualTo("proxy-secret");
        assertThat(names(seen)).contains("AWS_SECRET_ACCESS_KEY", "DYNAMIC_MCP_PROXY_TOKEN", "GREETING", "PATH");
    }

    @Test
    void theRealEnvironmentGivesPathAndHomeButNotOtherVariables() throws IOException {
        ObjectNode seen = childSees(ChildEnvironment.defaults(Map.of()));

        assertThat(seen.path("path").asText()).isEqualTo(PATH);
        assertThat(seen.path("home").asText()).isEqualTo(System.getenv().getOrDefault("HOME", ""));
        Set<String> leaked = new TreeSet<>(System.getenv().keySet());
        leaked.removeAll(ChildEnvironment.DEFAULT_INHERITED_POSIX);
        leaked.removeAll(Set.of("PWD", "SHLVL", "_", "OLDPWD"));
        assertThat(names(seen)).doesNotContainAnyElementsOf(leaked);
    }

    @Test
    void theServersEnvWinsAndShellFunctionsAreNotInherited() {
        Map<String, String> env = ChildEnvironment.defaults(Map.of("HOME", "/srv/mcp"))
                .withParent(Map.of("HOME", "/home/proxy-user", "PATH", "/bin", "TERM", "() { :; }; echo pwned"),
                        false).resolve();

        assertThat(env).isEqualTo(Map.of("HOME", "/srv/mcp", "PATH", "/bin"));
    }

    @Test
    void onWindowsTheWindowsVariablesAreKeptWhateverTheirCase() {
        Map<String, String> env = ChildEnvironment.defaults(Map.of())
                .withParent(Map.of("Path", "C:\\Windows", "SystemRoot", "C:\\Windows", "USERPROFILE", "C:\\Users\\me",
                        "HOME", "/not/on/windows", "GITHUB_TOKEN", "secret"), true).resolve();

        assertThat(env).isEqualTo(Map.of("Path", "C:\\Windows", "SystemRoot", "C:\\Windows",
                "USERPROFILE", "C:\\Users\\me"));
    }
}
