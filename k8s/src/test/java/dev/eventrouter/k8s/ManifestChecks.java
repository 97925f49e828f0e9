package dev.eventrouter.k8s;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Consistency checks over one rendered set of objects (one namespace's worth, as one apply sends
 * them). Each returns what is wrong, one line per problem; none means consistent.
 */
final class ManifestChecks {

  /** A pod template and the workload it belongs to. */
  record Pods(HasMetadata owner, PodTemplateSpec template) {

    Map<String, String> labels() {
      return Optional.ofNullable(template.getMetadata().getLabels()).orElse(Map.of());
    }

    List<Container> containers() {
      return Stream.concat(
              Optional.ofNullable(template.getSpec().getInitContainers())
                  .orElse(List.of())
                  .stream(),
              template.getSpec().getContainers().stream())
          .toList();
    }

    String serviceAccount() {
      return Optional.ofNullable(template.getSpec().getServiceAccountName()).orElse("default");
    }
  }

  /** The label by which Grafana's sidecar finds dashboards (kube-prometheus-stack's default). */
  private static final String GRAFANA_DASHBOARD_LABEL = "grafana_dashboard";

  /**
   * kubectl's client-side apply keeps the whole object in an annotation, and annotations hold 256
   * KiB.
   */
  private static final int LAST_APPLIED_LIMIT_BYTES = 256 * 1024;

  private static final JsonMapper DASHBOARD_READER = JsonMapper.builder().build();

  /**
   * The Secrets an operator creates out of band (k8s/README.md, "Before the first apply", 4): a
   * kustomization without the example-secrets component names them without holding them.
   */
  static final Set<String> OUT_OF_BAND_SECRETS =
      Set.of(
          "eventrouter-journal",
          "eventrouter-s3",
          "eventrouter-admin",
          "eventrouter-destination-secrets");

  private ManifestChecks() {}

  static List<String> all(List<HasMetadata> objects) {
    return Stream.of(
            workloadSelectors(objects),
            serviceSelectors(objects),
            probes(objects),
            rbac(objects),
            scaling(objects),
            references(objects),
            serviceMonitors(objects),
            dashboards(objects),
            alerts(objects))
        .flatMap(List::stream)
        .toList();
  }

  /** A Deployment selects the pods of its own template (Kubernetes refuses it otherwise). */
  static List<String> workloadSelectors(List<HasMetadata> objects) {
    List<String> problems = new ArrayList<>();
    for (Deployment deployment : of(objects, Deployment.class)) {
      Map<String, String> labels =
          Optional.ofNullable(deployment.getSpec().getTemplate().getMetadata().getLabels())
              .orElse(Map.of());
      LabelSelector selector = deployment.getSpec().getSelector();
      if (!selects(selector, labels)) {
        problems.add(
            id(deployment)
                + ": selector "
                + describe(selector)
                + " does not match its template's labels "
                + labels);
      }
    }
    return problems;
  }

  /** A Service selects pods of some workload here, and its target ports are ports of theirs. */
  static List<String> serviceSelectors(List<HasMetadata> objects) {
    List<String> problems = new ArrayList<>();
    for (Service service : of(objects, Service.class)) {
      Map<String, String> selector =
          Optional.ofNullable(service.getSpec().getSelector()).orElse(Map.of());
      List<Pods> selected =
          pods(objects).stream()
              .filter(pods -> sameNamespace(pods.owner(), service))
              .filter(
                  pods ->
                      !selector.isEmpty()
                          && pods.labels().entrySet().containsAll(selector.entrySet()))
              .toList();
      if (selected.isEmpty()) {
        problems.add(
            id(service) + ": selector " + selector + " selects no pods of these workloads");
        continue;
      }
      for (ServicePort port : service.getSpec().getPorts()) {
        IntOrString target =
            Optional.ofNullable(port.getTargetPort()).orElse(new IntOrString(port.getPort()));
        boolean declared =
            selected.stream()
                .flatMap(pods -> pods.containers().stream())
                .flatMap(container -> ports(container).stream())
                .anyMatch(
                    declaredPort ->
                        target.getStrVal() != null
                            ? target.getStrVal().equals(declaredPort.getName())
                            : target.getIntVal().equals(declaredPort.getContainerPort()));
        if (!declared) {
          problems.add(
              id(service)
                  + ": port "
                  + port.getName()
                  + " targets "
                  + value(target)
                  + ", which no selected container declares");
        }
      }
    }
    return problems;
  }

