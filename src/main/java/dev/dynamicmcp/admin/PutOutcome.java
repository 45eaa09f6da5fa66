package dev.dynamicmcp.admin;

import dev.dynamicmcp.config.ConfigProblem;
import java.util.List;

/** What {@link AdminBackend#put} did: created a server, replaced one, or refused the entry. */
public sealed interface PutOutcome {
    PutOutcome CREATED = new Created();
    PutOutcome REPLACED = new Replaced();

    record Created() implements PutOutcome {
    }

    record Replaced() implements PutOutcome {
    }

    /** The entry was not applied; {@code problems} lists every one, as the file loader words them. */
    record Invalid(List<ConfigProblem> problems) implements PutOutcome {
        public Invalid {
            if (problems == null || problems.isEmpty()) {
                throw new IllegalArgumentException("an invalid entry has at least one problem");
            }
            problems = List.copyOf(problems);
        }
    }
}
