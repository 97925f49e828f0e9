package dev.eventrouter.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every kustomization renders to objects that read strictly and refer to one another correctly. */
class ManifestsTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "base",
        "overlays/dev",
        "overlays/production",
        "loadtest",
        "src/test/kustomize/production-with-monitoring"
      })
  void rendersToKnownObjectsThatFitTogether(String kustomization) {
    Manifests.Read read = Manifests.read(Kustomize.render(kustomization));

    assertThat(read.problems()).isEmpty();
    assertThat(ManifestChecks.all(read.objects())).isEmpty();
  }

  /**
   * An apply of production never puts placeholder values over the Secrets created out of band (a
   * published admin token, a reset database password).
   */
  @Test
  void productionHoldsNoSecretToOverwriteTheOperators() {
    assertThat(
            ManifestChecks.of(
                Manifests.read(Kustomize.render("overlays/production")).objects(), Secret.class))
        .isEmpty();
  }

  /** The placeholders of development hold every Secret a real cluster creates, with its keys. */
  @ParameterizedTest
  @ValueSource(
      strings = {"overlays/dev", "loadtest", "src/test/kustomize/production-with-monitoring"})
  void theExampleSecretsAreEveryOneARealClusterCreates(String kustomization) {
    assertThat(
            ManifestChecks.of(
                    Manifests.read(Kustomize.render(kustomization)).objects(), Secret.class)
                .stream()
                .map(secret -> secret.getMetadata().getName()))
        .containsExactlyInAnyOrderElementsOf(ManifestChecks.OUT_OF_BAND_SECRETS);
  }

  @ParameterizedTest
  @ValueSource(strings = {"base", "overlays/production", "loadtest"})
  void scalesAndProtectsTheRouter(String kustomization) {
    List<HasMetadata> objects = Manifests.read(Kustomize.render(kustomization)).objects();
    Deployment router =
        ManifestChecks.of(objects, Deployment.class).stream()
            .filter(deployment -> deployment.getMetadata().getName().equals("eventrouter"))
            .findFirst()
            .orElseThrow();

    assertThat(ManifestChecks.of(objects, HorizontalPodAutoscaler.class))
        .singleElement()
        .satisfies(
            hpa -> assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo("eventrouter"))
        .satisfies(hpa -> assertThat(hpa.getSpec().getMinReplicas()).isGreaterThanOrEqualTo(3));
    assertThat(ManifestChecks.of(objects, PodDisruptionBudget.class))
        .singleElement()
        .satisfies(
            pdb ->
                assertThat(
                        ManifestChecks.selects(
                            pdb.getSpec().getSelector(),
                            router.getSpec().getTemplate().getMetadata().getLabels()))
                    .isTrue());
    assertThat(router.getSpec().getReplicas()).as("the HPA owns the replica count").isNull();
  }
}