  /** Probes name their port, and the name is a port of the same container. */
  static List<String> probes(List<HasMetadata> objects) {
    List<String> problems = new ArrayList<>();
    for (Pods pods : pods(objects)) {
      for (Container container : pods.containers()) {
        Set<String> names =
            ports(container).stream()
                .map(ContainerPort::getName)
                .filter(Objects::nonNull)
                .collect(Collectors.toSet());
        Map<String, Probe> probes = new LinkedHashMap<>();
        probes.put("startupProbe", container.getStartupProbe());
        probes.put("livenessProbe", container.getLivenessProbe());
        probes.put("readinessProbe", container.getReadinessProbe());
        probes.forEach(
            (kind, probe) ->
                probePort(probe)
                    .ifPresent(
                        port -> {
                          String where =
                              id(pods.owner()) + " container " + container.getName() + " " + kind;
                          if (port.getStrVal() == null) {
                            problems.add(
                                where
                                    + ": port "
                                    + port.getIntVal()
                                    + " is a number; name it (a port's number may change,"
                                    + " its name says what it is)");
                          } else if (!names.contains(port.getStrVal())) {
                            problems.add(
                                where
                                    + ": port "
                                    + port.getStrVal()
                                    + " is not a port of the container "
                                    + names);
                          }
                        }));
      }
    }
    return problems;
  }

  /**
   * Pods run as service accounts that exist; bindings bind roles and accounts that exist; every
   * role is bound to an account some pods use; pods that bootstrap their cluster through the
   * Kubernetes API may get, watch and list pods.
   */
  static List<String> rbac(List<HasMetadata> objects) {
    List<String> problems = new ArrayList<>();
    List<ServiceAccount> accounts = of(objects, ServiceAccount.class);
    for (Pods pods : pods(objects)) {
      String account = pods.template().getSpec().getServiceAccountName();
      if (account != null && find(accounts, account, pods.owner()).isEmpty()) {
        problems.add(
            id(pods.owner()) + ": service account " + account + " is not among these objects");
      }
    }
    List<Role> roles = of(objects, Role.class);
    List<RoleBinding> bindings = of(objects, RoleBinding.class);
    for (RoleBinding binding : bindings) {
      if (!"Role".equals(binding.getRoleRef().getKind())
          || find(roles, binding.getRoleRef().getName(), binding).isEmpty()) {
        problems.add(
            id(binding)
                + ": binds "
                + binding.getRoleRef().getKind()
                + " "
                + binding.getRoleRef().getName()
                + ", not a Role among these objects");
      }
      for (Subject subject : binding.getSubjects()) {
        boolean sameNamespace =
            subject.getNamespace() == null
                || subject.getNamespace().equals(binding.getMetadata().getNamespace());
        if (!"ServiceAccount".equals(subject.getKind())
            || !sameNamespace
            || find(accounts, subject.getName(), binding).isEmpty()) {
          problems.add(
              id(binding)
                  + ": subject "
                  + subject.getKind()
                  + " "
                  + subject.getNamespace()
                  + "/"
                  + subject.getName()
                  + " is not a service account among these objects");
        }
      }
    }
    Set<String> usedAccounts =
        pods(objects).stream().map(Pods::serviceAccount).collect(Collectors.toSet());
    for (Role role : roles) {
      boolean bound =
          bindings.stream()
              .filter(
                  binding -> binding.getRoleRef().getName().equals(role.getMetadata().getName()))
              .flatMap(binding -> binding.getSubjects().stream())
              .anyMatch(subject -> usedAccounts.contains(subject.getName()));
      if (!bound) {
        problems.add(id(role) + ": bound to no service account that pods here run as");
      }
    }
    for (Pods pods : pods(objects)) {
      boolean bootstraps =
          pods.containers().stream()
              .flatMap(container -> env(container).stream())
              .anyMatch(
                  env ->
                      "ROUTER_CLUSTER_BOOTSTRAP".equals(env.getName())
                          && "kubernetes".equals(env.getValue()));
      if (bootstraps && !mayListPods(pods.serviceAccount(), roles, bindings)) {
        problems.add(
            id(pods.owner())
                + ": bootstraps through the Kubernetes API, but its service account "
                + pods.serviceAccount()
                + " is bound to no Role that may get, watch and list pods");
      }
    }
    return problems;
  }

