package dev.dynamicmcp.cli;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * The jar's entry point. It is compiled for Java 8 (see pom.xml) so that an old JVM can load it and say
 * plainly that the proxy needs a newer one, instead of failing with an {@code UnsupportedClassVersionError}
 * at {@link Main}; on a new enough JVM it hands over to {@link Main} at once. It must use nothing newer than
 * Java 8 and must not refer to {@link Main} other than by name.
 */
public final class Launcher {
    static final int MINIMUM_JAVA = 21;
    private static final String MAIN = "dev.dynamicmcp.cli.Main";

    private Launcher() {
    }

    public static void main(String[] args) throws Throwable {
        String problem = problem(System.getProperty("java.specification.version"), System.getProperty("java.home"));
        if (problem != null) {
            System.err.println(problem);
            System.exit(1);
        }
        Method main = Class.forName(MAIN).getMethod("main", String[].class);
        try {
            main.invoke(null, (Object) args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /**
     * @param specVersion {@code java.specification.version}: "1.8" up to Java 8, then "9", "17", "21", ...
     * @return what to tell the user when this Java is too old, or null when it is new enough (or unknown:
     *         an odd version string is no reason to refuse to try)
     */
    static String problem(String specVersion, String javaHome) {
        int feature = feature(specVersion);
        if (feature < 0 || feature >= MINIMUM_JAVA) {
            return null;
        }
        return "Dynamic MCP Proxy needs Java " + MINIMUM_JAVA + " or newer; this is Java " + feature + " at "
                + javaHome + ". Install Java " + MINIMUM_JAVA + " or newer (e.g. Temurin 21 or 25) and run the"
                + " jar with its java, or use the dynamic-mcp-proxy script, which looks for one.";
    }

    /** The feature release of a specification version ("1.8" is 8), or -1 when it is not a version. */
    static int feature(String specVersion) {
        if (specVersion == null) {
            return -1;
        }
        String version = specVersion.startsWith("1.") ? specVersion.substring(2) : specVersion;
        int end = 0;
        while (end < version.length() && Character.isDigit(version.charAt(end))) {
            end++;
        }
        if (end == 0 || end > 4) {
            return -1;
        }
        return Integer.parseInt(version.substring(0, end));
    }
}
