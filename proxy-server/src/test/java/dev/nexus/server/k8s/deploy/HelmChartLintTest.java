package dev.nexus.server.k8s.deploy;

import com.marcnuri.helm.LintResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What real Helm says about the chart before anything is installed: {@code helm lint --strict}, the
 * Kubernetes version floor, the schema's verdict on values a user gets wrong, and the {@code fail}
 * messages for missing required values.
 */
class HelmChartLintTest {

    @Test
    void gatewayLintsCleanUnderStrict() {
        assertClean(HelmChart.lintStrict(HelmChart.GATEWAY_REQUIRED, """
                authority: {url: "https://authority.example.com", apiKey: {existingSecret: nexus-authority}}
                redis: {url: "rediss://redis.example.com:6380", encryptionKey: {existingSecret: nexus-redis}}
                gateway: {serviceMonitor: {enabled: true}}
                """));
    }

    @Test
    void gatewayWithItsOwnRedisLintsCleanUnderStrict() {
        assertClean(HelmChart.lintStrict(HelmChart.GATEWAY_REQUIRED, """
                redis: {deploy: {enabled: true, auth: {existingSecret: nexus-redis-auth}}, encryptionKey: {existingSecret: nexus-redis}}
                """));
    }

    @Test
    void injectorLintsCleanUnderStrict() {
        assertClean(HelmChart.lintStrict(HelmChart.INJECTOR_REQUIRED, "injector: {namespaces: [agents]}"));
    }

    @Test
    void refusesKubernetesOlderThanNativeSidecars() {
        assertThat(HelmChart.template(HelmChart.OLDEST_KUBERNETES, HelmChart.GATEWAY_REQUIRED)).contains("kind: Deployment");
        assertThatThrownBy(() -> HelmChart.template("1.28.9", HelmChart.GATEWAY_REQUIRED))
                .hasMessageContaining("chart requires kubeVersion: >=1.29.0-0 which is incompatible with Kubernetes v1.28.9");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            no admin token                 | -        | authority: {file: {existingSecret: c}}                     | proxy.adminToken.existingSecret is required: the admin port listens on 0.0.0.0
            no credential source           | -        | proxy: {adminToken: {existingSecret: a}}                   | set authority.url (a Nexus Authority) or authority.file.existingSecret
            Authority without its API key  | gateway  | authority: {url: "https://a.example.com"} | authority.apiKey.existingSecret is required with authority.url
            Redis without encryption key   | gateway  | redis: {url: "redis://r:6379"}                             | redis.encryptionKey.existingSecret is required with Redis
            deployed Redis without encryption key | gateway | redis: {deploy: {enabled: true}}                  | redis.encryptionKey.existingSecret is required with Redis
            deployed Redis and an external URL | gateway | redis: {deploy: {enabled: true}, url: "redis://r:6379", encryptionKey: {existingSecret: k}} | redis.deploy.enabled and redis.url/redis.existingSecret exclude each other
            deployed Redis and a URL Secret | gateway | redis: {deploy: {enabled: true}, existingSecret: u, encryptionKey: {existingSecret: k}} | redis.deploy.enabled and redis.url/redis.existingSecret exclude each other
            deployed Redis for sidecars    | injector | redis: {deploy: {enabled: true}, encryptionKey: {existingSecret: k}} | redis.deploy.enabled is for the gateway mode
            injector with the file source  | gateway  | mode: injector                                             | authority.url is required in injector mode
            no certificate without cert-manager | injector | injector: {certificate: {certManager: {enabled: false}}} | injector.certificate.existingSecret is required when cert-manager is disabled
            no CA bundle without cert-manager   | injector | injector: {certificate: {certManager: {enabled: false}, existingSecret: tls}} | injector.certificate.caBundle is required when cert-manager is disabled
            """)
    void missingRequiredValuesStopRenderingWithTheirMessage(String situation, String base, String values, String message) {
        String[] documents = switch (base) {
            case "gateway" -> new String[] {HelmChart.GATEWAY_REQUIRED, values};
            case "injector" -> new String[] {HelmChart.INJECTOR_REQUIRED, values};
            default -> new String[] {values};
        };
        assertThatThrownBy(() -> HelmChart.render(documents)).hasMessageContaining(message);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            mode: sidecar                                            | at '/mode': value must be one of 'gateway', 'injector'
            proxy: {port: 70000}                                     | at '/proxy/port'
            gateway: {replicas: 3}                                   | additional properties 'replicas' not allowed
            injector: {sidecar: {resources: {limits: {memory: lots}}}} | at '/injector/sidecar/resources/limits/memory'
            injector: {failurePolicy: Maybe}                         | at '/injector/failurePolicy'
            redis: {url: "localhost:6379"}                           | at '/redis/url'
            podSecurityContext: {runAsUser: 0}                       | at '/podSecurityContext/runAsUser'
            redis: {deploy: {maxMemory: 96Mi}}                       | at '/redis/deploy/maxMemory'
            injector: {sidecar: {serviceCidrs: [ten.96.0.0/12]}}     | at '/injector/sidecar/serviceCidrs/0'
            """)
    void schemaRejectsMistakesAUserWouldMake(String values, String message) {
        assertThatThrownBy(() -> HelmChart.render(HelmChart.GATEWAY_REQUIRED, values))
                .hasMessageContaining("values don't meet the specifications of the schema")
                .hasMessageContaining(message);
    }

    private static void assertClean(LintResult lint) {
        assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
        // Strict turns warnings into failures; what is left may only be Helm's INFO-level suggestions.
        assertThat(lint.getMessages()).allSatisfy(message -> assertThat(message).startsWith("[INFO]"));
    }
}
