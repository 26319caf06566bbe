{{/*
Expand the name of the chart.
*/}}
{{- define "nexus-proxy.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Create a default fully qualified app name (63 characters at most: some Kubernetes name fields are limited to this).
If the release name contains the chart name it is used as the full name.
*/}}
{{- define "nexus-proxy.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Create chart name and version as used by the chart label.
*/}}
{{- define "nexus-proxy.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels of the release's main component (the gateway or the injector).
*/}}
{{- define "nexus-proxy.labels" -}}
{{- include "nexus-proxy.componentLabels" (dict "root" . "component" .Values.mode) }}
{{- end }}

{{/*
Selector labels of the main component; the component tells the gateway and the injector apart.
*/}}
{{- define "nexus-proxy.selectorLabels" -}}
{{- include "nexus-proxy.componentSelectorLabels" (dict "root" . "component" .Values.mode) }}
{{- end }}

{{/*
Common labels of one component: call with (dict "root" $ "component" "redis").
*/}}
{{- define "nexus-proxy.componentLabels" -}}
helm.sh/chart: {{ include "nexus-proxy.chart" .root }}
{{ include "nexus-proxy.componentSelectorLabels" . }}
{{- if .root.Chart.AppVersion }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- end }}

{{/*
Selector labels of one component: call with (dict "root" $ "component" "redis").
*/}}
{{- define "nexus-proxy.componentSelectorLabels" -}}
app.kubernetes.io/name: {{ include "nexus-proxy.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/*
Create the name of the service account to use
*/}}
{{- define "nexus-proxy.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "nexus-proxy.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The proxy image reference.
*/}}
{{- define "nexus-proxy.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/*
Name of the policy ConfigMap mounted into gateway pods.
*/}}
{{- define "nexus-proxy.policyConfigMap" -}}
{{- default (printf "%s-policy" (include "nexus-proxy.fullname" .)) .Values.policy.existingConfigMap }}
{{- end }}

{{/*
The proxy's config.yaml, in the schema of docs/configuration.md. Secrets are never written here, only
${VAR} references filled from Secrets by "nexus-proxy.secretEnv". Call with
(dict "root" $ "listen" "0.0.0.0"), adding "sidecar" true for the injector's sidecar ConfigMap, which then
gets the transparent listeners. The admin listener binds 0.0.0.0 in both shapes so the kubelet's
probes reach it. Its token (needed for /admin/* always and for /metrics from off loopback) is read from
a file: an init step copies it from the proxy.adminToken Secret into a memory volume that only the proxy
container mounts, so it is never in any container's environment and never mounted into an agent. GatewayChartTest and InjectorChartTest load what this renders with the proxy's own ConfigLoader.
*/}}
{{- define "nexus-proxy.config" -}}
{{- $root := .root -}}
{{- $v := $root.Values -}}
listen:
  address: {{ .listen | quote }}
  port: {{ $v.proxy.port }}
admin:
  address: "0.0.0.0"
  port: {{ $v.proxy.adminPort }}
  # A private copy (0600, owned by the proxy) of the proxy.adminToken Secret, made by an init step.
  token_file: /etc/nexus/private/admin-token
access_log:
  enabled: {{ $v.proxy.accessLog }}
timeouts:
  shutdown_drain: {{ $v.proxy.shutdownDrain | quote }}
policy:
  path: /etc/nexus/policy
authority:
{{- if $v.authority.url }}
  type: nexus
  nexus:
    url: {{ $v.authority.url | quote }}
    api_key: "${NEXUS_AUTHORITY_API_KEY}"
{{- else }}
  type: file
  file:
    path: /etc/nexus/credentials/{{ $v.authority.file.key }}
    # A Secret volume cannot give uid 1337 a 0600 file: the kubelet adds group read for the pod's
    # fsGroup. Only the proxy container mounts this Secret.
    allow_insecure_permissions: true
{{- end }}
{{- if include "nexus-proxy.usesRedis" $root }}
redis:
  {{- if $v.redis.deploy.enabled }}
  url: {{ include "nexus-proxy.deployedRedisUrl" $root | quote }}
  {{- else }}
  url: "${NEXUS_REDIS_URL}"
  {{- end }}
  encryption_keys:
    {{ $v.redis.encryptionKey.id }}: "${NEXUS_REDIS_ENCRYPTION_KEY}"
  namespace: {{ $v.redis.namespace | quote }}
{{- end }}
tls:
  ca_cert: /etc/nexus/ca/tls.crt
  # A private copy of the Secret's tls.key (0600, owned by the proxy), made by an init step: the
  # proxy refuses a CA key that group or others may read, which a Secret volume cannot avoid.
  ca_key: /etc/nexus/private/tls.key
  {{- if .sidecar }}
  # A sidecar serves one pod's agent, which calls a handful of hosts: 64 cached leaves (~64 KiB each, most of it
  # native TLS state) keep it within its memory limit (docs/kubernetes.md, "JVM profiles").
  leaf_cache_size: 64
  {{- end }}
{{- if .sidecar }}
# Transparent mode (sidecar only): off unless the injector sets these variables, which it does in pods
# annotated nexus.dev/mode: transparent, with the ports its iptables init container redirects 80 and 443
# to. The listeners bind 127.0.0.1 (the default), where REDIRECT from OUTPUT delivers.
transparent:
  http:
    enabled: "${NEXUS_TRANSPARENT_ENABLED:-false}"
    port: "${NEXUS_TRANSPARENT_HTTP_PORT:-{{ $v.injector.sidecar.transparent.httpPort }}}"
  tls:
    enabled: "${NEXUS_TRANSPARENT_ENABLED:-false}"
    port: "${NEXUS_TRANSPARENT_TLS_PORT:-{{ $v.injector.sidecar.transparent.httpsPort }}}"
{{- end }}
{{- end }}

