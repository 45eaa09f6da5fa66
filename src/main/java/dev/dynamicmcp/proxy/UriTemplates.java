package dev.dynamicmcp.proxy;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Matching URIs against RFC 6570 URI templates, as far as routing a resources/read needs. */
final class UriTemplates {
    private static final Pattern EXPRESSION = Pattern.compile("\\{([+#./;?&]?)([^}]*)}");

    private UriTemplates() {
    }

    /**
     * A pattern matching every URI the template can expand to: a simple {@code {var}} matches one path
     * segment, a reserved {@code {+var}} or {@code {#var}} anything, query forms ({@code {?a,b}}) an optional
     * query.
     */
    static Pattern toPattern(String template) {
        StringBuilder regex = new StringBuilder();
        Matcher matcher = EXPRESSION.matcher(template);
        int last = 0;
        while (matcher.find()) {
            regex.append(Pattern.quote(template.substring(last, matcher.start())));
            regex.append(switch (matcher.group(1)) {
                case "+", "#" -> ".*";
                case "?", "&" -> "(?:[?&].*)?";
                case "/" -> "(?:/[^?#]*)?";
                case "." -> "(?:\\.[^/?#]*)?";
                case ";" -> "(?:;[^/?#]*)?";
                default -> "[^/?#]+";
            });
            last = matcher.end();
        }
        regex.append(Pattern.quote(template.substring(last)));
        return Pattern.compile(regex.toString());
    }
}
