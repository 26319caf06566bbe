package dev.nexus.server.k8s.deploy;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The typed check the chart tests rely on does catch what a template typo produces. */
class KubernetesObjectsTest {

    private static final String DEPLOYMENT = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: np}
            spec:
              selector: {matchLabels: {app: np}}
              template:
                metadata: {labels: {app: np}}
                spec:
                  containers:
                    - name: proxy
                      image: proxy:1
                      %s: {httpGet: {path: /readyz, port: admin}}
            """;

    @Test
    void readsAValidManifestIntoItsModelClass() throws Exception {
        Deployment deployment = (Deployment) KubernetesObjects.strict(SchemaValidation.YAML.readTree(DEPLOYMENT.formatted("readinessProbe")));
        assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getReadinessProbe().getHttpGet().getPort().getStrVal())
                .isEqualTo("admin");
    }

    @Test
    void rejectsAMisspeltFieldWithItsPath() {
        assertThatThrownBy(() -> KubernetesObjects.strict(SchemaValidation.YAML.readTree(DEPLOYMENT.formatted("readinesProbe"))))
                .hasMessageContaining("Deployment np is not a valid Kubernetes object")
                .hasMessageContaining("Unrecognized field \"readinesProbe\"")
                .hasMessageContaining("PodSpec[\"containers\"]");
    }

    @Test
    void rejectsAKindWithoutAModel() {
        assertThatThrownBy(() -> KubernetesObjects.strict(SchemaValidation.YAML.readTree("""
                apiVersion: example.dev/v1
                kind: Widget
                metadata: {name: w}
                """))).hasMessageContaining("no Kubernetes model class for example.dev/v1 Widget");
    }
}
