package dev.dynamicmcp.auth.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.SignedJWT;
import dev.dynamicmcp.protocol.Json;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** private_key_jwt: what the assertion says and who can verify it; what a wrong key in the config gets. */
class ClientAssertionTest {
    private static final Instant NOW = Instant.parse("2026-07-28T12:00:00Z");

    static String pem(KeyPair pair) {
        return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(pair.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
    }

    @Test
    void anEcKeySignsAnEs256AssertionForTheIssuer() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair pair = generator.generateKeyPair();
        SignedJWT jwt = SignedJWT.parse(ClientAssertion.parse(pem(pair)).sign("m2m", "https://as.example.com", NOW, "j1"));
        assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
        assertThat(jwt.verify(new ECDSAVerifier((ECPublicKey) pair.getPublic()))).isTrue();
        assertThat(jwt.getJWTClaimsSet().getIssuer()).isEqualTo("m2m");
        assertThat(jwt.getJWTClaimsSet().getSubject()).isEqualTo("m2m");
        assertThat(jwt.getJWTClaimsSet().getAudience()).containsExactly("https://as.example.com");
        assertThat(jwt.getJWTClaimsSet().getJWTID()).isEqualTo("j1");
        assertThat(jwt.getJWTClaimsSet().getExpirationTime().toInstant()).isEqualTo(NOW.plusSeconds(60));
    }

    @Test
    void anRsaKeySignsRs256() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair pair = generator.generateKeyPair();
        SignedJWT jwt = SignedJWT.parse(ClientAssertion.parse(pem(pair)).sign("c", "https://as", NOW, "j"));
        assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.RS256);
        assertThat(jwt.verify(new RSASSAVerifier((RSAPublicKey) pair.getPublic()))).isTrue();
    }

    @Test
    void theConfigSaysWhatIsWrongWithTheKeyWithoutShowingIt() {
        String key = "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----";
        ObjectNode oauth = Json.object().put("clientId", "m2m").put("clientPrivateKey", key)
                .put("clientCredentials", true);
        var parsed = UpstreamOAuthSettings.fromJson(oauth, "gh", "mcpServers.gh.oauth");
        assertThat(parsed.problems()).singleElement().satisfies(p -> {
            assertThat(p.toString()).contains("key \"oauth.clientPrivateKey\"")
                    .contains("not a PKCS#8 EC (P-256) or RSA private key").doesNotContain("bm90IGEga2V5");
        });
        ObjectNode both = Json.object().put("clientId", "m2m").put("clientSecret", "s").put("clientPrivateKey", key);
        assertThat(UpstreamOAuthSettings.fromJson(both, "gh", "p").problems().stream().map(Object::toString).toList())
                .anyMatch(p -> p.contains("cannot be combined with clientSecret"));
        assertThatThrownBy(() -> ClientAssertion.parse("-----BEGIN EC PRIVATE KEY-----\nAA==\n-----END EC PRIVATE KEY-----"))
                .hasMessageContaining("PKCS#8");
    }

    @Test
    void aValidKeyMakesAPrivateKeyJwtClientAndIsMaskedInToString() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        String key = pem(generator.generateKeyPair());
        UpstreamOAuthSettings settings = UpstreamOAuthSettings.fromJson(Json.object().put("clientId", "m2m")
                .put("clientPrivateKey", key).put("clientCredentials", true), "gh", "p").settings();
        assertThat(settings.toString()).contains("clientPrivateKey=***").doesNotContain(key.substring(30, 60));
        String body = key.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        assertThat(settings.toString()).doesNotContain(body.substring(0, 20));
    }
}