{{/*
Fails the render with a clear message when a value the chosen shape needs is missing. Included by every
template that reads such a value, so the message is the same whichever template Helm renders first.
*/}}
{{- define "nexus-proxy.validate" -}}
{{- $v := .Values -}}
{{- if not $v.proxy.adminToken.existingSecret }}
{{- fail "proxy.adminToken.existingSecret is required: the admin port listens on 0.0.0.0 for the kubelet's probes, and its connection endpoints and off-loopback metrics need a bearer token (a Secret with at least 16 characters under proxy.adminToken.key)" }}
{{- end }}
{{- if $v.authority.url }}
{{- if not $v.authority.apiKey.existingSecret }}
{{- fail "authority.apiKey.existingSecret is required with authority.url: the proxy needs an API key for the Nexus Authority" }}
{{- end }}
{{- else if eq $v.mode "injector" }}
{{- fail "authority.url is required in injector mode: sidecars take credentials from a Nexus Authority (the file credential source is for a gateway or local development)" }}
{{- else if not $v.authority.file.existingSecret }}
{{- fail "set authority.url (a Nexus Authority) or authority.file.existingSecret (a Secret holding a credentials file)" }}
{{- end }}
{{- if $v.redis.deploy.enabled }}
{{- if ne $v.mode "gateway" }}
{{- fail "redis.deploy.enabled is for the gateway mode: sidecars run in the agents' namespaces, so give them a Redis they can reach with redis.url or redis.existingSecret" }}
{{- end }}
{{- if or $v.redis.url $v.redis.existingSecret }}
{{- fail "redis.deploy.enabled and redis.url/redis.existingSecret exclude each other: the proxy uses either the Redis this chart deploys or an external one, so unset one of them" }}
{{- end }}
{{- end }}
{{- if and (include "nexus-proxy.usesRedis" .) (not $v.redis.encryptionKey.existingSecret) }}
{{- fail "redis.encryptionKey.existingSecret is required with Redis: leases are encrypted before they reach Redis" }}
{{- end }}
{{- if and (eq $v.mode "injector") (not $v.injector.certificate.certManager.enabled) }}
{{- if not $v.injector.certificate.existingSecret }}
{{- fail "injector.certificate.existingSecret is required when cert-manager is disabled: the webhook's serving certificate (kubernetes.io/tls Secret)" }}
{{- end }}
{{- if not $v.injector.certificate.caBundle }}
{{- fail "injector.certificate.caBundle is required when cert-manager is disabled: the API server verifies the webhook with it" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Environment variables carrying secrets into the proxy, referenced as ${VAR} by the config.
*/}}
{{- define "nexus-proxy.secretEnv" -}}
{{- if .Values.authority.url }}
- name: NEXUS_AUTHORITY_API_KEY
  valueFrom:
    secretKeyRef:
      name: {{ .Values.authority.apiKey.existingSecret }}
      key: {{ .Values.authority.apiKey.key }}
{{- end }}
{{- if .Values.redis.existingSecret }}
- name: NEXUS_REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.redis.existingSecret }}
      key: {{ .Values.redis.urlKey }}
{{- else if .Values.redis.url }}
- name: NEXUS_REDIS_URL
  value: {{ .Values.redis.url | quote }}
{{- end }}
{{- if and .Values.redis.deploy.enabled .Values.redis.deploy.auth.existingSecret }}
- name: NEXUS_REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.redis.deploy.auth.existingSecret }}
      key: {{ .Values.redis.deploy.auth.key }}
{{- end }}
{{- if include "nexus-proxy.usesRedis" . }}
- name: NEXUS_REDIS_ENCRYPTION_KEY
  valueFrom:
    secretKeyRef:
      name: {{ .Values.redis.encryptionKey.existingSecret }}
      key: {{ .Values.redis.encryptionKey.key }}
{{- end }}
{{- end }}

{{/*
"true" when the proxy uses Redis: an external one (URL or Secret) or the one this chart deploys; else empty.
*/}}
{{- define "nexus-proxy.usesRedis" -}}
{{- if or .Values.redis.url .Values.redis.existingSecret .Values.redis.deploy.enabled }}true{{ end }}
{{- end }}

{{/*
Name of the Redis Deployment and Service (redis.deploy.enabled), within the 63 characters of a Service name.
*/}}
{{- define "nexus-proxy.redisName" -}}
{{- printf "%s-redis" (include "nexus-proxy.fullname" . | trunc 57 | trimSuffix "-") }}
{{- end }}

{{/*
The URL of the Redis this chart deploys: its Service in the release namespace, with the password the
proxy reads from the environment when redis.deploy.auth names a Secret.
*/}}
{{- define "nexus-proxy.deployedRedisUrl" -}}
{{- $auth := ternary ":${NEXUS_REDIS_PASSWORD}@" "" (ne .Values.redis.deploy.auth.existingSecret "") -}}
redis://{{ $auth }}{{ include "nexus-proxy.redisName" . }}.{{ .Release.Namespace }}.svc:6379
{{- end }}

{{/*
Name of the webhook's serving certificate Secret.
*/}}
{{- define "nexus-proxy.webhookTlsSecret" -}}
{{- if .Values.injector.certificate.certManager.enabled }}
{{- printf "%s-webhook-tls" (include "nexus-proxy.fullname" .) }}
{{- else }}
{{- .Values.injector.certificate.existingSecret }}
{{- end }}
{{- end }}
