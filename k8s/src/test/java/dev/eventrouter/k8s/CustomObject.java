package dev.eventrouter.k8s;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;

/**
 * An object of a CRD these manifests use whose model is not among fabric8's kubernetes-model
 * artifacts (the Prometheus Operator's are in openshift-model-monitoring, not served here): its
 * subclass names the fields of the spec that the manifests use, as the CRD names them. A field not
 * listed fails as unknown; add it there when a manifest needs it.
 */
public abstract class CustomObject<S> implements HasMetadata {

  private String apiVersion;
  private String kind;
  private ObjectMeta metadata;
  private S spec;

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

  public S getSpec() {
    return spec;
  }

  public void setSpec(S spec) {
    this.spec = spec;
  }
}
