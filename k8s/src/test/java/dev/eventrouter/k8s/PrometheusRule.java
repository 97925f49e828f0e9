package dev.eventrouter.k8s;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.annotation.JsonDeserialize;

/**
 * The Prometheus Operator's monitoring.coreos.com/v1 PrometheusRule: its spec is a Prometheus rule
 * file.
 */
// read as itself, not as whatever kind the polymorphic reader of HasMetadata would pick
@JsonDeserialize(using = ValueDeserializer.None.class)
public final class PrometheusRule extends CustomObject<PrometheusRule.Spec> {

  public record Spec(List<Group> groups) {}

  public record Group(String name, String interval, List<Rule> rules) {}

  /** An alerting rule (alert) or a recording rule (record). */
  public record Rule(
      String alert,
      String record,
      String expr,
      @JsonProperty("for") String pending,
      Map<String, String> labels,
      Map<String, String> annotations) {}
}
