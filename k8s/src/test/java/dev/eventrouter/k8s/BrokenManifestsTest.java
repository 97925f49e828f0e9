package dev.eventrouter.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Each check fails when it should: the production overlay (with the monitoring components),
 * rendered, broken in one place, read and checked again.
 */
class BrokenManifestsTest {

  private static final String RENDERED =
      Kustomize.render("src/test/kustomize/production-with-monitoring");

  static Stream<Arguments> breakages() {
    return Stream.of(
        broken(
            "a misspelt field",
            "unknown field spec.replicaz",
            docs -> router(docs).withObjectProperty("spec").put("replicaz", 2)),
        broken(
            "a kind in an apiVersion not listed",
            "unknown kind autoscaling/v2beta2/HorizontalPodAutoscaler",
            docs ->
                object(docs, "HorizontalPodAutoscaler", "eventrouter")
                    .put("apiVersion", "autoscaling/v2beta2")),
        broken(
            "a Deployment selecting other pods than its own",
            "does not match its template's labels",
            docs ->
                router(docs)
                    .withObjectProperty("spec")
                    .withObjectProperty("selector")
                    .withObjectProperty("matchLabels")
                    .put("app.kubernetes.io/name", "router")),
        broken(
            "a Service selecting no pods",
            "selects no pods",
            docs ->
                object(docs, "Service", "eventrouter-admin")
                    .withObjectProperty("spec")
                    .withObjectProperty("selector")
                    .put("app.kubernetes.io/name", "eventrouter-api")),
        broken(
            "a Service targeting an undeclared port",
            "which no selected container declares",
            docs ->
                ((ObjectNode) object(docs, "Service", "eventrouter-admin").at("/spec/ports/0"))
                    .put("targetPort", "web")),
        broken(
            "a probe on a port number",
            "is a number; name it",
            docs -> probe(docs, "readinessProbe").put("port", 7626)),
        broken(
            "a probe on a port the container does not declare",
            "is not a port of the container",
            docs -> probe(docs, "livenessProbe").put("port", "mgmt")),
        broken(
            "the Role bound to another service account",
            "is not a service account among these objects",
            docs ->
                ((ObjectNode)
                        object(docs, "RoleBinding", "eventrouter-pod-reader").at("/subjects/0"))
                    .put("name", "default")),
        broken(
            "pods that bootstrap without a Role to list pods",
            "bound to no Role that may get, watch and list pods",
            docs ->
                ((ArrayNode) object(docs, "Role", "eventrouter-pod-reader").at("/rules/0/verbs"))
                    .removeAll()
                    .add("get")),
        broken(
            "pods running as a service account that is not there",
            "service account robot is not among",
            docs -> routerPods(docs).put("serviceAccountName", "robot")),
        broken(
            "an HPA scaling another Deployment",
            "not a workload among these objects",
            docs ->
                object(docs, "HorizontalPodAutoscaler", "eventrouter")
                    .withObjectProperty("spec")
                    .withObjectProperty("scaleTargetRef")
                    .put("name", "router")),
        broken(
            "an HPA on CPU over containers that request none",
            "requests none",
            docs ->
                ((ObjectNode) routerPods(docs).at("/containers/0/resources/requests"))
                    .remove("cpu")),
        broken(
            "a PDB selecting no pods",
            "selects no pods",
            docs ->
                object(docs, "PodDisruptionBudget", "eventrouter")
                    .withObjectProperty("spec")
                    .withObjectProperty("selector")
                    .withObjectProperty("matchLabels")
                    .put("app.kubernetes.io/name", "router")),
        broken(
            "a secretKeyRef to a missing Secret",
            "Secret eventrouter-db is not among these objects",
            docs ->
                env(docs, "ROUTER_JOURNAL_PASSWORD")
                    .withObjectProperty("valueFrom")
                    .withObjectProperty("secretKeyRef")
                    .put("name", "eventrouter-db")),
        broken(
            "a secretKeyRef to a missing key",
            "has no key pass",
            docs ->
                env(docs, "ROUTER_JOURNAL_PASSWORD")
                    .withObjectProperty("valueFrom")
                    .withObjectProperty("secretKeyRef")
                    .put("key", "pass")),
        broken(
            "an envFrom ConfigMap that is not there",
            "ConfigMap settings is not among these objects",
            docs ->
                ((ObjectNode) routerPods(docs).at("/containers/0/envFrom/0/configMapRef"))
                    .put("name", "settings")),
        broken(
            "a Secret volume that is not there",
            "Secret tokens is not among these objects",
            docs ->
                volume(docs, "destination-secrets")
                    .withObjectProperty("secret")
                    .put("secretName", "tokens")),
        broken(
            "a ServiceMonitor scraping a port the Service lacks",
            "endpoint port metrics is not a port",
            docs ->
                ((ObjectNode) object(docs, "ServiceMonitor", "eventrouter").at("/spec/endpoints/0"))
                    .put("port", "metrics")),
        broken(
            "a dashboard that is not JSON",
            "eventrouter-dashboard.json: is not JSON",
            docs -> dashboard(docs).put("eventrouter-dashboard.json", "{\"uid\": ")),
        broken(
            "a dashboard without a uid",
            "a dashboard has a uid and a title",
            docs ->
                dashboard(docs).put("eventrouter-dashboard.json", "{\"title\": \"Event router\"}")),
        broken(
            "dashboards too large for kubectl apply",
            "more than kubectl apply's last-applied annotation holds",
            docs -> dashboard(docs).put("padding.json", "{}" + " ".repeat(256 * 1024))),
        broken(
            "an alert without a summary",
            "has no summary",
            docs -> ((ObjectNode) firstAlert(docs).get("annotations")).remove("summary")),
        broken("an alert without for", "has no for", docs -> firstAlert(docs).remove("for")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("breakages")
  void isReported(String breakage, String reported, Consumer<List<JsonNode>> breakIt) {
    List<JsonNode> documents = Manifests.documents(RENDERED);
    breakIt.accept(documents);

    Manifests.Read read = Manifests.read(Manifests.yaml(documents));
    List<String> problems =
        Stream.concat(read.problems().stream(), ManifestChecks.all(read.objects()).stream())
            .toList();

    assertThat(problems).as(breakage).anyMatch(problem -> problem.contains(reported));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("breakages")
  void isNotReportedUnbroken(String breakage, String reported, Consumer<List<JsonNode>> breakIt) {
    Manifests.Read read = Manifests.read(RENDERED);

    assertThat(Stream.concat(read.problems().stream(), ManifestChecks.all(read.objects()).stream()))
        .noneMatch(problem -> problem.contains(reported));
  }

  private static Arguments broken(
      String breakage, String reported, Consumer<List<JsonNode>> breakIt) {
    return Arguments.of(breakage, reported, breakIt);
  }

  private static ObjectNode object(List<JsonNode> documents, String kind, String name) {
    return (ObjectNode)
        documents.stream()
            .filter(
                document ->
                    document.path("kind").asString("").equals(kind)
                        && document.path("metadata").path("name").asString("").equals(name))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no " + kind + "/" + name + " rendered"));
  }

  private static ObjectNode dashboard(List<JsonNode> documents) {
    return object(documents, "ConfigMap", "eventrouter-dashboard").withObjectProperty("data");
  }

  private static ObjectNode firstAlert(List<JsonNode> documents) {
    return (ObjectNode)
        object(documents, "PrometheusRule", "eventrouter").at("/spec/groups/0/rules/0");
  }

  private static ObjectNode router(List<JsonNode> documents) {
    return object(documents, "Deployment", "eventrouter");
  }

  private static ObjectNode routerPods(List<JsonNode> documents) {
    return (ObjectNode) router(documents).at("/spec/template/spec");
  }

  private static ObjectNode probe(List<JsonNode> documents, String probe) {
    return (ObjectNode) routerPods(documents).at("/containers/0/" + probe + "/httpGet");
  }

  private static ObjectNode env(List<JsonNode> documents, String name) {
    return (ObjectNode) find(routerPods(documents).at("/containers/0/env"), name);
  }

  private static ObjectNode volume(List<JsonNode> documents, String name) {
    return (ObjectNode) find(routerPods(documents).at("/volumes"), name);
  }

  private static JsonNode find(JsonNode list, String name) {
    for (JsonNode item : list) {
      if (item.path("name").asString("").equals(name)) {
        return item;
      }
    }
    throw new AssertionError("no " + name + " in " + list);
  }
}
