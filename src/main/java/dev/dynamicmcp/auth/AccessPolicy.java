package dev.dynamicmcp.auth;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a validated caller may reach, from its claims: {@code /admin} needs the admin scope; a profile named
 * in {@code profiles} needs one of its claim values (of {@code profileClaim}); everything else needs only the
 * required scopes, which the verifier has already checked.
 */
public final class AccessPolicy {
    public static final String ADMIN_PATH = "/admin";

    /** The outcome for one request. */
    public sealed interface Decision {
        record Allow() implements Decision {
        }

        /**
         * @param scopes scopes that would let the caller in (step-up), empty when a non-scope claim decides
         * @param reason what is missing, for the error description
         */
        record Deny(List<String> scopes, String reason) implements Decision {
        }
    }

    private final List<String> requiredScopes;
    private final String adminScope;
    private final String profileClaim;
    private final Map<String, List<String>> profiles;

    public AccessPolicy(List<String> requiredScopes, String adminScope, String profileClaim,
                        Map<String, List<String>> profiles) {
        this.requiredScopes = List.copyOf(requiredScopes);
        this.adminScope = adminScope;
        this.profileClaim = profileClaim;
        this.profiles = Map.copyOf(profiles);
    }

    public static AccessPolicy of(AuthSettings settings) {
        return new AccessPolicy(settings.requiredScopes(), settings.adminScope(), settings.profileClaim(),
                settings.profiles());
    }

    public static boolean isAdminPath(String path) {
        return path.equals(ADMIN_PATH) || path.startsWith(ADMIN_PATH + "/");
    }

    /** The scopes a token must carry, all of them, for a request to {@code path}. */
    public List<String> scopesFor(String path) {
        Set<String> needed = new LinkedHashSet<>(requiredScopes);
        if (isAdminPath(path)) {
            needed.add(adminScope);
        }
        return List.copyOf(needed);
    }

    public Decision check(Principal principal, String path) {
        if (isAdminPath(path) && !principal.scopes().contains(adminScope)) {
            return new Decision.Deny(scopesFor(path), "the admin API needs scope " + adminScope);
        }
        Optional<String> profile = ResourceMetadata.profileOf(path);
        if (profile.isPresent() && profiles.containsKey(profile.get())) {
            List<String> opening = profiles.get(profile.get());
            List<String> held = principal.claimValues(profileClaim);
            if (opening.stream().noneMatch(held::contains)) {
                boolean byScope = profileClaim.equals("scope") || profileClaim.equals("scp");
                List<String> stepUp = new ArrayList<>(requiredScopes);
                if (byScope && !opening.isEmpty()) {
                    stepUp.add(opening.get(0));
                }
                return new Decision.Deny(byScope ? List.copyOf(new LinkedHashSet<>(stepUp)) : List.of(),
                        "profile " + profile.get() + " needs " + profileClaim + " " + String.join(" or ", opening));
            }
        }
        return new Decision.Allow();
    }

    /** The profiles this caller may use among the restricted ones (for /status or a profile list). */
    public Set<String> restrictedProfilesOpenTo(Principal principal) {
        Set<String> open = new LinkedHashSet<>();
        List<String> held = principal.claimValues(profileClaim);
        profiles.forEach((name, values) -> {
            if (values.stream().anyMatch(held::contains)) {
                open.add(name);
            }
        });
        return open;
    }
}
