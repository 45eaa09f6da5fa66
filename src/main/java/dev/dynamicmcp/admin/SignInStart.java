package dev.dynamicmcp.admin;

import java.net.URI;

/** What asking for a server's sign-in (the console's "Sign in" button) gave. */
public sealed interface SignInStart {
    /** No server has that name (404). */
    record Unknown() implements SignInStart {
    }

    /** The server has no sign-in to start: no {@code oauth}, client credentials, per-user only (409). */
    record NotApplicable(String why) implements SignInStart {
    }

    /** Where the operator signs in (a pending sign-in's URL, or a new one). */
    record Started(URI url) implements SignInStart {
    }

    /** The flow could not start: the authorization server is unreachable, no callback is served (502). */
    record Failed(String why) implements SignInStart {
    }
}
