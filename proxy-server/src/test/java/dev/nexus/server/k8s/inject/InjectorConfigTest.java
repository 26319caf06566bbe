package dev.nexus.server.k8s.inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InjectorConfigTest {

    @TempDir
    Path dir;

    private InjectorConfig load(String yaml) throws Exception {
        Path file = dir.resolve("injector.yaml");
        Files.writeString(file, yaml);
        return InjectorConfig.load(file);
    }

    @Test
    void emptyFileMeansDefaults() throws Exception {
        assertThat(load("")).isEqualTo(InjectorConfig.defaults());
    }

    @Test
    void everyFieldIsRead() throws Exception {
        InjectorConfig c = load("""
                image: registry.example.com/nexus-proxy:0.2.0
                imagePullPolicy: Always
                proxyPort: 3129
                adminPort: 9091
                proxyUid: 2000
                resources:
                  requests: {cpu: 100m, memory: 192Mi}
                  limits: {cpu: "1", memory: 192Mi}
                serviceCidrs: [10.100.0.0/16, "fd00:10:96::/112"]
                caSecretName: egress-ca
                configMapName: egress-sidecar
                policyConfigMapName: egress-policy
                jvmOptions: -Xshare:auto
                truststorePassword: trust-me
                allowTransparent: false
                transparent:
                  httpPort: 16080
                  httpsPort: 16443
                  excludeCidrs: [169.254.169.254/32]
                extraEnv:
                  - name: NEXUS_AUTHORITY_API_KEY
                    valueFrom:
                      secretKeyRef: {name: nexus-authority, key: api-key}
                """);
        assertThat(c.image()).isEqualTo("registry.example.com/nexus-proxy:0.2.0");
        assertThat(c.imagePullPolicy()).isEqualTo("Always");
        assertThat(c.proxyPort()).isEqualTo(3129);
        assertThat(c.adminPort()).isEqualTo(9091);
        assertThat(c.proxyUid()).isEqualTo(2000);
        assertThat(c.requests()).isEqualTo(Map.of("cpu", "100m", "memory", "192Mi"));
        assertThat(c.limits()).isEqualTo(Map.of("cpu", "1", "memory", "192Mi"));
        assertThat(c.serviceCidrs()).containsExactly("10.100.0.0/16", "fd00:10:96::/112");
        assertThat(c.caSecretName()).isEqualTo("egress-ca");
        assertThat(c.configMapName()).isEqualTo("egress-sidecar");
        assertThat(c.policyConfigMapName()).isEqualTo("egress-policy");
        assertThat(c.jvmOptions()).isEqualTo("-Xshare:auto");
        assertThat(c.truststorePassword()).isEqualTo("trust-me");
        assertThat(c.allowTransparent()).isFalse();
        assertThat(InjectorConfig.defaults().allowTransparent()).as("on unless the operator turns it off").isTrue();
        assertThat(c.transparentHttpPort()).isEqualTo(16080);
        assertThat(c.transparentHttpsPort()).isEqualTo(16443);
        assertThat(c.excludeCidrs()).hasSize(1);
        assertThat(c.excludeCidrs().get(0)).hasToString("169.254.169.254/32");
        assertThat(c.extraEnv()).hasSize(1);
        assertThat(c.extraEnv().get(0).path("valueFrom").path("secretKeyRef").path("name").asText()).isEqualTo("nexus-authority");
    }

    @Test
    void errorsNameTheFileAndTheField() throws Exception {
        String file = dir.resolve("injector.yaml").toString();
        assertThatThrownBy(() -> load("imagePullPolicy: Sometimes\n"))
                .hasMessage(file + ": imagePullPolicy must be Always, IfNotPresent or Never, got 'Sometimes'");
        assertThatThrownBy(() -> load("resources:\n  requests: {memory: lots}\n"))
                .hasMessage(file + ": resources.requests.memory is not a Kubernetes quantity: 'lots'");
        assertThatThrownBy(() -> load("serviceCidrs: [10.96.0.0/40]\n"))
                .hasMessage(file + ": serviceCidrs '10.96.0.0/40' has a prefix length outside 0-32");
        assertThatThrownBy(() -> load("transparent:\n  httpport: 1\n"))
                .hasMessageStartingWith(file + ": transparent.httpport is not a known field (known: excludeCidrs, httpPort, httpsPort)");
        assertThatThrownBy(() -> load("extraEnv:\n  - name: A\n"))
                .hasMessage(file + ": extraEnv[0] must have exactly one of value and valueFrom");
        assertThatThrownBy(() -> load("allowTransparent: yes please\n"))
                .hasMessage(file + ": allowTransparent must be true or false, got \"yes please\"");
        assertThatThrownBy(() -> load("extraEnv:\n  - {name: NEXUS_TRANSPARENT_HTTP_PORT, value: \"8080\"}\n"))
                .hasMessage(file + ": extraEnv[0] must not set NEXUS_TRANSPARENT_HTTP_PORT: the injector sets it "
                        + "(jvmOptions, or the transparent listener ports)");
        assertThatThrownBy(() -> load("transparent:\n  httpPort: 15443\n"))
                .hasMessage(file + ": transparent.httpsPort must differ from transparent.httpPort");
        assertThatThrownBy(() -> load("adminPort: 99999\n"))
                .hasMessage(file + ": adminPort must be an integer between 1 and 65535, got 99999");
    }

    @Test
    void customConfigReachesThePatch() throws Exception {
        InjectorConfig c = load("""
                image: registry.example.com/nexus-proxy:0.2.0
                proxyPort: 3129
                serviceCidrs: [10.100.0.0/16]
                extraEnv:
                  - name: NEXUS_REDIS_ENCRYPTION_KEY
                    valueFrom:
                      secretKeyRef: {name: nexus-redis, key: encryption-key}
                """);
        var review = AdmissionFixtures.review("namespace-bare-pod.json");
        var handler = new AdmissionReviewHandler(AdmissionFixtures.MAPPER, new PodInjector(c));
        var pod = AdmissionFixtures.applyPatch(handler.review(review, true), AdmissionFixtures.pod(review));
        var runner = AdmissionFixtures.named(pod.path("spec").path("containers"), "runner");
        assertThat(AdmissionFixtures.env(runner, "HTTP_PROXY")).isEqualTo("http://127.0.0.1:3129");
        assertThat(AdmissionFixtures.env(runner, "NO_PROXY")).endsWith(",10.100.0.0/16");
        for (var init : pod.path("spec").path("initContainers")) {
            assertThat(init.path("image").asText()).isEqualTo("registry.example.com/nexus-proxy:0.2.0");
        }
        assertThat(List.of(c.requests().keySet().toArray())).containsExactly("cpu", "memory");
        var sidecar = AdmissionFixtures.named(pod.path("spec").path("initContainers"), "nexus-proxy");
        var key = AdmissionFixtures.named(sidecar.path("env"), "NEXUS_REDIS_ENCRYPTION_KEY");
        assertThat(key.path("valueFrom").path("secretKeyRef").path("key").asText()).isEqualTo("encryption-key");
        for (var app : pod.path("spec").path("containers")) {
            assertThat(AdmissionFixtures.names(app.path("env"))).doesNotContain("NEXUS_REDIS_ENCRYPTION_KEY");
        }
    }

    @Test
    void customTransparentPortsReachBothTheRulesAndTheSidecarConfig() throws Exception {
        InjectorConfig c = load("""
                proxyUid: 2000
                transparent: {httpPort: 16080, httpsPort: 16443, excludeCidrs: [169.254.169.254/32]}
                """);
        var review = AdmissionFixtures.review("transparent.json");
        var handler = new AdmissionReviewHandler(AdmissionFixtures.MAPPER, new PodInjector(c));
        var inits = AdmissionFixtures.applyPatch(handler.review(review, false), AdmissionFixtures.pod(review))
                .path("spec").path("initContainers");
        String script = AdmissionFixtures.named(inits, "nexus-iptables-init").path("command").get(2).asText();
        assertThat(script)
                .contains("iptables -t nat -A NEXUS_OUTPUT -m owner --uid-owner 2000 -j RETURN")
                .contains("iptables -t nat -A NEXUS_OUTPUT -d 169.254.169.254/32 -j RETURN")
                .contains("--dport 80 -j REDIRECT --to-ports 16080")
                .contains("--dport 443 -j REDIRECT --to-ports 16443");
        var sidecar = AdmissionFixtures.named(inits, "nexus-proxy");
        assertThat(AdmissionFixtures.env(sidecar, "NEXUS_TRANSPARENT_HTTP_PORT")).isEqualTo("16080");
        assertThat(AdmissionFixtures.env(sidecar, "NEXUS_TRANSPARENT_TLS_PORT")).isEqualTo("16443");
        assertThat(sidecar.path("securityContext").path("runAsUser").asInt()).isEqualTo(2000);
    }
}
