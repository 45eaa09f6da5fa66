package dev.dynamicmcp.auth;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A parsed {@code WWW-Authenticate} header (RFC 9110 §11.6.1): one or more challenges, each a scheme with
 * auth-params ({@code resource_metadata}, {@code scope}, {@code error}...). Lenient about spacing, strict
 * about quoting; an unparsable rest is dropped rather than thrown. Token68 credentials (Negotiate) are not
 * modelled: MCP only uses auth-params.
 */
public record WwwAuthenticate(List<Challenge> challenges) {
    /** One challenge; parameter names are lower-cased. */
    public record Challenge(String scheme, Map<String, String> params) {
        public Optional<String> param(String name) {
            return Optional.ofNullable(params.get(name.toLowerCase(Locale.ROOT)));
        }
    }

    public static WwwAuthenticate parse(String header) {
        List<Challenge> out = new ArrayList<>();
        if (header == null) {
            return new WwwAuthenticate(out);
        }
        int i = 0;
        int n = header.length();
        String scheme = null;
        Map<String, String> params = new LinkedHashMap<>();
        while (i < n) {
            while (i < n && (header.charAt(i) == ' ' || header.charAt(i) == ',' || header.charAt(i) == '\t')) {
                i++;
            }
            int start = i;
            while (i < n && isTokenChar(header.charAt(i))) {
                i++;
            }
            if (i == start) {
                break; // garbage: keep what was parsed
            }
            String word = header.substring(start, i);
            int j = i;
            while (j < n && header.charAt(j) == ' ') {
                j++;
            }
            if (j < n && header.charAt(j) == '=' && scheme != null) {
                i = j + 1;
                while (i < n && header.charAt(i) == ' ') {
                    i++;
                }
                StringBuilder value = new StringBuilder();
                if (i < n && header.charAt(i) == '"') {
                    i++;
                    while (i < n && header.charAt(i) != '"') {
                        if (header.charAt(i) == '\\' && i + 1 < n) {
                            i++;
                        }
                        value.append(header.charAt(i++));
                    }
                    i++; // closing quote
                } else {
                    while (i < n && header.charAt(i) != ',' && header.charAt(i) != ' ') {
                        value.append(header.charAt(i++));
                    }
                }
                params.put(word.toLowerCase(Locale.ROOT), value.toString());
            } else if (j < n && header.charAt(j) == '=') {
                break; // a parameter before any scheme
            } else {
                if (scheme != null) {
                    out.add(new Challenge(scheme, Map.copyOf(params)));
                }
                scheme = word;
                params = new LinkedHashMap<>();
            }
        }
        if (scheme != null) {
            out.add(new Challenge(scheme, Map.copyOf(params)));
        }
        return new WwwAuthenticate(List.copyOf(out));
    }

    /** The Bearer challenge, if any (scheme names are case-insensitive). */
    public Optional<Challenge> bearer() {
        return challenges.stream().filter(c -> c.scheme().equalsIgnoreCase("Bearer")).findFirst();
    }

    /** An HTTP token character (RFC 9110 {@code tchar}: a visible ASCII character that is no delimiter). */
    public static boolean isTokenChar(int c) {
        return c > 0x20 && c < 0x7f && "()<>@,;:\\\"/[]?={} \t".indexOf(c) < 0;
    }
}
