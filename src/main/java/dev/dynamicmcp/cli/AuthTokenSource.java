package dev.dynamicmcp.cli;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Picks the proxy's bearer token. A token on the command line is visible to every user in {@code ps}, so it
 * can also come from a file or the environment. First found wins: {@code --auth-token} or
 * {@code --auth-token-file} (only one of them), then {@value #ENV_VAR}, then {@code proxy.authToken} of the
 * config. An empty token from any source is an error, never "no authentication": it most likely means an
 * empty file or variable, and failing open would serve everyone.
 */
final class AuthTokenSource {
    static final String ENV_VAR = "DYNAMIC_MCP_PROXY_TOKEN";

    private AuthTokenSource() {
    }

    /**
     * @return the token, or null when no source sets one
     * @throws UsageException when both flags are given, the file cannot be read or a token is empty
     */
    static String resolve(String flag, Path file, Map<String, String> env, String fromConfig) {
        if (flag != null && file != null) {
            throw new UsageException("give --auth-token or --auth-token-file, not both");
        }
        if (flag != null) {
            return nonEmpty(flag, "--auth-token is empty; leave it out to run without authentication");
        }
        if (file != null) {
            return nonEmpty(read(file), "--auth-token-file " + file + " is empty (it must hold the token)");
        }
        String fromEnv = env.get(ENV_VAR);
        if (fromEnv != null) {
            return nonEmpty(fromEnv.strip(), ENV_VAR + " is set but empty; unset it to run without authentication");
        }
        return fromConfig;
    }

    /** The file's text without trailing line breaks (editors and {@code echo} add one). */
    private static String read(Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            String text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
            return text.replaceAll("[\r\n]+$", "");
        } catch (NoSuchFileException e) {
            throw new UsageException("cannot read --auth-token-file " + file.toAbsolutePath() + ": no such file");
        } catch (AccessDeniedException e) {
            throw new UsageException("cannot read --auth-token-file " + file.toAbsolutePath() + ": permission denied");
        } catch (CharacterCodingException e) {
            throw new UsageException("cannot read --auth-token-file " + file.toAbsolutePath() + ": not UTF-8 text");
        } catch (IOException e) {
            throw new UsageException("cannot read --auth-token-file " + file.toAbsolutePath() + ": "
                    + (Files.isDirectory(file) ? "it is a directory" : e.getMessage()));
        }
    }

    private static String nonEmpty(String token, String problem) {
        if (token.isEmpty()) {
            throw new UsageException(problem);
        }
        return token;
    }
}
