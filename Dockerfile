# nexus-proxy container image.
#
#   docker build -t nexus-proxy .
#   docker run -p 3128:3128 -v $PWD/config.yaml:/etc/nexus/config.yaml:ro nexus-proxy --config /etc/nexus/config.yaml
#
# config.yaml follows docs/configuration.md; examples/compose/config.yaml is a complete one. Listening on
# 0.0.0.0 for other containers means listen.address: 0.0.0.0; give admin.token (or admin.token_file) so
# scrapers know it, else the proxy generates one into ./nexus-admin-token.
#
# One image serves every role: the sidecar and its init steps (trust bundle, iptables), the shared egress
# gateway and the injection webhook (`inject-webhook`). See docs/kubernetes.md.

# ---- build: Maven wrapper, dependencies cached in their own layer ----
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY .mvn/ .mvn/
COPY mvnw pom.xml ./
COPY policy-loader/pom.xml policy-loader/pom.xml
COPY proxy-core/pom.xml proxy-core/pom.xml
COPY proxy-server/pom.xml proxy-server/pom.xml
COPY benchmarks/pom.xml benchmarks/pom.xml
# Only the poms so far: building the empty modules downloads every dependency and plugin into this layer,
# which is rebuilt when a pom changes, not when code does. (dependency:go-offline trips over Netty's
# os-classified native artifacts, so a real build is the reliable warm-up.)
RUN ./mvnw -B -q -pl proxy-server -am package -DskipTests
COPY policy-loader/src policy-loader/src
COPY proxy-core/src proxy-core/src
COPY proxy-server/src proxy-server/src
RUN ./mvnw -B -q -pl proxy-server -am package -DskipTests

# ---- runtime: slim JRE, non-root ----
FROM eclipse-temurin:17-jre
# curl: the HEALTHCHECK below. iptables: the Kubernetes injector's transparent-mode init container runs
# the rules from `nexus-proxy iptables --print` with this image (see docs/kubernetes.md). Both are small
# and come from the distribution.
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl iptables \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 1337 nexus \
 && useradd --system --uid 1337 --gid 1337 --no-create-home --shell /usr/sbin/nologin nexus
COPY --from=build /src/proxy-server/target/nexus-proxy.jar /opt/nexus-proxy/nexus-proxy.jar
COPY bin/build-cds-archive /opt/nexus-proxy/build-cds-archive

# JVM flags for a container, the sidecar profile (the Helm chart's injector.sidecar.jvmOptions, the same string):
# C1 only (fast start, little JIT memory), the serial collector and one processor's worth of threads, every memory
# area bounded (heap a fifth of the memory limit, thread stacks, metaspace, code cache, direct buffers), exit (and
# get restarted) on OOM, and the class-data archive built below. The gateway overrides NEXUS_JVM_OPTS with
# throughput settings (see the Helm chart); docs/kubernetes.md explains each flag and the memory budget.
ENV NEXUS_JVM_OPTS="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:ActiveProcessorCount=1 -XX:MaxRAMPercentage=20 -Xms8m -Xmn4m -Xss256k -XX:MaxMetaspaceSize=48m -XX:ReservedCodeCacheSize=16m -XX:MaxDirectMemorySize=12m -XX:+ExitOnOutOfMemoryError -Xshare:auto -XX:SharedArchiveFile=/opt/nexus-proxy/nexus.jsa"
# The application class-data archive: one training start of this jar on this JVM (a few requests through each
# path), so the proxy maps its classes instead of loading them and is ready sooner.
RUN /opt/nexus-proxy/build-cds-archive /opt/nexus-proxy/nexus-proxy.jar /opt/nexus-proxy/nexus.jsa $NEXUS_JVM_OPTS

# 3128 explicit proxy, 9090 admin (/healthz, /readyz, /metrics), 8443 injection webhook, 15080/15443 the
# transparent listeners for iptables-redirected port 80/443 traffic (config section `transparent`, off by
# default; they bind 127.0.0.1 because REDIRECT delivers there, so they serve the container's own network
# namespace, never a published port).
EXPOSE 3128 9090 8443 15080 15443
USER 1337:1337
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD curl -fsS http://127.0.0.1:9090/healthz || exit 1
# exec: java is PID 1 and receives SIGTERM directly, so graceful drain works.
ENTRYPOINT ["/bin/sh", "-c", "exec java $NEXUS_JVM_OPTS -jar /opt/nexus-proxy/nexus-proxy.jar \"$@\"", "nexus-proxy"]
CMD ["--help"]
