package dev.dynamicmcp.auth;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.EncryptedJWT;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.dynamicmcp.runtime.Failures;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Validates JWT access tokens for this proxy as a resource server (OAuth 2.1 §5.2, RFC 9068, RFC 8707):
 * asymmetric signature by a key of the issuer's JWKS, exact {@code iss}, an {@code aud} naming this resource,
 * {@code exp}/{@code nbf}/{@code iat} within a small skew of the injected clock, and the required scopes.
 *
 * <p>The issuer's metadata is discovered on first use (RFC 8414, then OpenID discovery), then the key set is
 * fetched and cached by nimbus's {@link JWKSourceBuilder}, which fetches again when a token names an unknown
 * {@code kid} (key rotation), at most once per {@code refreshMinInterval}, so a flood of made-up kids cannot
 * turn into a flood of requests to the identity provider.
 *
 * <p>Opaque (non-JWT) access tokens are not supported: the authorization server must issue JWT access tokens
 * for this resource. Encrypted (JWE) tokens and unsigned ({@code alg: none}) tokens are refused, and so is
 * every symmetric algorithm (HS256 with the public key as the secret is the classic confusion attack).
 */
public final class TokenVerifier {
    private static final Logger LOG = LoggerFactory.getLogger(TokenVerifier.class);
    private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384,
            JWSAlgorithm.RS512, JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256,
            JWSAlgorithm.ES384, JWSAlgorithm.ES512, JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519);
    private static final Duration JWKS_CACHE = Duration.ofMinutes(15);

    private final AuthSettings settings;
    private final OAuthHttp http;
    private final Clock clock;
    private final Duration refreshMinInterval;
    private final AtomicReference<DefaultJWTProcessor<SecurityContext>> processor = new AtomicReference<>();

    /**
     * @param clock              the time tokens are judged at (the Scheduler's clock in production)
     * @param refreshMinInterval the least time between two key-set fetches caused by unknown kids
     */
    public TokenVerifier(AuthSettings settings, OAuthHttp http, Clock clock, Duration refreshMinInterval) {
        this.settings = settings;
        this.http = http;
        this.clock = clock;
        this.refreshMinInterval = refreshMinInterval;
    }

    public TokenVerifier(AuthSettings settings, OAuthHttp http, Clock clock) {
        this(settings, http, clock, Duration.ofSeconds(30));
    }

    public AuthSettings settings() {
        return settings;
    }

    /** Checks a token against the configured audience and required scopes. */
    public Verification verify(String token) {
        return verify(token, Set.of(settings.audience()), settings.requiredScopes());
    }

    /**
     * Checks a token.
     *
     * @param audiences the resource URIs any one of which {@code aud} must name (canonical form)
     * @param needed    the scopes this request needs, all of them
     */
    public Verification verify(String token, Collection<String> audiences, Collection<String> needed) {
        JWT jwt;
        try {
            jwt = JWTParser.parse(token);
        } catch (ParseException e) {
            return new Verification.Invalid("the token is malformed: not a JWT (opaque access tokens are not "
                    + "supported; the authorization server must issue JWT access tokens for this resource)");
        }
        if (jwt instanceof PlainJWT) {
            return new Verification.Invalid("the token is unsigned (alg none)");
        }
        if (jwt instanceof EncryptedJWT) {
            return new Verification.Invalid("encrypted (JWE) access tokens are not supported");
        }
        SignedJWT signed = (SignedJWT) jwt;
        JWSHeader header = signed.getHeader();
        if (!ALGORITHMS.contains(header.getAlgorithm())) {
            return new Verification.Invalid("the token is signed with " + header.getAlgorithm()
                    + ", which is not accepted (asymmetric signatures only)");
        }
        DefaultJWTProcessor<SecurityContext> jwtProcessor;
        try {
            jwtProcessor = processor();
        } catch (IOException e) {
            LOG.warn("cannot verify tokens: {}", e.getMessage());
            return new Verification.Unavailable("the authorization server's metadata is unavailable: " + e.getMessage());
        }
        JWTClaimsSet claims;
        try {
            claims = jwtProcessor.process(signed, null);
        } catch (BadJOSEException e) {
            String kid = header.getKeyID();
            return new Verification.Invalid(e.getMessage() != null && e.getMessage().contains("no matching key")
                    ? "the token is signed with an unknown key (kid " + kid + ")"
                    : "the token is rejected: " + e.getMessage());
        } catch (KeySourceException e) {
            return new Verification.Unavailable("the issuer's keys are unavailable: " + Failures.describe(e));
        } catch (com.nimbusds.jose.JOSEException e) {
            return new Verification.Invalid("the token's signature cannot be checked: " + e.getMessage());
        }
        return checkClaims(claims, audiences, needed);
    }

    private Verification checkClaims(JWTClaimsSet claims, Collection<String> audiences, Collection<String> needed) {
        String issuer = settings.issuer().toString();
        if (!issuer.equals(claims.getIssuer())) {
            return new Verification.Invalid("the token was issued by \"" + claims.getIssuer()
                    + "\", not by \"" + issuer + "\"");
        }
        List<String> aud = claims.getAudience();
        boolean forUs = aud.stream().map(TokenVerifier::canonicalOrSelf).anyMatch(audiences::contains);
        if (!forUs) {
            return new Verification.Invalid("the token is for " + aud + ", not for this resource ("
                    + String.join(" or ", audiences) + ")");
        }
        Instant now = clock.instant();
        Duration skew = settings.clockSkew();
        Date exp = claims.getExpirationTime();
        if (exp == null) {
            return new Verification.Invalid("the token has no expiry (exp)");
        }
        if (!now.isBefore(exp.toInstant().plus(skew))) {
            return new Verification.Invalid("the token expired at " + exp.toInstant());
        }
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && now.plus(skew).isBefore(nbf.toInstant())) {
            return new Verification.Invalid("the token is not valid before " + nbf.toInstant());
        }
        Date iat = claims.getIssueTime();
        if (iat != null && now.plus(skew).isBefore(iat.toInstant())) {
            return new Verification.Invalid("the token is issued in the future (" + iat.toInstant() + ")");
        }
        String subject = claims.getSubject();
        if (subject == null || subject.isBlank()) {
            return new Verification.Invalid("the token has no subject (sub)");
        }
        Set<String> scopes = scopes(claims);
        Principal principal = new Principal(subject, claims.getIssuer(), scopes, claims.toJSONObject());
        Set<String> missing = new LinkedHashSet<>(needed);
        missing.removeAll(scopes);
        if (!missing.isEmpty()) {
            return new Verification.InsufficientScope(principal, List.copyOf(new LinkedHashSet<>(needed)));
        }
        return new Verification.Valid(principal);
    }

    private static String canonicalOrSelf(String aud) {
        try {
            return ResourceUris.canonical(aud);
        } catch (IllegalArgumentException e) {
            return aud;
        }
    }

    /** {@code scope} (space-separated, RFC 9068) or {@code scp} (a list, some providers). */
    static Set<String> scopes(JWTClaimsSet claims) {
        Set<String> out = new LinkedHashSet<>();
        Object scope = claims.getClaim("scope");
        Object scp = claims.getClaim("scp");
        for (Object value : new Object[] {scope, scp}) {
            if (value instanceof String text && !text.isBlank()) {
                out.addAll(List.of(text.trim().split("\\s+")));
            } else if (value instanceof Collection<?> list) {
                list.forEach(v -> out.add(String.valueOf(v)));
            }
        }
        return out;
    }

    /** The signature checker, built on first use (racing callers may both discover; one result wins). */
    private DefaultJWTProcessor<SecurityContext> processor() throws IOException {
        DefaultJWTProcessor<SecurityContext> current = processor.get();
        if (current != null) {
            return current;
        }
        URI jwksUri = settings.jwksUri();
        if (jwksUri == null) {
            AuthServerMetadata metadata = AuthServerMetadata.discover(settings.issuer().toString(), http);
            if (metadata.jwksUri() == null) {
                throw new IOException("the metadata of " + settings.issuer() + " has no jwks_uri");
            }
            jwksUri = metadata.jwksUri();
        }
        JWKSource<SecurityContext> keys;
        try {
            keys = JWKSourceBuilder.<SecurityContext>create(jwksUri.toURL())
                    .cache(JWKS_CACHE.toMillis(), Duration.ofSeconds(15).toMillis())
                    .rateLimited(refreshMinInterval.toMillis())
                    .retrying(true)
                    .build();
        } catch (MalformedURLException e) {
            throw new IOException("jwks_uri " + jwksUri + " is not a URL", e);
        }
        DefaultJWTProcessor<SecurityContext> built = new DefaultJWTProcessor<>();
        built.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS, keys));
        // RFC 9068 says at+jwt; many providers still send JWT or nothing.
        built.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(new JOSEObjectType("at+jwt"),
                new JOSEObjectType("application/at+jwt"), JOSEObjectType.JWT, null));
        // Claims are checked by checkClaims against the injected clock, with reasons a caller can act on.
        built.setJWTClaimsSetVerifier((claims, context) -> { });
        processor.compareAndSet(null, built);
        LOG.info("verifying access tokens of {} with the keys at {}", settings.issuer(), jwksUri);
        return processor.get();
    }
}
