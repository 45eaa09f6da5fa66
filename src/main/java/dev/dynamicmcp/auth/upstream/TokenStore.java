package dev.dynamicmcp.auth.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.DirectDecrypter;
import com.nimbusds.jose.crypto.DirectEncrypter;
import dev.dynamicmcp.auth.upstream.StoredCredential.Binding;
import dev.dynamicmcp.protocol.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

/**
 * Upstream OAuth credentials at rest, one file per (server, resource, principal) under
 * {@code <dataDir>/oauth-tokens/}, each a compact JWE (direct AES-256-GCM, nimbus): nothing readable on disk,
 * and a file edited, truncated or moved to another binding fails to decrypt or is refused.
 *
 * <p>The key (32 bytes, base64) comes from the environment variable {@value #KEY_ENV} or, failing that, from
 * the key file (by default {@code <dataDir>/oauth-token.key}, mode 600). With neither, {@link #open} fails
 * naming both; the proxy never makes up a key by itself, since a key stored beside the tokens it protects
 * protects nothing against someone who copies the directory. {@link #generateKey()} makes one for the operator.
 *
 * <p>Files are written to a temporary file and moved into place, so a crash never leaves half a file and no
 * lock is needed: the last writer of one binding wins.
 */
public final class TokenStore {
    public static final String KEY_ENV = "DYNAMIC_MCP_PROXY_TOKEN_KEY";
    public static final String KEY_FILE = "oauth-token.key";
    static final String DIRECTORY = "oauth-tokens";

    /** The store cannot be opened or a file cannot be read with this key; the message says what to do. */
    public static final class TokenStoreException extends IOException {
        public TokenStoreException(String message) {
            super(message);
        }

        public TokenStoreException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Path directory;
    private final String keySource;
    private final DirectEncrypter encrypter;
    private final DirectDecrypter decrypter;

    private TokenStore(Path directory, byte[] key, String keySource) throws JOSEException {
        this.directory = directory;
        this.keySource = keySource;
        this.encrypter = new DirectEncrypter(key);
        this.decrypter = new DirectDecrypter(key);
    }

    /**
     * Opens (creating the directory) the store in {@code dataDir}.
     *
     * @param env     the environment to read {@value #KEY_ENV} from ({@code System.getenv()} in production)
     * @param keyFile the key file, or {@code null} for {@code <dataDir>/oauth-token.key}
     */
    public static TokenStore open(Path dataDir, Map<String, String> env, Path keyFile) throws TokenStoreException {
        Path file = keyFile != null ? keyFile : dataDir.resolve(KEY_FILE);
        String encoded = env.get(KEY_ENV);
        String source = "the environment variable " + KEY_ENV;
        if (encoded == null || encoded.isBlank()) {
            source = "the key file " + file;
            try {
                encoded = Files.readString(file, StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                throw new TokenStoreException("no key for the upstream OAuth token store: set " + KEY_ENV
                        + " or create the key file " + file + " (32 random bytes in base64, e.g. "
                        + "`head -c 32 /dev/urandom | base64 > " + file + " && chmod 600 " + file + "`)");
            } catch (IOException e) {
                throw new TokenStoreException("cannot read the token store key file " + file + ": " + e.getMessage(), e);
            }
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(encoded.strip().replace('-', '+').replace('_', '/'));
        } catch (IllegalArgumentException e) {
            throw new TokenStoreException("the token store key in " + source + " is not base64");
        }
        if (key.length != 32) {
            throw new TokenStoreException("the token store key in " + source + " is " + key.length
                    + " bytes; it must be 32 (AES-256)");
        }
        Path directory = dataDir.resolve(DIRECTORY);
        try {
            Files.createDirectories(directory);
            restrict(directory, "rwx------");
            return new TokenStore(directory, key, source);
        } catch (IOException e) {
            throw new TokenStoreException("cannot create the token store directory " + directory + ": " + e.getMessage(), e);
        } catch (JOSEException e) {
            throw new TokenStoreException("the token store key is unusable: " + e.getMessage(), e);
        }
    }

    /** A new random key, base64, for {@value #KEY_ENV} or the key file. */
    public static String generateKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    /** The credential of this binding, if one was saved; a file of another binding is refused. */
    public Optional<StoredCredential> load(Binding binding) throws TokenStoreException {
        Path file = fileOf(binding);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new TokenStoreException("cannot read " + file + ": " + e.getMessage(), e);
        }
        ObjectNode content;
        try {
            JWEObject jwe = JWEObject.parse(text.strip());
            jwe.decrypt(decrypter);
            content = (ObjectNode) Json.parse(jwe.getPayload().toString());
        } catch (ParseException | JOSEException | RuntimeException e) {
            throw new TokenStoreException("cannot decrypt " + file + ": it was written with another key than the one in "
                    + keySource + ", or it was changed; restore that key, or delete the file and sign in again");
        }
        StoredCredential credential = fromJson(content);
        if (!credential.binding().equals(binding)) {
            throw new TokenStoreException(file + " holds the credential of " + credential.binding().server()
                    + " for " + credential.binding().resource() + ", not of " + binding.server() + " for "
                    + binding.resource() + "; refusing to use it");
        }
        return Optional.of(credential);
    }

