package dev.eventrouter.k8s;

import io.fabric8.kubernetes.api.model.LabelSelector;
import java.util.List;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.annotation.JsonDeserialize;

/** The Prometheus Operator's monitoring.coreos.com/v1 ServiceMonitor. */
// read as itself, not as whatever kind the polymorphic reader of HasMetadata would pick
@JsonDeserialize(using = ValueDeserializer.None.class)
public final class ServiceMonitor extends CustomObject<ServiceMonitor.Spec> {

  public record Spec(
      LabelSelector selector, List<Endpoint> endpoints, NamespaceSelector namespaceSelector) {}

  public record Endpoint(String port, String path, String interval, String scrapeTimeout) {}

  public record NamespaceSelector(Boolean any, List<String> matchNames) {}
}
