package dev.dynamicmcp.auth.upstream;

import dev.dynamicmcp.auth.upstream.UpstreamCredential.PendingSignIn;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * {@code GET /oauth/callback?code&state&iss}: the authorization response. Checked before the code goes
 * anywhere: {@code state} must name a pending sign-in (once), and {@code iss} must be the issuer recorded when
 * it started, or absent only when that server does not advertise it (RFC 9207 §2.4, MCP 2026-07-28). On an
 * {@code iss} mismatch the response's own error text is not shown (it may be the attacker's).
 */
final class OAuthCallbackHandler implements Request.Handler {
    private final UpstreamOAuth owner;

    OAuthCallbackHandler(UpstreamOAuth owner) {
        this.owner = owner;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        if (!"GET".equals(request.getMethod())) {
            page(response, callback, 405, "Method not allowed", "The sign-in callback only answers GET.");
            return true;
        }
        Fields query = Request.extractQueryParameters(request, StandardCharsets.UTF_8);
        Optional<PendingSignIn> found = owner.take(query.getValue("state"));
        if (found.isEmpty()) {
            page(response, callback, 400, "Sign-in not recognised",
                    "This sign-in link is unknown, already used or expired. Start the sign-in again from the proxy.");
            return true;
        }
        PendingSignIn sign = found.get();
        UpstreamCredential credential = sign.credential();
        String iss = query.getValue("iss");
        if (iss != null ? !iss.equals(sign.expectedIssuer()) : sign.issRequired()) {
            String why = iss == null ? "the authorization response has no iss, though " + sign.expectedIssuer()
                    + " advertises it" : "the authorization response came from issuer " + iss + ", not "
                    + sign.expectedIssuer() + " (possible mix-up attack)";
            credential.rejectSignIn(sign, why);
            page(response, callback, 400, "Sign-in refused", "Server " + credential.server() + ": " + why + ".");
            return true;
        }
        String error = query.getValue("error");
        if (error != null) {
            String description = query.getValue("error_description");
            String why = "the authorization server answered " + error + (description == null ? "" : ": " + description);
            credential.rejectSignIn(sign, why);
            page(response, callback, 400, "Sign-in failed", "Server " + credential.server() + ": " + why + ".");
            return true;
        }
        String code = query.getValue("code");
        if (code == null || code.isBlank()) {
            credential.rejectSignIn(sign, "the authorization response has no code");
            page(response, callback, 400, "Sign-in failed", "The authorization response has no code.");
            return true;
        }
        String problem = credential.complete(sign, code);
        if (problem != null) {
            page(response, callback, 502, "Sign-in failed", "Server " + credential.server() + ": " + problem + ".");
        } else {
            page(response, callback, 200, "Signed in", "Signed in to " + credential.server()
                    + ". You can close this tab.");
        }
        return true;
    }

    private static void page(Response response, Callback callback, int status, String title, String text) {
        String html = "<!doctype html><meta charset=utf-8><title>" + escape(title) + "</title><h1>" + escape(title)
                + "</h1><p>" + escape(text) + "</p>\n";
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/html; charset=utf-8");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.getHeaders().put("Referrer-Policy", "no-referrer");
        response.write(true, ByteBuffer.wrap(html.getBytes(StandardCharsets.UTF_8)), callback);
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