    public void save(StoredCredential credential) throws TokenStoreException {
        Path file = fileOf(credential.binding());
        JWEHeader header = new JWEHeader.Builder(JWEAlgorithm.DIR, EncryptionMethod.A256GCM)
                .contentType("application/json").build();
        JWEObject jwe = new JWEObject(header, new Payload(Json.write(toJson(credential))));
        Path temp = null;
        try {
            jwe.encrypt(encrypter);
            temp = Files.createTempFile(directory, ".token-", ".tmp");
            restrict(temp, "rw-------");
            Files.writeString(temp, jwe.serialize(), StandardCharsets.UTF_8);
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (JOSEException e) {
            throw new TokenStoreException("cannot encrypt the credential of " + credential.binding().server(), e);
        } catch (IOException e) {
            throw new TokenStoreException("cannot write " + file + ": " + e.getMessage(), e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // moved already, or unreadable: nothing left to protect in it
                }
            }
        }
    }

    public void delete(Binding binding) throws TokenStoreException {
        try {
            Files.deleteIfExists(fileOf(binding));
        } catch (IOException e) {
            throw new TokenStoreException("cannot delete " + fileOf(binding) + ": " + e.getMessage(), e);
        }
    }

    /** The file of a binding: a hash, so server names and subjects never become paths. */
    Path fileOf(Binding binding) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] digest = sha.digest((binding.server() + "\n" + binding.resource() + "\n" + binding.principal())
                    .getBytes(StandardCharsets.UTF_8));
            return directory.resolve(HexFormat.of().formatHex(digest, 0, 16) + ".jwe");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    private static ObjectNode toJson(StoredCredential c) {
        ObjectNode node = Json.object();
        node.put("server", c.binding().server());
        node.put("resource", c.binding().resource());
        node.put("principal", c.binding().principal());
        node.put("issuer", c.issuer());
        node.put("clientId", c.clientId());
        node.put("clientSecret", c.clientSecret());
        node.put("accessToken", c.accessToken());
        node.put("refreshToken", c.refreshToken());
        node.put("expiresAt", c.expiresAt() == null ? null : c.expiresAt().toString());
        node.put("scope", c.scope());
        return node;
    }

    private static StoredCredential fromJson(ObjectNode n) {
        return new StoredCredential(new Binding(text(n, "server"), text(n, "resource"), text(n, "principal")),
                text(n, "issuer"), text(n, "clientId"), text(n, "clientSecret"), text(n, "accessToken"),
                text(n, "refreshToken"), n.hasNonNull("expiresAt") ? Instant.parse(n.get("expiresAt").asText()) : null,
                text(n, "scope"));
    }

    private static String text(ObjectNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static void restrict(Path path, String permissions) throws IOException {
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(permissions));
        } catch (UnsupportedOperationException notPosix) {
            // Windows: the directory's ACL is the operator's to set
        }
    }

    @Override
    public String toString() {
        return "TokenStore[" + directory + ", key from " + keySource + "]";
    }
}
