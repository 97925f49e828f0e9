package dev.eventrouter.router.admin;

import java.util.List;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The operators' console under {@code /console}: static HTML, CSS and JavaScript modules from the
 * jar (no build step, nothing fetched from elsewhere), which talk to the admin API with the token
 * the operator types in. The files themselves hold no data and need no token; every answer with
 * data comes from {@code /admin}, under its tokens and scopes.
 */
public final class Console {

  static final String CONTENT_SECURITY_POLICY =
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
          + " connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none';"
          + " frame-ancestors 'none'";

  /** No inline script or style, no other origin, not framed, not sniffed, no referrer. */
  private static final List<HttpHeader> HEADERS =
      List.of(
          RawHeader.create("Content-Security-Policy", CONTENT_SECURITY_POLICY),
          RawHeader.create("X-Content-Type-Options", "nosniff"),
          RawHeader.create("X-Frame-Options", "DENY"),
          RawHeader.create("Referrer-Policy", "no-referrer"),
          RawHeader.create("Cache-Control", "no-cache"));

  private static final String DIRECTORY = "eventrouter/console";

  private Console() {}

  public static Route routes() {
    return Directives.pathPrefix(
        "console",
        () ->
            Directives.get(
                () ->
                    Directives.respondWithHeaders(
                        HEADERS,
                        () ->
                            Directives.concat(
                                Directives.pathEnd(
                                    () ->
                                        Directives.redirect(
                                            Uri.create("/console/"),
                                            StatusCodes.MOVED_PERMANENTLY)),
                                Directives.pathSingleSlash(
                                    () -> Directives.getFromResource(DIRECTORY + "/index.html")),
                                Directives.getFromResourceDirectory(DIRECTORY)))));
  }
}