  /**
   * An HPA scales a workload here whose containers all request CPU (its utilisation is measured
   * against the request); a PDB selects the pods of a workload here.
   */
  static List<String> scaling(List<HasMetadata> objects) {
    List<String> problems = new ArrayList<>();
    for (HorizontalPodAutoscaler hpa : of(objects, HorizontalPodAutoscaler.class)) {
      var target = hpa.getSpec().getScaleTargetRef();
      Optional<Pods> scaled =
          pods(objects).stream()
              .filter(pods -> sameNamespace(pods.owner(), hpa))
              .filter(
                  pods ->
                      pods.owner().getKind().equals(target.getKind())
                          && pods.owner().getApiVersion().equals(target.getApiVersion())
                          && pods.owner().getMetadata().getName().equals(target.getName()))
              .findFirst();
      if (scaled.isEmpty()) {
        problems.add(
            id(hpa)
                + ": scales "
                + target.getApiVersion()
                + " "
                + target.getKind()
                + " "
                + target.getName()
                + ", not a workload among these objects");
        continue;
      }
      boolean onCpu =
          hpa.getSpec().getMetrics().stream()
              .anyMatch(
                  metric ->
                      metric.getResource() != null && "cpu".equals(metric.getResource().getName()));
      for (Container container : scaled.get().template().getSpec().getContainers()) {
        Map<String, Quantity> requests =
            container.getResources() == null ? null : container.getResources().getRequests();
        if (onCpu && (requests == null || !requests.containsKey("cpu"))) {
          problems.add(
              id(hpa) + ": scales on CPU, but container " + container.getName() + " requests none");
        }
      }
    }
    for (PodDisruptionBudget pdb : of(objects, PodDisruptionBudget.class)) {
      boolean selectsSome =
          pods(objects).stream()
              .filter(pods -> sameNamespace(pods.owner(), pdb))
              .anyMatch(pods -> selects(pdb.getSpec().getSelector(), pods.labels()));
      if (!selectsSome) {
        problems.add(
            id(pdb)
                + ": selector "
                + describe(pdb.getSpec().getSelector())
                + " selects no pods of these workloads");
      }
    }
    return problems;
  }

  /**
   * Every ConfigMap and Secret the pods name (not marked optional) is here, with the keys named.
   */
  static List<String> references(List<HasMetadata> objects) {
    List<String> problems = new ArrayList<>();
    Map<String, Set<String>> configMaps =
        keys(objects, ConfigMap.class, map -> union(map.getData(), map.getBinaryData()));
    Map<String, Set<String>> secrets =
        keys(objects, Secret.class, secret -> union(secret.getData(), secret.getStringData()));
    for (Pods pods : pods(objects)) {
      String namespace = pods.owner().getMetadata().getNamespace();
      String owner = id(pods.owner());
      for (Container container : pods.containers()) {
        for (EnvVar env : env(container)) {
          if (env.getValueFrom() == null) {
            continue;
          }
          var mapKey = env.getValueFrom().getConfigMapKeyRef();
          if (mapKey != null) {
            expect(
                problems,
                owner + " env " + env.getName(),
                "ConfigMap",
                configMaps,
                namespace,
                mapKey.getName(),
                mapKey.getOptional(),
                List.of(mapKey.getKey()));
          }
          var secretKey = env.getValueFrom().getSecretKeyRef();
          if (secretKey != null) {
            expect(
                problems,
                owner + " env " + env.getName(),
                "Secret",
                secrets,
                namespace,
                secretKey.getName(),
                secretKey.getOptional(),
                List.of(secretKey.getKey()));
          }
        }
        for (EnvFromSource from : Optional.ofNullable(container.getEnvFrom()).orElse(List.of())) {
          if (from.getConfigMapRef() != null) {
            expect(
                problems,
                owner + " envFrom",
                "ConfigMap",
                configMaps,
                namespace,
                from.getConfigMapRef().getName(),
                from.getConfigMapRef().getOptional(),
                List.of());
          }
          if (from.getSecretRef() != null) {
            expect(
                problems,
                owner + " envFrom",
                "Secret",
                secrets,
                namespace,
                from.getSecretRef().getName(),
                from.getSecretRef().getOptional(),
                List.of());
          }
        }
      }
      for (Volume volume :
          Optional.ofNullable(pods.template().getSpec().getVolumes()).orElse(List.of())) {
        if (volume.getConfigMap() != null) {
          expect(
              problems,
              owner + " volume " + volume.getName(),
              "ConfigMap",
              configMaps,
              namespace,
              volume.getConfigMap().getName(),
              volume.getConfigMap().getOptional(),
              itemKeys(volume.getConfigMap().getItems()));
        }
        if (volume.getSecret() != null) {
          expect(
              problems,
              owner + " volume " + volume.getName(),
              "Secret",
              secrets,
              namespace,
              volume.getSecret().getSecretName(),
              volume.getSecret().getOptional(),
              itemKeys(volume.getSecret().getItems()));
        }
      }
    }
    return problems;
  }

