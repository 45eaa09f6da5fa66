package dev.dynamicmcp.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.dynamicmcp.protocol.Json;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Token faults against a real OpenID provider: each names what the verifier says of it. */
class TokenVerifierTest {
    static final String RESOURCE = "http://127.0.0.1:9/mcp";
    static OidcFixture idp;

    @BeforeAll
    static void start() {
        idp = OidcFixture.start();
    }

    @AfterAll
    static void stop() {
        if (idp != null) {
            idp.close();
        }
    }

    static AuthSettings settings(String issuer, List<String> required) {
        ObjectNode node = Json.object();
        node.put("issuer", issuer);
        node.put("audience", RESOURCE);
        node.set("requiredScopes", Json.MAPPER.valueToTree(required));
        return AuthSettings.fromJson(node).settings();
    }

    static TokenVerifier verifier(Clock clock) {
        return new TokenVerifier(settings(idp.issuer(), List.of("mcp")), OAuthHttp.withDefaultClient(), clock);
    }

    static TokenVerifier verifier() {
        return verifier(Clock.systemUTC());
    }

    private static String reason(Verification verification) {
        assertThat(verification).isInstanceOf(Verification.Invalid.class);
        return ((Verification.Invalid) verification).reason();
    }

    /** Claims a real token of the provider would have, for tokens the test has signed by other means. */
    private static JWTClaimsSet.Builder goodClaims() {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder().issuer(idp.issuer()).audience(RESOURCE).subject("mallory")
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(600))).claim("scope", "mcp");
    }

    private static ObjectNode claimsJson(JWTClaimsSet claims) {
        return (ObjectNode) Json.MAPPER.valueToTree(claims.toJSONObject());
    }

    @Test
    void validTokenIsAllowedWithItsSubjectAndScopes() {
        String token = idp.clientCredentialsToken(RESOURCE, "mcp files:read");
        Verification verification = verifier().verify(token);
        assertThat(verification).isInstanceOf(Verification.Valid.class);
        Principal principal = ((Verification.Valid) verification).principal();
        assertThat(principal.subject()).isEqualTo("m2m");
        assertThat(principal.issuer()).isEqualTo(idp.issuer());
        assertThat(principal.scopes()).containsExactlyInAnyOrder("mcp", "files:read");
        assertThat(principal.claims()).containsEntry("client_id", "m2m");
    }

    @Test
    void expiredTokenIsInvalid() {
        String token = idp.clientCredentialsToken(RESOURCE, "mcp");
        Clock later = Clock.fixed(Instant.now().plus(Duration.ofHours(2)), ZoneOffset.UTC);
        assertThat(reason(verifier(later).verify(token))).contains("expired");
    }

    @Test
    void expiryWithinTheSkewIsStillAccepted() {
        String token = idp.clientCredentialsToken(RESOURCE, "mcp"); // lives 600 s; skew is 60 s
        Clock justAfter = Clock.fixed(Instant.now().plusSeconds(630), ZoneOffset.UTC);
        assertThat(verifier(justAfter).verify(token)).isInstanceOf(Verification.Valid.class);
    }

    @Test
    void tokenNotYetValidIsInvalid() {
        Instant future = Instant.now().plus(Duration.ofHours(1));
        String token = idp.sign(claimsJson(goodClaims().notBeforeTime(Date.from(future))
                .expirationTime(Date.from(future.plusSeconds(600))).build()));
        assertThat(reason(verifier().verify(token))).contains("not valid before");
    }

    @Test
    void tokenIssuedInTheFutureIsInvalid() {
        String token = idp.clientCredentialsToken(RESOURCE, "mcp");
        Clock earlier = Clock.fixed(Instant.now().minus(Duration.ofHours(1)), ZoneOffset.UTC);
        assertThat(reason(verifier(earlier).verify(token))).contains("issued in the future");
    }

    @Test
    void tokenForAnotherAudienceIsInvalid() {
        String token = idp.clientCredentialsToken("https://other.example/mcp", "mcp");
        assertThat(reason(verifier().verify(token))).contains("not for this resource").contains("https://other.example/mcp");
    }

    @Test
    void tokenFromAnotherIssuerIsInvalid() {
        String token = idp.sign(claimsJson(goodClaims().issuer("https://evil.example").build()));
        assertThat(reason(verifier().verify(token))).contains("issued by \"https://evil.example\"");
    }

    @Test
    void tokenSignedWithAnUnknownKeyIsInvalid() throws Exception {
        RSAKey attacker = new RSAKeyGenerator(2048).keyID("attacker-key").generate();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("attacker-key").build(),
                goodClaims().build());
        jwt.sign(new RSASSASigner(attacker));
        assertThat(reason(verifier().verify(jwt.serialize()))).contains("unknown key").contains("attacker-key");
    }

    @Test
    void tokenSignedWithTheProvidersKidButAnotherKeyIsInvalid() throws Exception {
        String kid = idp.jwks().path("keys").get(0).path("kid").asText();
        RSAKey attacker = new RSAKeyGenerator(2048).keyID(kid).generate();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(kid).build(), goodClaims().build());
        jwt.sign(new RSASSASigner(attacker));
        assertThat(reason(verifier().verify(jwt.serialize()))).contains("rejected");
    }

    @Test
    void tokenSignedWithARotatedKeyIsAcceptedAfterTheKeySetIsFetchedAgain() {
        TokenVerifier verifier = verifier();
        String before = idp.clientCredentialsToken(RESOURCE, "mcp");
        assertThat(verifier.verify(before)).isInstanceOf(Verification.Valid.class); // keys now cached
        String newKid = idp.rotateKeys();
        String after = idp.clientCredentialsToken(RESOURCE, "mcp");
        assertThat(SignedJWTs.kid(after)).isEqualTo(newKid);
        assertThat(verifier.verify(after)).isInstanceOf(Verification.Valid.class);
        assertThat(verifier.verify(before)).isInstanceOf(Verification.Valid.class); // old key still published
    }

    @Test
    void tokenMissingARequiredScopeIsInsufficientScope() {
        String token = idp.clientCredentialsToken(RESOURCE, "files:read");
        Verification verification = verifier().verify(token);
        assertThat(verification).isInstanceOf(Verification.InsufficientScope.class);
        assertThat(((Verification.InsufficientScope) verification).needed()).containsExactly("mcp");
    }

    @Test
    void malformedTokensAreInvalid() {
        assertThat(reason(verifier().verify("not-a-jwt"))).contains("malformed").contains("opaque");
        assertThat(reason(verifier().verify("a.b.c"))).contains("malformed");
        String good = idp.clientCredentialsToken(RESOURCE, "mcp");
        String[] parts = good.split("\\.");
        String tampered = parts[0] + "." + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                claimsJson(goodClaims().subject("admin").build()).toString().getBytes(StandardCharsets.UTF_8))
                + "." + parts[2];
        assertThat(reason(verifier().verify(tampered))).contains("rejected");
    }

    @Test
    void unsignedTokenIsInvalid() {
        String none = new PlainJWT(goodClaims().build()).serialize();
        assertThat(reason(verifier().verify(none))).contains("unsigned");
    }

    @Test
    void hs256WithThePublicKeyAsSecretIsInvalid() throws Exception {
        JWKSet keys = JWKSet.parse(idp.jwks().toString());
        RSAKey publicKey = (RSAKey) keys.getKeys().get(0);
        byte[] secret = publicKey.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8);
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(publicKey.getKeyID()).build(),
                goodClaims().build());
        jwt.sign(new MACSigner(secret));
        assertThat(reason(verifier().verify(jwt.serialize()))).contains("HS256").contains("not accepted");
        byte[] der = publicKey.toRSAPublicKey().getEncoded();
        SignedJWT withDer = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).build(), goodClaims().build());
        withDer.sign(new MACSigner(der));
        assertThat(reason(verifier().verify(withDer.serialize()))).contains("HS256");
    }

    @Test
    void unreachableIssuerIsUnavailableNotInvalid() {
        TokenVerifier dead = new TokenVerifier(settings("http://127.0.0.1:9", List.of("mcp")),
                OAuthHttp.withDefaultClient(), Clock.systemUTC());
        String token = idp.clientCredentialsToken(RESOURCE, "mcp");
        assertThat(dead.verify(token)).isInstanceOf(Verification.Unavailable.class);
    }

    @Test
    void discoveryRefusesMetadataNamingAnotherIssuer() {
        // The provider answers for its own issuer; asked for a different spelling of it, its document must not be used.
        String other = idp.issuer().replace("127.0.0.1", "localhost");
        TokenVerifier verifier = new TokenVerifier(settings(other, List.of("mcp")), OAuthHttp.withDefaultClient(),
                Clock.systemUTC());
        Verification verification = verifier.verify(idp.clientCredentialsToken(RESOURCE, "mcp"));
        assertThat(verification).isInstanceOf(Verification.Unavailable.class);
        assertThat(((Verification.Unavailable) verification).reason()).contains("refusing");
    }

    @Test
    void discoveryTriesTheSpecOrder() {
        assertThat(AuthServerMetadata.candidates("https://a.example/tenant1")).containsExactly(
                URI.create("https://a.example/.well-known/oauth-authorization-server/tenant1"),
                URI.create("https://a.example/.well-known/openid-configuration/tenant1"),
                URI.create("https://a.example/tenant1/.well-known/openid-configuration"));
        assertThat(AuthServerMetadata.candidates("https://a.example")).containsExactly(
                URI.create("https://a.example/.well-known/oauth-authorization-server"),
                URI.create("https://a.example/.well-known/openid-configuration"));
    }

    /** Tiny helpers over nimbus for assertions. */
    static final class SignedJWTs {
        static String kid(String token) {
            try {
                return SignedJWT.parse(token).getHeader().getKeyID();
            } catch (java.text.ParseException e) {
                throw new AssertionError(e);
            }
        }
    }
}
