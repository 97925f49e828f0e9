package dev.eventrouter.k8s;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import tools.jackson.databind.BeanDescription;
import tools.jackson.databind.DatabindException;
import tools.jackson.databind.DeserializationConfig;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.deser.BeanDeserializerBuilder;
import tools.jackson.databind.deser.ValueDeserializerModifier;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Reads rendered manifests into the Kubernetes model, strictly: each object must be of a kind
 * listed here (in the apiVersion listed), and every field must be one the model knows.
 */
final class Manifests {

  /** What was read, and what could not be. */
  record Read(List<HasMetadata> objects, List<String> problems) {}

  static final Map<String, Class<? extends HasMetadata>> KINDS =
      Map.ofEntries(
          Map.entry("v1/Namespace", Namespace.class),
          Map.entry("v1/ServiceAccount", ServiceAccount.class),
          Map.entry("v1/ConfigMap", ConfigMap.class),
          Map.entry("v1/Secret", Secret.class),
          Map.entry("v1/Service", Service.class),
          Map.entry("apps/v1/Deployment", Deployment.class),
          Map.entry("batch/v1/Job", Job.class),
          Map.entry("rbac.authorization.k8s.io/v1/Role", Role.class),
          Map.entry("rbac.authorization.k8s.io/v1/RoleBinding", RoleBinding.class),
          Map.entry("autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class),
          Map.entry("policy/v1/PodDisruptionBudget", PodDisruptionBudget.class),
          Map.entry("monitoring.coreos.com/v1/ServiceMonitor", ServiceMonitor.class),
          Map.entry("monitoring.coreos.com/v1/PrometheusRule", PrometheusRule.class));

  /**
   * The model's classes keep fields they do not know in an "additional properties" map; without
   * that catch-all a misspelt or misplaced field fails to read, with its path.
   */
  static final YAMLMapper MAPPER =
      YAMLMapper.builder()
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .addModule(
              new SimpleModule("strict")
                  .setDeserializerModifier(
                      new ValueDeserializerModifier() {
                        @Override
                        public BeanDeserializerBuilder updateBuilder(
                            DeserializationConfig config,
                            BeanDescription.Supplier description,
                            BeanDeserializerBuilder builder) {
                          builder.setAnySetter(null);
                          return builder;
                        }
                      }))
          .build();

  private Manifests() {}

  static List<JsonNode> documents(String yaml) {
    return MAPPER.readerFor(JsonNode.class).<JsonNode>readValues(yaml).readAll().stream()
        .filter(node -> node != null && !node.isNull() && !node.isMissingNode())
        .toList();
  }

  static String yaml(List<JsonNode> documents) {
    return documents.stream().map(MAPPER::writeValueAsString).collect(Collectors.joining("\n"));
  }

  static Read read(String yaml) {
    List<HasMetadata> objects = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (JsonNode document : documents(yaml)) {
      String id =
          document.path("kind").asString("?")
              + "/"
              + document.path("metadata").path("name").asString("?");
      String type =
          document.path("apiVersion").asString("") + "/" + document.path("kind").asString("");
      Class<? extends HasMetadata> model = KINDS.get(type);
      if (model == null) {
        problems.add(id + ": unknown kind " + type + " (known: " + KINDS.keySet() + ")");
        continue;
      }
      try {
        objects.add(MAPPER.treeToValue(document, model));
      } catch (UnrecognizedPropertyException e) {
        problems.add(
            id + ": unknown field " + path(e) + " (" + e.getReferringClass().getSimpleName() + ")");
      } catch (DatabindException e) {
        problems.add(id + ": " + e.getOriginalMessage() + " at " + path(e));
      }
    }
    return new Read(objects, problems);
  }

  private static String path(DatabindException e) {
    return e.getPath().stream()
        .map(
            reference ->
                reference.getPropertyName() != null
                    ? "." + reference.getPropertyName()
                    : "[" + reference.getIndex() + "]")
        .collect(Collectors.joining())
        .replaceFirst("^\\.", "");
  }
}
