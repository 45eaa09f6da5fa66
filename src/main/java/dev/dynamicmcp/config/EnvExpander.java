package dev.dynamicmcp.config;

import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Expands {@code ${VAR}}, {@code ${VAR:-default}} and {@code ${env:VAR}} (VS Code's spelling) in one string
 * value; {@code $${} stands for a literal {@code ${}. A lone {@code $} (as in {@code $HOME}) is kept as is.
 * Errors name the variable, never its value.
 */
final class EnvExpander {
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private EnvExpander() {
    }

    /**
     * @param strict when false (disabled servers), an unset variable or a malformed reference is left in the
     *               text as written instead of being reported
     * @return the expanded text; when {@code onError} was called the text is not meaningful
     */
    static String expand(String raw, Map<String, String> env, boolean strict, Consumer<String> onError) {
        if (raw.indexOf('$') < 0) {
            return raw;
        }
        StringBuilder out = new StringBuilder(raw.length());
        int i = 0;
        while (i < raw.length()) {
            char c = raw.charAt(i);
            if (c == '$' && raw.startsWith("$${", i)) {
                out.append("${");
                i += 3;
            } else if (c == '$' && raw.startsWith("${", i)) {
                int close = raw.indexOf('}', i + 2);
                if (close < 0) {
                    if (strict) {
                        onError.accept("has \"${\" without a closing \"}\" (write \"$${\" for a literal \"${\")");
                    }
                    out.append(raw, i, raw.length());
                    break;
                }
                String reference = raw.substring(i + 2, close);
                String value = resolve(reference, env, strict, onError);
                out.append(value == null ? raw.substring(i, close + 1) : value);
                i = close + 1;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    /** The value of one reference (the text between the braces), or null when it cannot be resolved. */
    private static String resolve(String reference, Map<String, String> env, boolean strict,
                                  Consumer<String> onError) {
        int dash = reference.indexOf(":-");
        String name = dash < 0 ? reference : reference.substring(0, dash);
        String fallback = dash < 0 ? null : reference.substring(dash + 2);
        if (name.startsWith("env:")) {
            name = name.substring(4);
        }
        if (!NAME.matcher(name).matches()) {
            if (strict) {
                onError.accept("\"${" + (dash < 0 ? reference : name + ":-…") + "}\" is not a variable reference"
                        + " (a name is letters, digits and '_'; write \"$${\" for a literal \"${\")");
            }
            return null;
        }
        String value = env.get(name);
        if (value != null && (fallback == null || !value.isEmpty())) {
            return value;
        }
        if (fallback != null) {
            return fallback;
        }
        if (strict) {
            onError.accept("environment variable \"" + name + "\" is not set (set it, or write \"${" + name
                    + ":-default}\" to give a default)");
        }
        return null;
    }
}
