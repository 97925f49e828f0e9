package dev.eventrouter.router.http;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import dev.eventrouter.router.metrics.RouterMetrics;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The router's HTTP endpoints: liveness, readiness (for Kubernetes probes and load balancers),
 * Prometheus metrics, and the operator API.
 */
public final class HttpApi extends AllDirectives {

  private final RouterMetrics metrics;
  private final Route admin;
  private final Supplier<Map<String, Boolean>> readiness;

  /**
   * @param admin the operator API's routes
   * @param readiness named checks; the router is ready when all are true
   */
  public HttpApi(RouterMetrics metrics, Route admin, Supplier<Map<String, Boolean>> readiness) {
    this.metrics = metrics;
    this.admin = admin;
    this.readiness = readiness;
  }

  public Route routes() {
    return concat(
        path(
            segment("health").slash("alive"),
            () -> get(() -> complete(json(StatusCodes.OK, "{\"status\":\"alive\"}")))),
        path(segment("health").slash("ready"), () -> get(this::ready)),
        path(
            "metrics",
            () ->
                get(
                    () ->
                        complete(
                            HttpResponse.create()
                                .withEntity(
                                    HttpEntities.create(
                                        ContentTypes.parse(metrics.contentType()),
                                        metrics.scrape()))))),
        admin);
  }

  private Route ready() {
    Map<String, Boolean> checks = readiness.get();
    boolean ready = checks.values().stream().allMatch(Boolean::booleanValue);
    String body =
        checks.entrySet().stream()
            .map(check -> "\"" + check.getKey() + "\":" + check.getValue())
            .collect(
                Collectors.joining(
                    ",",
                    "{\"status\":\"" + (ready ? "ready" : "not-ready") + "\",\"checks\":{",
                    "}}"));
    return complete(json(ready ? StatusCodes.OK : StatusCodes.SERVICE_UNAVAILABLE, body));
  }

  private static HttpResponse json(
      org.apache.pekko.http.javadsl.model.StatusCode status, String body) {
    return HttpResponse.create()
        .withStatus(status)
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, body));
  }
}
