package dev.dynamicmcp.config;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/** "Did you mean" suggestions for misspelt keys and values. */
final class KeyHints {
    /** Typos further apart than this are more likely other clients' keys than ours. */
    static final int MAX_DISTANCE = 2;

    private KeyHints() {
    }

    /**
     * The closest known word within {@link #MAX_DISTANCE} edits (case ignored), if any; within one edit for
     * words of up to four letters, where two edits would turn almost any short word into a known one.
     */
    static Optional<String> closest(String word, Collection<String> known) {
        String best = null;
        int bestDistance = (word.length() <= 4 ? 1 : MAX_DISTANCE) + 1;
        for (String candidate : known) {
            int d = distance(word.toLowerCase(Locale.ROOT), candidate.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return Optional.ofNullable(best);
    }

    /** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