  /** A ServiceMonitor selects a Service here by its labels, and scrapes a port that Service has. */
  static List<String> serviceMonitors(List<HasMetadata> objects) {
    List<String> problems = new ArrayList<>();
    for (ServiceMonitor monitor : of(objects, ServiceMonitor.class)) {
      List<Service> selected =
          of(objects, Service.class).stream()
              .filter(service -> sameNamespace(service, monitor))
              .filter(
                  service ->
                      selects(
                          monitor.getSpec().selector(),
                          Optional.ofNullable(service.getMetadata().getLabels()).orElse(Map.of())))
              .toList();
      if (selected.isEmpty()) {
        problems.add(
            id(monitor)
                + ": selector "
                + describe(monitor.getSpec().selector())
                + " selects no Service here");
      }
      for (ServiceMonitor.Endpoint endpoint : monitor.getSpec().endpoints()) {
        boolean hasPort =
            selected.stream()
                .flatMap(service -> service.getSpec().getPorts().stream())
                .anyMatch(port -> Objects.equals(port.getName(), endpoint.port()));
        if (!selected.isEmpty() && !hasPort) {
          problems.add(
              id(monitor)
                  + ": endpoint port "
                  + endpoint.port()
                  + " is not a port of the selected Services");
        }
      }
    }
    return problems;
  }

  /**
   * A ConfigMap labelled for Grafana's dashboard sidecar holds dashboards: JSON objects with a uid
   * and a title, small enough for `kubectl apply` to record in its last-applied annotation.
   */
  static List<String> dashboards(List<HasMetadata> objects) {
    List<String> problems = new ArrayList<>();
    for (ConfigMap configMap : of(objects, ConfigMap.class)) {
      Map<String, String> labels =
          Optional.ofNullable(configMap.getMetadata().getLabels()).orElse(Map.of());
      if (!"1".equals(labels.get(GRAFANA_DASHBOARD_LABEL))) {
        continue;
      }
      Map<String, String> data = Optional.ofNullable(configMap.getData()).orElse(Map.of());
      for (Map.Entry<String, String> file : data.entrySet()) {
        String where = id(configMap) + " " + file.getKey();
        try {
          JsonNode dashboard = DASHBOARD_READER.readTree(file.getValue());
          if (dashboard.path("uid").asString("").isEmpty()
              || dashboard.path("title").asString("").isEmpty()) {
            problems.add(where + ": a dashboard has a uid and a title");
          }
        } catch (JacksonException e) {
          problems.add(where + ": is not JSON: " + e.getOriginalMessage());
        }
      }
      int bytes =
          data.values().stream()
              .mapToInt(text -> text.getBytes(StandardCharsets.UTF_8).length)
              .sum();
      if (bytes > LAST_APPLIED_LIMIT_BYTES) {
        problems.add(
            id(configMap)
                + ": "
                + bytes
                + " bytes of dashboards, more than kubectl apply's"
                + " last-applied annotation holds ("
                + LAST_APPLIED_LIMIT_BYTES
                + ")");
      }
    }
    return problems;
  }

  /** Every alert says how long it must hold (for), how bad it is (severity), and what it means. */
  static List<String> alerts(List<HasMetadata> objects) {
    List<String> problems = new ArrayList<>();
    for (PrometheusRule rules : of(objects, PrometheusRule.class)) {
      for (PrometheusRule.Group group : rules.getSpec().groups()) {
        for (PrometheusRule.Rule rule : group.rules()) {
          if (rule.alert() == null) {
            continue;
          }
          Map<String, String> labels = Optional.ofNullable(rule.labels()).orElse(Map.of());
          Map<String, String> annotations =
              Optional.ofNullable(rule.annotations()).orElse(Map.of());
          List<String> missing = new ArrayList<>();
          if (rule.pending() == null) {
            missing.add("for");
          }
          if (!labels.containsKey("severity")) {
            missing.add("severity label");
          }
          Stream.of("summary", "description")
              .filter(key -> !annotations.containsKey(key))
              .forEach(missing::add);
          if (!missing.isEmpty()) {
            problems.add(
                id(rules) + ": alert " + rule.alert() + " has no " + String.join(", ", missing));
          }
        }
      }
    }
    return problems;
  }

  static List<Pods> pods(List<HasMetadata> objects) {
    List<Pods> pods = new ArrayList<>();
    of(objects, Deployment.class)
        .forEach(deployment -> pods.add(new Pods(deployment, deployment.getSpec().getTemplate())));
    of(objects, Job.class).forEach(job -> pods.add(new Pods(job, job.getSpec().getTemplate())));
    return pods;
  }

