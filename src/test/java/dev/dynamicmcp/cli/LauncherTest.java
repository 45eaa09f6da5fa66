package dev.dynamicmcp.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Issue 9, item 13: {@code java -jar} on an old JDK says which Java is needed instead of a raw class error. */
class LauncherTest {

    @Test
    void anOldJavaIsNamedWithTheVersionNeeded() {
        assertThat(Launcher.problem("17", "/usr/lib/jvm/java-17")).startsWith(
                "Dynamic MCP Proxy needs Java 21 or newer; this is Java 17 at /usr/lib/jvm/java-17.");
        assertThat(Launcher.problem("1.8", "/opt/jre8")).contains("this is Java 8 at /opt/jre8");
        assertThat(Launcher.problem("21", "/x")).isNull();
        assertThat(Launcher.problem("25", "/x")).isNull();
        assertThat(Launcher.problem("no-version", "/x")).as("an odd version is tried, not refused").isNull();
    }

    @Test
    void theLauncherIsCompiledForJava8SoAnyJavaCanLoadIt() throws IOException {
        try (InputStream in = Launcher.class.getResourceAsStream("Launcher.class");
             DataInputStream data = new DataInputStream(in)) {
            assertThat(data.readInt()).isEqualTo(0xCAFEBABE);
            data.readUnsignedShort(); // minor
            assertThat(data.readUnsignedShort()).as("class file major version (52 = Java 8)").isEqualTo(52);
        }
    }

    @Test
    void onJava17TheLauncherExplainsAndExitsWithOne() throws Exception {
        Optional<Path> java17 = jdk(17);
        assumeTrue(java17.isPresent(), "no JDK 17 in /usr/lib/jvm: the old-Java message is not run end to end");

        Run run = java(java17.get(), classes(), "--version");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("Dynamic MCP Proxy needs Java 21 or newer; this is Java 17 at")
                .doesNotContain("UnsupportedClassVersionError");
    }

    @Test
    void onANewJavaTheLauncherHandsOverToMain() throws Exception {
        Path home = Path.of(System.getProperty("java.home"));

        Run run = java(home, System.getProperty("java.class.path"), "--version");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).startsWith("Dynamic MCP Proxy ");
    }

    record Run(int exitCode, String out, String err) {
    }

    private static Run java(Path home, String classPath, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(home.resolve("bin/java").toString(), "-cp", classPath,
                Launcher.class.getName()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).start();
        process.getOutputStream().close();
        byte[] out = process.getInputStream().readAllBytes();
        byte[] err = process.getErrorStream().readAllBytes();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(process.exitValue(), new String(out, StandardCharsets.UTF_8),
                new String(err, StandardCharsets.UTF_8));
    }

    /** Only the launcher's own folder: a Java 17 must not need to load anything else to explain. */
    private static String classes() throws Exception {
        return Path.of(Launcher.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    private static Optional<Path> jdk(int feature) throws IOException {
        Path root = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        try (Stream<Path> homes = Files.list(root)) {
            return homes.filter(home -> Files.isExecutable(home.resolve("bin/java")))
                    .filter(home -> {
                        try {
                            return Files.readAllLines(home.resolve("release")).stream()
                                    .anyMatch(line -> line.startsWith("JAVA_VERSION=\"" + feature + "."));
                        } catch (IOException noReleaseFile) {
                            return false;
                        }
                    }).findFirst();
        }
    }
}
