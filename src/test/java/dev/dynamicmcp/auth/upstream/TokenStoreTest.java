package dev.dynamicmcp.auth.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dynamicmcp.auth.upstream.StoredCredential.Binding;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenStoreTest {
    @TempDir
    Path dir;

    static final Binding BINDING = new Binding("github", "https://api.example/mcp", "shared");
    static final StoredCredential CREDENTIAL = new StoredCredential(BINDING, "https://idp.example", "client-1",
            "dcr-secret-123", "access-token-abc", "refresh-token-xyz", Instant.parse("2026-01-01T00:10:00Z"), "mcp");

    @Test
    void roundTripsAndNothingIsReadableOnDisk() throws Exception {
        TokenStore store = TokenStore.open(dir, Map.of(TokenStore.KEY_ENV, TokenStore.generateKey()), null);
        store.save(CREDENTIAL);
        assertThat(store.load(BINDING)).contains(CREDENTIAL);
        String onDisk = Files.readString(store.fileOf(BINDING));
        assertThat(onDisk).doesNotContain("access-token-abc").doesNotContain("refresh-token-xyz")
                .doesNotContain("dcr-secret-123").doesNotContain("github");
        assertThat(store.load(new Binding("github", "https://api.example/mcp", "alice"))).isEmpty();
        store.delete(BINDING);
        assertThat(store.load(BINDING)).isEmpty();
    }

    @Test
    void keyFromTheKeyFileWhenTheVariableIsUnset() throws Exception {
        Path keyFile = dir.resolve("my.key");
        Files.writeString(keyFile, TokenStore.generateKey() + "\n");
        TokenStore store = TokenStore.open(dir, Map.of(), keyFile);
        store.save(CREDENTIAL);
        assertThat(TokenStore.open(dir, Map.of(), keyFile).load(BINDING)).contains(CREDENTIAL);
    }

    @Test
    void missingKeyNamesBothPlaces() {
        assertThatThrownBy(() -> TokenStore.open(dir, Map.of(), null))
                .isInstanceOf(TokenStore.TokenStoreException.class)
                .hasMessageContaining(TokenStore.KEY_ENV)
                .hasMessageContaining(dir.resolve(TokenStore.KEY_FILE).toString());
    }

    @Test
    void badKeysAreClearErrors() {
        assertThatThrownBy(() -> TokenStore.open(dir, Map.of(TokenStore.KEY_ENV, "c2hvcnQ="), null))
                .hasMessageContaining("5 bytes").hasMessageContaining("32");
        assertThatThrownBy(() -> TokenStore.open(dir, Map.of(TokenStore.KEY_ENV, "not base64 !!"), null))
                .hasMessageContaining("not base64");
    }

    @Test
    void wrongKeyIsAClearErrorNotGarbage() throws Exception {
        TokenStore.open(dir, Map.of(TokenStore.KEY_ENV, TokenStore.generateKey()), null).save(CREDENTIAL);
        TokenStore other = TokenStore.open(dir, Map.of(TokenStore.KEY_ENV, TokenStore.generateKey()), null);
        assertThatThrownBy(() -> other.load(BINDING))
                .isInstanceOf(TokenStore.TokenStoreException.class)
                .hasMessageContaining("another key")
                .hasMessageContaining(TokenStore.KEY_ENV);
    }

    @Test
    void aFileMovedToAnotherBindingIsRefused() throws Exception {
        TokenStore store = TokenStore.open(dir, Map.of(TokenStore.KEY_ENV, TokenStore.generateKey()), null);
        store.save(CREDENTIAL);
        Binding evil = new Binding("evil", "https://evil.example/mcp", "shared");
        Files.copy(store.fileOf(BINDING), store.fileOf(evil));
        assertThatThrownBy(() -> store.load(evil)).hasMessageContaining("refusing");
    }

    @Test
    void aChangedFileFailsToDecrypt() throws Exception {
        TokenStore store = TokenStore.open(dir, Map.of(TokenStore.KEY_ENV, TokenStore.generateKey()), null);
        store.save(CREDENTIAL);
        Path file = store.fileOf(BINDING);
        String text = Files.readString(file);
        char last = text.charAt(text.length() - 3);
        Files.writeString(file, text.substring(0, text.length() - 3) + (last == 'A' ? 'B' : 'A') + text.substring(text.length() - 2));
        assertThatThrownBy(() -> store.load(BINDING)).hasMessageContaining("changed");
    }

    @Test
    void secretsNeverInToString() {
        assertThat(CREDENTIAL.toString()).doesNotContain("access-token-abc").doesNotContain("refresh-token-xyz")
                .doesNotContain("dcr-secret-123").contains("***");
        UpstreamOAuthSettings settings = new UpstreamOAuthSettings("id", "the-secret", java.util.List.of(), true, false, null);
        assertThat(settings.toString()).doesNotContain("the-secret");
    }
}