  static <T extends HasMetadata> List<T> of(List<HasMetadata> objects, Class<T> kind) {
    return objects.stream().filter(kind::isInstance).map(kind::cast).toList();
  }

  static boolean selects(LabelSelector selector, Map<String, String> labels) {
    // matchExpressions are not used here; a selector with them is not understood, so not accepted
    return selector != null
        && (selector.getMatchExpressions() == null || selector.getMatchExpressions().isEmpty())
        && selector.getMatchLabels() != null
        && !selector.getMatchLabels().isEmpty()
        && labels.entrySet().containsAll(selector.getMatchLabels().entrySet());
  }

  private static boolean mayListPods(String account, List<Role> roles, List<RoleBinding> bindings) {
    Set<String> boundRoles =
        bindings.stream()
            .filter(
                binding ->
                    binding.getSubjects().stream()
                        .anyMatch(
                            subject ->
                                "ServiceAccount".equals(subject.getKind())
                                    && account.equals(subject.getName())))
            .map(binding -> binding.getRoleRef().getName())
            .collect(Collectors.toSet());
    return roles.stream()
        .filter(role -> boundRoles.contains(role.getMetadata().getName()))
        .flatMap(role -> role.getRules().stream())
        .anyMatch(ManifestChecks::listsPods);
  }

  private static boolean listsPods(PolicyRule rule) {
    return rule.getApiGroups().contains("")
        && rule.getResources().contains("pods")
        && rule.getVerbs().containsAll(List.of("get", "watch", "list"));
  }

  private static Optional<IntOrString> probePort(Probe probe) {
    if (probe == null) {
      return Optional.empty();
    }
    if (probe.getHttpGet() != null) {
      return Optional.of(probe.getHttpGet().getPort());
    }
    if (probe.getTcpSocket() != null) {
      return Optional.of(probe.getTcpSocket().getPort());
    }
    if (probe.getGrpc() != null) {
      return Optional.of(new IntOrString(probe.getGrpc().getPort()));
    }
    return Optional.empty();
  }

  private static void expect(
      List<String> problems,
      String where,
      String kind,
      Map<String, Set<String>> present,
      String namespace,
      String name,
      Boolean optional,
      List<String> keys) {
    if (Boolean.TRUE.equals(optional)) {
      return;
    }
    Set<String> found = present.get(namespace + "/" + name);
    if (found == null && kind.equals("Secret") && OUT_OF_BAND_SECRETS.contains(name)) {
      return;
    }
    if (found == null) {
      problems.add(where + ": " + kind + " " + name + " is not among these objects");
      return;
    }
    for (String key : keys) {
      if (!found.contains(key)) {
        problems.add(
            where + ": " + kind + " " + name + " has no key " + key + " (it has " + found + ")");
      }
    }
  }

  private static <T extends HasMetadata> Map<String, Set<String>> keys(
      List<HasMetadata> objects, Class<T> kind, Function<T, Set<String>> keys) {
    return of(objects, kind).stream()
        .collect(
            Collectors.toMap(
                object ->
                    object.getMetadata().getNamespace() + "/" + object.getMetadata().getName(),
                keys));
  }

  private static Set<String> union(Map<String, String> first, Map<String, String> second) {
    return Stream.of(first, second)
        .filter(Objects::nonNull)
        .map(Map::keySet)
        .flatMap(Collection::stream)
        .collect(Collectors.toSet());
  }

  private static List<String> itemKeys(List<KeyToPath> items) {
    return Optional.ofNullable(items).orElse(List.of()).stream().map(KeyToPath::getKey).toList();
  }

  private static <T extends HasMetadata> Optional<T> find(
      List<T> candidates, String name, HasMetadata near) {
    return candidates.stream()
        .filter(
            candidate ->
                sameNamespace(candidate, near) && candidate.getMetadata().getName().equals(name))
        .findFirst();
  }

  private static boolean sameNamespace(HasMetadata a, HasMetadata b) {
    return Objects.equals(a.getMetadata().getNamespace(), b.getMetadata().getNamespace());
  }

  private static List<ContainerPort> ports(Container container) {
    return Optional.ofNullable(container.getPorts()).orElse(List.of());
  }

  private static List<EnvVar> env(Container container) {
    return Optional.ofNullable(container.getEnv()).orElse(List.of());
  }

  private static String value(IntOrString port) {
    return port.getStrVal() != null ? port.getStrVal() : String.valueOf(port.getIntVal());
  }

  private static String describe(LabelSelector selector) {
    return selector == null ? "(none)" : String.valueOf(selector.getMatchLabels());
  }

  static String id(HasMetadata object) {
    return object.getKind() + "/" + object.getMetadata().getName();
  }
}
