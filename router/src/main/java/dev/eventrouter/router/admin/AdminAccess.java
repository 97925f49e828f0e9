package dev.eventrouter.router.admin;

import static dev.eventrouter.router.admin.AdminJson.error;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.pattern.StatusReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who calls the admin API, by the bearer token presented, and whether the token's scope allows the
 * action; every action, allowed or refused, is audited with its outcome.
 */
final class AdminAccess extends AllDirectives {

  private static final Logger log = LoggerFactory.getLogger(AdminAccess.class);

  private final AdminTokens tokens;

  AdminAccess(AdminTokens tokens) {
    this.tokens = tokens;
  }

  /** The caller named by the request's token; 401 without a valid one. */
  Route authenticated(Function<AdminTokens.Caller, Route> inner) {
    return optionalHeaderValueByName(
        "Authorization",
        header -> {
          if (tokens.isEmpty()) {
            return complete(
                error(
                    StatusCodes.SERVICE_UNAVAILABLE,
                    "the admin API has no tokens configured (ROUTER_ADMIN_TOKEN, ROUTER_ADMIN_READ_TOKEN)"));
          }
          if (header.isEmpty() || !header.get().regionMatches(true, 0, "Bearer ", 0, 7)) {
            return complete(unauthorized("an Authorization: Bearer <token> header is required"));
          }
          Optional<AdminTokens.Caller> caller = tokens.caller(header.get().substring(7).trim());
          if (caller.isEmpty()) {
            AdminAudit.unknownToken();
            return complete(unauthorized("the token is not valid"));
          }
          return inner.apply(caller.get());
        });
  }

  /**
   * Runs the action if the caller's scope allows it (403 if not; 503 if it fails, to be tried
   * again); audits what was done, or refused.
   */
  Route allowed(
      AdminTokens.Caller caller,
      AdminTokens.Scope needed,
      String action,
      String target,
      Supplier<CompletionStage<HttpResponse>> run) {
    if (!caller.may(needed)) {
      AdminAudit.action(caller, needed, action, target, 403);
      return complete(
          error(
              StatusCodes.FORBIDDEN,
              "the token '"
                  + caller.name()
                  + "' may only read; "
                  + action
                  + " needs the operate scope"));
    }
    CompletionStage<HttpResponse> response;
    try {
      response = run.get();
    } catch (RuntimeException e) {
      response = CompletableFuture.failedFuture(e);
    }
    return completeWithFuture(
        response
            .exceptionally(failure -> failed(action, target, failure))
            .thenApply(
                done -> {
                  AdminAudit.action(caller, needed, action, target, done.status().intValue());
                  return done;
                }));
  }

  /**
   * A 503 to try again. What a queue answered as its error (a text this router wrote) is passed on;
   * any other failure (a journal's, an ask's timeout) is logged, not sent: its message can name the
   * database's host, its user, a file of the data directory.
   */
  static HttpResponse failed(String action, String target, Throwable failure) {
    Throwable cause =
        failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    if (cause instanceof StatusReply.ErrorMessage answered) {
      return error(
          StatusCodes.SERVICE_UNAVAILABLE, action + " failed, try again: " + answered.getMessage());
    }
    log.warn("admin action {} on {} failed", action, target, cause);
    return error(
        StatusCodes.SERVICE_UNAVAILABLE, action + " failed, try again (the router's log says why)");
  }

  private static HttpResponse unauthorized(String message) {
    return error(StatusCodes.UNAUTHORIZED, message)
        .addHeader(RawHeader.create("WWW-Authenticate", "Bearer realm=\"eventrouter-admin\""));
  }
}
