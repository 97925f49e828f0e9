package dev.eventrouter.router.admin;

import com.typesafe.config.Config;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API's bearer tokens, each with a name (what the audit log shows, never the token) and a
 * scope: {@code read} looks, {@code operate} looks and acts.
 */
public final class AdminTokens {

  private static final Logger log = LoggerFactory.getLogger(AdminTokens.class);

  public enum Scope {
    READ,
    OPERATE
  }

  /** One token; its value never leaves this class. */
  public record Caller(String name, Scope scope) {
    public boolean may(Scope needed) {
      return scope == Scope.OPERATE || needed == Scope.READ;
    }
  }

  private record Token(Caller caller, byte[] value) {}

  static final int MIN_LENGTH = 16;

  private final List<Token> tokens;

  private AdminTokens(List<Token> tokens) {
    this.tokens = List.copyOf(tokens);
  }

  /** From {@code eventrouter.admin}: {@code tokens}, plus the two from the environment. */
  public static AdminTokens fromConfig(Config config) {
    Config admin = config.getConfig("eventrouter.admin");
    List<Token> tokens = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    add(tokens, errors, "admin", admin.getString("operate-token"), "operate");
    add(tokens, errors, "reader", admin.getString("read-token"), "read");
    for (Config entry : admin.getConfigList("tokens")) {
      add(
          tokens,
          errors,
          entry.getString("name"),
          entry.getString("token"),
          entry.getString("scope"));
    }
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException("eventrouter.admin: " + String.join("; ", errors));
    }
    return new AdminTokens(tokens);
  }

  private static void add(
      List<Token> tokens, List<String> errors, String name, String given, String scope) {
    // a token from a file (kubectl create secret --from-file) often ends with a newline that the
    // caller does not send
    String value = given.strip();
    if (value.isEmpty()) {
      return;
    }
    Scope parsed;
    try {
      parsed = Scope.valueOf(scope.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      errors.add("token " + name + ": scope must be read or operate, not '" + scope + "'");
      return;
    }
    if (value.length() < MIN_LENGTH) {
      errors.add("token " + name + " is shorter than " + MIN_LENGTH + " characters");
      return;
    }
    if (value.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
      errors.add("token " + name + " has spaces or control characters: no header could carry it");
      return;
    }
    // the examples' placeholder, published with them (and applied by the production overlay of
    // versions before 2026-12): anyone's token. Not taken, but not a reason to stop the start:
    // clusters holding it would stop rolling out
    if (value.contains("REPLACE_ME")) {
      log.error(
          "admin token {} is the examples' placeholder (REPLACE_ME...): it is not accepted; set a"
              + " real one in the eventrouter-admin Secret",
          name);
      return;
    }
    tokens.add(new Token(new Caller(name, parsed), value.getBytes(StandardCharsets.UTF_8)));
  }

  public boolean isEmpty() {
    return tokens.isEmpty();
  }

  /** Who presents this token; compared in constant time. */
  public Optional<Caller> caller(String presented) {
    byte[] bytes = presented.getBytes(StandardCharsets.UTF_8);
    Caller found = null;
    for (Token token : tokens) {
      if (MessageDigest.isEqual(token.value(), bytes)) {
        found = token.caller();
      }
    }
    return Optional.ofNullable(found);
  }
}
