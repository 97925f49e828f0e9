package dev.eventrouter.k8s;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.List;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.annotation.JsonDeserialize;

/**
 * The Prometheus Operator's monitoring.coreos.com/v1 ServiceMonitor, with the fields of its CRD
 * that these manifests use: its model is not among fabric8's kubernetes-model artifacts (and
 * openshift-model-monitoring is not served here). A field not listed fails as unknown; add it
 * here, as the CRD names it, when a manifest needs it.
 */
// read as itself, not as whatever kind the polymorphic reader of HasMetadata would pick
@JsonDeserialize(using = ValueDeserializer.None.class)
public final class ServiceMonitor implements HasMetadata {

  public record Spec(LabelSelector selector, List<Endpoint> endpoints, NamespaceSelector namespaceSelector) {}

  public record Endpoint(String port, String path, String interval, String scrapeTimeout) {}

  public record NamespaceSelector(Boolean any, List<String> matchNames) {}

  private String apiVersion;
  private String kind;
  private ObjectMeta metadata;
  private Spec spec;

  @Override
  public String getApiVersion() {
    return apiVersion;
  }

  @Override
  public void setApiVersion(String apiVersion) {
    this.apiVersion = apiVersion;
  }

  @Override
  public String getKind() {
    return kind;
  }

  public void setKind(String kind) {
    this.kind = kind;
  }

  @Override
  public ObjectMeta getMetadata() {
    return metadata;
  }

  @Override
  public void setMetadata(ObjectMeta metadata) {
    this.metadata = metadata;
  }

  public Spec getSpec() {
    return spec;
  }

  public void setSpec(Spec spec) {
    this.spec = spec;
  }
}
