package dev.nexus.server.k8s.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static dev.nexus.server.k8s.inject.AdmissionFixtures.applyPatch;
import static dev.nexus.server.k8s.inject.AdmissionFixtures.env;
import static dev.nexus.server.k8s.inject.AdmissionFixtures.named;
import static dev.nexus.server.k8s.inject.AdmissionFixtures.names;
import static dev.nexus.server.k8s.inject.AdmissionFixtures.pod;
import static dev.nexus.server.k8s.inject.AdmissionFixtures.review;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AdmissionReviewHandlerTest {

    private static final String MERGED = "/etc/nexus-ca/ca-bundle.crt";

    private final AdmissionReviewHandler handler =
            new AdmissionReviewHandler(AdmissionFixtures.MAPPER, new PodInjector(InjectorConfig.defaults()));
    /** An injector whose operator turned transparent mode off ({@code allowTransparent: false}). */
    private final AdmissionReviewHandler explicitOnlyHandler = new AdmissionReviewHandler(AdmissionFixtures.MAPPER,
            new PodInjector(InjectorConfig.from(AdmissionFixtures.MAPPER.createObjectNode().put("allowTransparent", false), "test")));

    private JsonNode injectAndApply(String fixture, boolean namespaceOptIn) {
        return injectAndApply(handler, fixture, namespaceOptIn);
    }

    private static JsonNode injectAndApply(AdmissionReviewHandler handler, String fixture, boolean namespaceOptIn) {
        ObjectNode review = review(fixture);
        JsonNode response = handler.review(review, namespaceOptIn);
        assertThat(response.path("apiVersion").asText()).isEqualTo("admission.k8s.io/v1");
        assertThat(response.path("kind").asText()).isEqualTo("AdmissionReview");
        assertThat(response.path("response").path("uid").asText()).isEqualTo(review.path("request").path("uid").asText());
        assertThat(response.path("response").path("allowed").asBoolean()).isTrue();
        assertThat(response.path("response").path("patchType").asText()).isEqualTo("JSONPatch");
        return applyPatch(response, pod(review));
    }

    @Test
    void sidecarStartsFirstAfterTheTrustStepAndBeforeThePodsOwnInitContainers() {
        JsonNode pod = injectAndApply("explicit-multi-container.json", false);
        assertThat(names(pod.path("spec").path("initContainers"))).containsExactly("nexus-ca-init", "nexus-proxy", "migrate");
        assertThat(names(pod.path("spec").path("containers"))).containsExactly("agent", "metrics-exporter");
    }

    @Test
    void sidecarIsANativeSidecarWithProbesHardeningAndAnnotationResources() {
        JsonNode sidecar = named(injectAndApply("explicit-multi-container.json", false).path("spec").path("initContainers"), "nexus-proxy");
        assertThat(sidecar.path("restartPolicy").asText()).isEqualTo("Always");
        assertThat(sidecar.path("image").asText()).isEqualTo(InjectorConfig.defaults().image());
        assertThat(sidecar.path("args").toString()).isEqualTo("[\"--config\",\"/etc/nexus/config.yaml\"]");
        assertThat(sidecar.path("startupProbe").path("httpGet").path("path").asText()).isEqualTo("/readyz");
        assertThat(sidecar.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/readyz");
        assertThat(sidecar.path("livenessProbe").path("httpGet").path("path").asText()).isEqualTo("/healthz");
        assertThat(sidecar.path("livenessProbe").path("httpGet").path("port").asInt()).isEqualTo(9090);
        JsonNode sc = sidecar.path("securityContext");
        assertThat(sc.path("runAsNonRoot").asBoolean()).isTrue();
        assertThat(sc.path("runAsUser").asInt()).isEqualTo(1337);
        assertThat(sc.path("readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(sc.path("allowPrivilegeEscalation").asBoolean()).isFalse();
        assertThat(sc.path("capabilities").path("drop").toString()).isEqualTo("[\"ALL\"]");
        assertThat(sc.path("capabilities").has("add")).isFalse();
        // nexus.dev/proxy-cpu and proxy-memory; memory also raises the configured memory limit
        assertThat(sidecar.path("resources").path("requests").path("cpu").asText()).isEqualTo("200m");
        assertThat(sidecar.path("resources").path("requests").path("memory").asText()).isEqualTo("256Mi");
        assertThat(sidecar.path("resources").path("limits").path("memory").asText()).isEqualTo("256Mi");
        // the sidecar JVM profile replaces the image's default flags (the entrypoint runs java $NEXUS_JVM_OPTS)
        assertThat(env(sidecar, "NEXUS_JVM_OPTS")).isEqualTo(InjectorConfig.SIDECAR_JVM_OPTIONS);
        // the proxy reads no environment variable of its own: only NEXUS_JVM_OPTS and the ${VAR}s of config.yaml
        assertThat(names(sidecar.path("env"))).containsExactly("NEXUS_JVM_OPTS");
    }

    @Test
    void sidecarGetsAnOwnerOnlyCopyOfTheCaKeyThatAppContainersNeverSee() {
        JsonNode pod = injectAndApply("explicit-multi-container.json", false);
        JsonNode privateVolume = named(pod.path("spec").path("volumes"), "nexus-ca-private");
        assertThat(privateVolume.path("emptyDir").path("medium").asText()).isEqualTo("Memory");
        JsonNode inits = pod.path("spec").path("initContainers");
        assertThat(named(inits, "nexus-ca-init").path("command").get(2).asText())
                .contains("(umask 077 && rm -f /etc/nexus/private/tls.key && cp /etc/nexus/ca/tls.key /etc/nexus/private/tls.key)");
        JsonNode sidecarMount = named(named(inits, "nexus-proxy").path("volumeMounts"), "nexus-ca-private");
        assertThat(sidecarMount.path("mountPath").asText()).isEqualTo("/etc/nexus/private");
        assertThat(sidecarMount.path("readOnly").asBoolean()).isTrue();
        for (JsonNode app : pod.path("spec").path("containers")) {
            assertThat(names(app.path("volumeMounts"))).doesNotContain("nexus-ca-private", "nexus-proxy-ca");
        }
    }

    @Test
    void identityAnnotationIsRefusedUntilTheProxyCanTakeOne() {
        ObjectNode review = review("explicit-multi-container.json");
        ((ObjectNode) review.path("request").path("object").path("metadata").path("annotations"))
                .put("nexus.dev/identity", "billing-bot");
        JsonNode response = handler.review(review, false).path("response");
        assertThat(response.path("allowed").asBoolean()).isFalse();
        assertThat(response.has("patch")).isFalse();
        assertThat(response.path("status").path("message").asText())
                .contains("annotation nexus.dev/identity has invalid value 'billing-bot'")
                .contains("not supported yet");
    }

    @Test
    void policyAnnotationSelectsTheConfigMapMountedAsADirectory() {
        JsonNode pod = injectAndApply("explicit-multi-container.json", false);
        JsonNode volumes = pod.path("spec").path("volumes");
        assertThat(named(volumes, "nexus-policy").path("configMap").path("name").asText()).isEqualTo("billing-egress");
        JsonNode mount = named(named(pod.path("spec").path("initContainers"), "nexus-proxy").path("volumeMounts"), "nexus-policy");
        assertThat(mount.path("mountPath").asText()).isEqualTo("/etc/nexus/policy");
        assertThat(mount.has("subPath")).as("subPath mounts never see ConfigMap updates").isFalse();
    }

    @Test
    void existingVolumesAndMountsAreKeptAndTheTrustVolumeIsAdded() {
        JsonNode pod = injectAndApply("explicit-multi-container.json", false);
        assertThat(names(pod.path("spec").path("volumes"))).containsExactly(
                "work", "kube-api-access-x2b7q", "nexus-ca", "nexus-proxy-ca", "nexus-admin-token", "nexus-ca-private", "nexus-proxy-config", "nexus-policy",
                "nexus-tmp");
        JsonNode agent = named(pod.path("spec").path("containers"), "agent");
        assertThat(names(agent.path("volumeMounts"))).containsExactly("work", "kube-api-access-x2b7q", "nexus-ca");
        JsonNode exporter = named(pod.path("spec").path("containers"), "metrics-exporter");
        JsonNode mount = named(exporter.path("volumeMounts"), "nexus-ca");
        assertThat(mount.path("readOnly").asBoolean()).isTrue();
        // the CA private key stays with the sidecar and the init step
        for (JsonNode app : pod.path("spec").path("containers")) {
            assertThat(names(app.path("volumeMounts"))).doesNotContain("nexus-proxy-ca");
        }
    }

    @Test
    void explicitModeSetsProxyAndTrustVariablesWithTheDocumentedMergeRules() {
        JsonNode agent = named(injectAndApply("explicit-multi-container.json", false).path("spec").path("containers"), "agent");
        // the injector's value wins over the user's corporate proxy
        assertThat(env(agent, "HTTP_PROXY")).isEqualTo("http://127.0.0.1:3128");
        assertThat(env(agent, "HTTPS_PROXY")).isEqualTo("http://127.0.0.1:3128");
        assertThat(env(agent, "http_proxy")).isEqualTo("http://127.0.0.1:3128");
        assertThat(env(agent, "https_proxy")).isEqualTo("http://127.0.0.1:3128");
        // user NO_PROXY entries are merged after the injector's, without repeats
        String expectedNoProxy = "localhost,127.0.0.1,::1,.svc,.svc.cluster.local,.cluster.local,10.96.0.0/12,"
                + "internal.example.com,10.0.0.0/8";
        assertThat(env(agent, "NO_PROXY")).isEqualTo(expectedNoProxy);
        assertThat(env(agent, "no_proxy")).isEqualTo(expectedNoProxy);
        // JAVA_TOOL_OPTIONS: appended, never replaced; the JVM gets the proxy as system properties
        assertThat(env(agent, "JAVA_TOOL_OPTIONS")).isEqualTo("-Xmx512m -Dfile.encoding=UTF-8"
                + " -Djavax.net.ssl.trustStore=/etc/nexus-ca/truststore.p12 -Djavax.net.ssl.trustStoreType=PKCS12"
                + " -Djavax.net.ssl.trustStorePassword=changeit"
                + " -Dhttp.proxyHost=127.0.0.1 -Dhttp.proxyPort=3128 -Dhttps.proxyHost=127.0.0.1 -Dhttps.proxyPort=3128"
                + " -Dhttp.nonProxyHosts=localhost|127.0.0.1|[::1]|*.svc|*.svc.cluster.local|*.cluster.local|internal.example.com");
        // a valueFrom trust variable is replaced by a plain value (the bundle without the proxy CA would break TLS)
        JsonNode sslCertFile = named(agent.path("env"), "SSL_CERT_FILE");
        assertThat(sslCertFile.path("value").asText()).isEqualTo(MERGED);
        assertThat(sslCertFile.has("valueFrom")).isFalse();
        assertThat(env(agent, "REQUESTS_CA_BUNDLE")).isEqualTo(MERGED);
        assertThat(env(agent, "CURL_CA_BUNDLE")).isEqualTo(MERGED);
        assertThat(env(agent, "GIT_SSL_CAINFO")).isEqualTo(MERGED);
        assertThat(env(agent, "AWS_CA_BUNDLE")).isEqualTo(MERGED);
        assertThat(env(agent, "NODE_EXTRA_CA_CERTS")).isEqualTo("/etc/nexus-ca/proxy-ca.crt");
        assertThat(env(agent, "NODE_USE_ENV_PROXY")).isEqualTo("1");
        assertThat(env(agent, "LOG_LEVEL")).isEqualTo("info");
        assertNoDuplicateNames(agent.path("env"));
        assertThat(names(agent.path("env")).subList(0, 5))
                .as("existing variables keep their positions")
                .containsExactly("LOG_LEVEL", "HTTP_PROXY", "NO_PROXY", "JAVA_TOOL_OPTIONS", "SSL_CERT_FILE");
    }

    @Test
    void containerWithoutEnvGetsAWholeEnvList() {
        JsonNode exporter = named(injectAndApply("explicit-multi-container.json", false).path("spec").path("containers"), "metrics-exporter");
        assertThat(env(exporter, "HTTPS_PROXY")).isEqualTo("http://127.0.0.1:3128");
        assertThat(env(exporter, "JAVA_TOOL_OPTIONS")).startsWith("-Djavax.net.ssl.trustStore=");
        assertThat(env(exporter, "NO_PROXY")).isEqualTo("localhost,127.0.0.1,::1,.svc,.svc.cluster.local,.cluster.local,10.96.0.0/12");
    }

    @Test
    void podsOwnInitContainersAreNotGivenProxyVariables() {
        JsonNode migrate = named(injectAndApply("explicit-multi-container.json", false).path("spec").path("initContainers"), "migrate");
        assertThat(names(migrate.path("env"))).containsExactly("DB_HOST");
    }

    @Test
    void injectedMarkerIsAddedAndOtherAnnotationsAreUntouched() {
        JsonNode annotations = injectAndApply("explicit-multi-container.json", false).path("metadata").path("annotations");
        assertThat(annotations.path("nexus.dev/injected").asText()).isEqualTo("true");
        assertThat(annotations.path("example.com/owner~team").asText()).isEqualTo("payments");
        assertThat(annotations.path("nexus.dev/inject").asText()).isEqualTo("true");
    }

    @Test
    void injectionIsIdempotent() {
        JsonNode once = injectAndApply("explicit-multi-container.json", false);
        ObjectNode again = review("explicit-multi-container.json");
        ((ObjectNode) again.path("request")).set("object", once);
        JsonNode response = handler.review(again, false).path("response");
        assertThat(response.path("allowed").asBoolean()).isTrue();
        assertThat(response.has("patch")).isFalse();
    }

    @Test
    void alreadyInjectedAnnotationOrSidecarByNameMeansNoPatch() {
        for (String fixture : List.of("already-injected.json", "sidecar-present.json")) {
            JsonNode response = handler.review(review(fixture), true).path("response");
            assertThat(response.path("allowed").asBoolean()).as(fixture).isTrue();
            assertThat(response.has("patch")).as(fixture).isFalse();
            assertThat(response.has("patchType")).as(fixture).isFalse();
        }
    }

    @Test
    void podWithoutOptInIsAllowedUnchanged() {
        JsonNode response = handler.review(review("no-opt-in.json"), false).path("response");
        assertThat(response.path("uid").asText()).isEqualTo("a1b2c3d4-0000-4000-8000-000000000003");
        assertThat(response.path("allowed").asBoolean()).isTrue();
        assertThat(response.has("patch")).isFalse();
    }

    @Test
    void namespaceOptInInjectsPodsWithoutAnnotationsAndAddsWholeArraysAndMaps() {
        JsonNode pod = injectAndApply("namespace-bare-pod.json", true);
        assertThat(pod.path("metadata").path("annotations").path("nexus.dev/injected").asText()).isEqualTo("true");
        assertThat(names(pod.path("spec").path("initContainers"))).containsExactly("nexus-ca-init", "nexus-proxy");
        assertThat(names(pod.path("spec").path("volumes"))).contains("nexus-ca", "nexus-policy");
        assertThat(named(pod.path("spec").path("volumes"), "nexus-policy").path("configMap").path("name").asText())
                .isEqualTo("nexus-proxy-policy");
        JsonNode runner = named(pod.path("spec").path("containers"), "runner");
        assertThat(env(runner, "REQUESTS_CA_BUNDLE")).isEqualTo(MERGED);
        assertThat(names(runner.path("volumeMounts"))).containsExactly("nexus-ca");
    }

    @Test
    void namespaceOptInRespectsAPodOptOut() {
        ObjectNode review = review("explicit-multi-container.json");
        ((ObjectNode) review.path("request").path("object").path("metadata").path("annotations")).put("nexus.dev/inject", "false");
        JsonNode response = handler.review(review, true).path("response");
        assertThat(response.path("allowed").asBoolean()).isTrue();
        assertThat(response.has("patch")).isFalse();
    }

    @Test
    void transparentModeIsRefusedWhenTheOperatorTurnedItOff() {
        ObjectNode review = review("transparent.json");
        JsonNode response = explicitOnlyHandler.review(review, false).path("response");
        assertThat(response.path("uid").asText()).isEqualTo(review.path("request").path("uid").asText());
        assertThat(response.path("allowed").asBoolean()).isFalse();
        assertThat(response.has("patch")).isFalse();
        assertThat(response.path("status").path("message").asText()).isEqualTo("nexus-proxy injector: annotation "
                + "nexus.dev/mode: transparent mode is turned off in this injector's configuration (allowTransparent: "
                + "false); use explicit mode (remove the annotation) or ask the cluster operator to allow transparent mode");
        // the namespace-label path refuses it the same way; explicit pods are still injected
        assertThat(explicitOnlyHandler.review(review("transparent.json"), true).path("response").path("allowed").asBoolean()).isFalse();
        assertThat(injectAndApply(explicitOnlyHandler, "explicit-multi-container.json", false).path("metadata")
                .path("annotations").path("nexus.dev/injected").asText()).isEqualTo("true");
    }

    @Test
    void transparentModeAddsTheIptablesInitContainerAndNoProxyVariables() {
        JsonNode pod = injectAndApply("transparent.json", false);
        JsonNode inits = pod.path("spec").path("initContainers");
        assertThat(names(inits)).containsExactly("nexus-ca-init", "nexus-iptables-init", "nexus-proxy", "migrate");
        JsonNode iptables = named(inits, "nexus-iptables-init");
        assertThat(iptables.has("restartPolicy")).isFalse();
        assertThat(iptables.path("securityContext").path("capabilities").path("add").toString())
                .isEqualTo("[\"NET_ADMIN\",\"NET_RAW\"]");
        assertThat(iptables.path("securityContext").path("capabilities").path("drop").toString()).isEqualTo("[\"ALL\"]");
        String script = iptables.path("command").get(2).asText();
        assertThat(script)
                .contains("iptables -t nat -A NEXUS_OUTPUT -m owner --uid-owner 1337 -j RETURN")
                .contains("iptables -t nat -A NEXUS_OUTPUT -d 10.96.0.0/12 -j RETURN")
                .contains("iptables -t nat -A NEXUS_OUTPUT -p tcp --dport 80 -j REDIRECT --to-ports 15080")
                .contains("iptables -t nat -A NEXUS_OUTPUT -p tcp --dport 443 -j REDIRECT --to-ports 15443")
                .contains("ip6tables -t nat -A OUTPUT -p tcp -j NEXUS_OUTPUT");
        JsonNode sidecar = named(inits, "nexus-proxy");
        assertThat(names(sidecar.path("ports"))).containsExactly("http-redirect", "https-redirect", "admin");
        JsonNode agent = named(pod.path("spec").path("containers"), "agent");
        assertThat(names(agent.path("env"))).doesNotContain("HTTPS_PROXY", "https_proxy", "NODE_USE_ENV_PROXY", "no_proxy");
        // the user's own HTTP_PROXY and NO_PROXY stay as they were in transparent mode
        assertThat(env(agent, "HTTP_PROXY")).isEqualTo("http://corp-proxy.example.com:8080");
        assertThat(env(agent, "SSL_CERT_FILE")).isEqualTo(MERGED);
        assertThat(env(agent, "JAVA_TOOL_OPTIONS")).contains("-Djavax.net.ssl.trustStore=").doesNotContain("proxyHost");
    }

    @Test
    void transparentSidecarEnablesTheListenersTheRulesRedirectToAndRunsAsTheExcludedUid() {
        JsonNode inits = injectAndApply("transparent.json", false).path("spec").path("initContainers");
        JsonNode sidecar = named(inits, "nexus-proxy");
        // config.yaml enables transparent.http and transparent.tls from these (see TransparentRedirect)
        assertThat(env(sidecar, "NEXUS_TRANSPARENT_ENABLED")).isEqualTo("true");
        assertThat(env(sidecar, "NEXUS_TRANSPARENT_HTTP_PORT")).isEqualTo("15080");
        assertThat(env(sidecar, "NEXUS_TRANSPARENT_TLS_PORT")).isEqualTo("15443");
        assertThat(named(sidecar.path("ports"), "http-redirect").path("containerPort").asInt()).isEqualTo(15080);
        assertThat(named(sidecar.path("ports"), "https-redirect").path("containerPort").asInt()).isEqualTo(15443);
        assertThat(sidecar.path("securityContext").path("runAsUser").asInt()).isEqualTo(1337);
        assertThat(named(inits, "nexus-iptables-init").path("command").get(2).asText())
                .contains("--uid-owner 1337 -j RETURN");
        // an explicit pod's sidecar leaves the listeners off
        JsonNode explicit = named(injectAndApply("explicit-multi-container.json", false).path("spec").path("initContainers"), "nexus-proxy");
        assertThat(names(explicit.path("env"))).doesNotContain("NEXUS_TRANSPARENT_ENABLED", "NEXUS_TRANSPARENT_HTTP_PORT");
    }

    @Test
    void transparentModeRefusesAppsRunningAsTheProxyUidBecauseTheyWouldBypassRedirection() {
        ObjectNode review = review("transparent.json");
        ((ObjectNode) review.path("request").path("object").path("spec")).putObject("securityContext").put("runAsUser", 1337);
        JsonNode response = handler.review(review, false).path("response");
        assertThat(response.path("allowed").asBoolean()).isFalse();
        assertThat(response.path("status").path("message").asText())
                .contains("container 'migrate' runs as uid 1337");

        ObjectNode overridden = review("transparent.json");
        ObjectNode spec = (ObjectNode) overridden.path("request").path("object").path("spec");
        spec.putObject("securityContext").put("runAsUser", 1337);
        for (JsonNode c : spec.path("initContainers")) {
            ((ObjectNode) c).putObject("securityContext").put("runAsUser", 1000);
        }
        for (JsonNode c : spec.path("containers")) {
            ((ObjectNode) c).putObject("securityContext").put("runAsUser", 1000);
        }
        assertThat(handler.review(overridden, false).path("response").path("allowed").asBoolean())
                .as("a container-level runAsUser overrides the pod's").isTrue();
    }

    @Test
    void unknownModeIsDeniedNamingTheAnnotationAndValue() {
        JsonNode response = handler.review(review("bad-mode.json"), false).path("response");
        assertThat(response.path("uid").asText()).isEqualTo("a1b2c3d4-0000-4000-8000-000000000004");
        assertThat(response.path("allowed").asBoolean()).isFalse();
        assertThat(response.has("patch")).isFalse();
        assertThat(response.path("status").path("message").asText()).isEqualTo(
                "nexus-proxy injector: annotation nexus.dev/mode has invalid value 'sidecarless': expected 'explicit' or 'transparent'");
    }

    @Test
    void unparseableQuantityIsDeniedNamingTheAnnotationAndValue() {
        JsonNode response = handler.review(review("bad-memory.json"), false).path("response");
        assertThat(response.path("allowed").asBoolean()).isFalse();
        assertThat(response.path("status").path("message").asText())
                .contains("annotation nexus.dev/proxy-memory has invalid value 'lots'");
    }

    @Test
    void invalidInjectValueAndHostNetworkAndReservedNamesAreDenied() {
        ObjectNode review = review("explicit-multi-container.json");
        ObjectNode annotations = (ObjectNode) review.path("request").path("object").path("metadata").path("annotations");
        annotations.put("nexus.dev/inject", "yes");
        assertThat(handler.review(review, false).path("response").path("status").path("message").asText())
                .contains("annotation nexus.dev/inject has invalid value 'yes'");

        annotations.put("nexus.dev/inject", "true");
        ((ObjectNode) review.path("request").path("object").path("spec")).put("hostNetwork", true);
        assertThat(handler.review(review, false).path("response").path("status").path("message").asText())
                .contains("hostNetwork");

        ObjectNode clash = review("explicit-multi-container.json");
        ((ObjectNode) clash.path("request").path("object").path("spec").path("volumes").get(0)).put("name", "nexus-ca");
        JsonNode response = handler.review(clash, false).path("response");
        assertThat(response.path("allowed").asBoolean()).isFalse();
        assertThat(response.path("status").path("message").asText()).contains("volume name 'nexus-ca' is reserved");
    }

    @Test
    void nonPodObjectsAndUpdatesPassUntouched() {
        ObjectNode review = review("explicit-multi-container.json");
        ((ObjectNode) review.path("request")).put("operation", "UPDATE");
        JsonNode response = handler.review(review, false).path("response");
        assertThat(response.path("allowed").asBoolean()).isTrue();
        assertThat(response.has("patch")).isFalse();
    }

    @Test
    void documentsThatAreNotAdmissionReviewsAreRejected() {
        ObjectNode review = review("explicit-multi-container.json");
        review.put("apiVersion", "admission.k8s.io/v1beta1");
        assertThatThrownBy(() -> handler.review(review, false)).hasMessageContaining("apiVersion admission.k8s.io/v1");
        ObjectNode noUid = review("explicit-multi-container.json");
        ((ObjectNode) noUid.path("request")).remove("uid");
        assertThatThrownBy(() -> handler.review(noUid, false)).hasMessage("request.uid is missing");
    }

    @Test
    void patchPathsEscapeSlashAndTilde() {
        assertThat(JsonPatch.escape("nexus.dev/injected")).isEqualTo("nexus.dev~1injected");
        assertThat(JsonPatch.escape("a~/b")).isEqualTo("a~0~1b");
    }

    private static void assertNoDuplicateNames(JsonNode env) {
        Set<String> seen = new HashSet<>();
        for (String name : names(env)) {
            assertThat(seen.add(name)).as("env var %s listed twice", name).isTrue();
        }
    }
}
