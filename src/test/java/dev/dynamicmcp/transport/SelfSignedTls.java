package dev.dynamicmcp.transport;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A self-signed key pair made at test time by the running JDK's {@code keytool} (no key is ever committed),
 * for HTTPS stubs: the server's {@link SSLContext}, and a trust store holding just its certificate.
 */
final class SelfSignedTls {
    private static final String ALIAS = "upstream";
    private static final String PASSWORD = "test-only-password";

    private final KeyStore keys;
    private final Path trustStore;

    private SelfSignedTls(KeyStore keys, Path trustStore) {
        this.keys = keys;
        this.trustStore = trustStore;
    }

    /**
     * @param dir where the key and trust stores go (a test's temporary directory)
     * @param san the certificate's subject alternative names, in keytool's syntax ("ip:127.0.0.1")
     */
    static SelfSignedTls generate(Path dir, String name, String san) throws Exception {
        Path keyFile = dir.resolve(name + "-key.p12");
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process process = new ProcessBuilder(List.of(keytool.toString(), "-genkeypair", "-alias", ALIAS,
                "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name, "-ext", "SAN=" + san,
                "-validity", "2", "-storetype", "PKCS12", "-keystore", keyFile.toString(),
                "-storepass", PASSWORD, "-keypass", PASSWORD)).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("keytool failed: " + output);
        }
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyFile)) {
            keys.load(in, PASSWORD.toCharArray());
        }
        Certificate certificate = keys.getCertificate(ALIAS);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry(ALIAS, certificate);
        Path trustFile = dir.resolve(name + "-trust.p12");
        try (OutputStream out = Files.newOutputStream(trustFile)) {
            trust.store(out, PASSWORD.toCharArray());
        }
        return new SelfSignedTls(keys, trustFile);
    }

    /** For an HTTPS stub serving this certificate. */
    SSLContext serverContext() throws Exception {
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(keys, PASSWORD.toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(factory.getKeyManagers(), null, null);
        return context;
    }

    /**
     * Makes something (an HTTP client) while the JVM's standard trust store option, {@code
     * -Djavax.net.ssl.trustStore}, names this certificate's trust store: how an operator makes the proxy trust
     * a private CA. The properties are put back at once; a client keeps the trust it was started with.
     */
    <T> T trusting(Supplier<T> make) {
        String[] names = {"javax.net.ssl.trustStore", "javax.net.ssl.trustStorePassword", "javax.net.ssl.trustStoreType"};
        String[] values = {trustStore.toString(), PASSWORD, "PKCS12"};
        String[] before = new String[names.length];
        for (int i = 0; i < names.length; i++) {
            before[i] = System.setProperty(names[i], values[i]);
        }
        try {
            return make.get();
        } finally {
            for (int i = 0; i < names.length; i++) {
                if (before[i] == null) {
                    System.clearProperty(names[i]);
                } else {
                    System.setProperty(names[i], before[i]);
                }
            }
        }
    }
}
