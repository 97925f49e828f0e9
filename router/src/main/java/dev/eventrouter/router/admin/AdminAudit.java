package dev.eventrouter.router.admin;

import dev.eventrouter.router.registry.SecretBindings;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit log (logger {@code eventrouter.audit}): what operators did or were refused, with the
 * caller's token name, never the token. Looking is not an operator action: a read is written only
 * when it is refused.
 */
final class AdminAudit {

  private static final Logger audit = LoggerFactory.getLogger("eventrouter.audit");

  /**
   * Requests refused before any caller is known: anyone who reaches the port can send them, so they
   * go through the rate limiter (logback.xml), where operators' actions never do.
   */
  private static final Logger refused = LoggerFactory.getLogger("eventrouter.audit.refused");

  private AdminAudit() {}

  static void unknownToken() {
    refused
        .atWarn()
        .addKeyValue("action", "authenticate")
        .addKeyValue("outcome", "refused")
        .log("admin request with an unknown token refused");
  }

  /**
   * @param status the answer's, 403 when the caller's scope did not allow the action
   */
  static void action(
      AdminTokens.Caller caller,
      AdminTokens.Scope needed,
      String action,
      String target,
      int status) {
    if (needed == AdminTokens.Scope.READ && status < 400) {
      return;
    }
    String quoted = target == null ? "" : AdminJson.quoted(target);
    audit
        .atInfo()
        .addKeyValue("caller", caller.name())
        .addKeyValue("action", action)
        .addKeyValue("target", quoted)
        .addKeyValue("status", status)
        .log("admin {} {} by {}: {}", action, quoted, caller.name(), status);
  }

  /** A registry replacement sent a secret where it was not bound, as the caller acknowledged. */
  static void secretMoved(AdminTokens.Caller caller, SecretBindings.Move move) {
    audit
        .atWarn()
        .addKeyValue("caller", caller.name())
        .addKeyValue("action", "move-secret")
        .addKeyValue("secret", move.secret())
        .addKeyValue("from", String.join(",", new TreeSet<>(move.boundTo())))
        .addKeyValue("to", move.to())
        .log("admin move-secret by {}: {}, moved there as acknowledged", caller.name(), move);
  }
}
