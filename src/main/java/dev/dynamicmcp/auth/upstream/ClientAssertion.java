package dev.dynamicmcp.auth.upstream;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;

/**
 * {@code private_key_jwt} client authentication (RFC 7523 §2.2, the MCP client-credentials extension): a short
 * JWT, signed with the client's own key, that says "I am {@code client_id}" to one authorization server. ES256
 * for a P-256 key, RS256 for an RSA key; the key is a PKCS#8 PEM ({@code -----BEGIN PRIVATE KEY-----}).
 */
final class ClientAssertion {
    static final String TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    /** Long enough for clock skew, short enough that a captured assertion is soon useless. */
    private static final Duration LIFETIME = Duration.ofSeconds(60);

    private final JWSSigner signer;
    private final JWSAlgorithm algorithm;

    private ClientAssertion(JWSSigner signer, JWSAlgorithm algorithm) {
        this.signer = signer;
        this.algorithm = algorithm;
    }

    /** @throws IllegalArgumentException when the text is not a PKCS#8 P-256 or RSA private key (says which) */
    static ClientAssertion parse(String pem) {
        String body = pem.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "").replaceAll("\\s", "");
        if (pem.contains("BEGIN EC PRIVATE KEY") || pem.contains("BEGIN RSA PRIVATE KEY")) {
            throw new IllegalArgumentException("is a PKCS#1/SEC1 key; convert it to PKCS#8 (openssl pkcs8 -topk8 -nocrypt)");
        }
        byte[] der;
        try {
            der = Base64.getDecoder().decode(body);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("is not a PEM private key (-----BEGIN PRIVATE KEY-----)");
        }
        for (String kind : new String[] {"EC", "RSA"}) {
            PrivateKey key;
            try {
                key = KeyFactory.getInstance(kind).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException notThisKind) {
                continue;
            }
            try {
                if (key instanceof ECPrivateKey ec) {
                    if (ec.getParams().getCurve().getField().getFieldSize() != 256) {
                        throw new IllegalArgumentException("is an EC key on another curve than P-256 (ES256 only)");
                    }
                    return new ClientAssertion(new ECDSASigner(ec), JWSAlgorithm.ES256);
                }
                return new ClientAssertion(new RSASSASigner(key), JWSAlgorithm.RS256);
            } catch (JOSEException e) {
                throw new IllegalArgumentException("cannot sign with this key: " + e.getMessage());
            }
        }
        throw new IllegalArgumentException("is not a PKCS#8 EC (P-256) or RSA private key");
    }

    /** A fresh assertion: {@code iss} = {@code sub} = the client, {@code aud} = the authorization server's issuer. */
    String sign(String clientId, String audience, Instant now, String jti) {
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(clientId).subject(clientId).audience(audience)
                .jwtID(jti).issueTime(Date.from(now)).expirationTime(Date.from(now.plus(LIFETIME))).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(algorithm).type(JOSEObjectType.JWT).build(), claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("signing the client assertion failed: " + e.getMessage(), e);
        }
        return jwt.serialize();
    }

    @Override
    public String toString() {
        return "ClientAssertion[" + algorithm + ", key ***]";
    }
}
