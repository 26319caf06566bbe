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
Common labels
*/}}
{{- define "nexus-proxy.labels" -}}
helm.sh/chart: {{ include "nexus-proxy.chart" . }}
{{ include "nexus-proxy.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Selector labels; the component tells the gateway and the injector apart.
*/}}
{{- define "nexus-proxy.selectorLabels" -}}
app.kubernetes.io/name: {{ include "nexus-proxy.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: {{ .Values.mode }}
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
The proxy's config.yaml. One place for the key names of the proxy configuration (see the README's
configuration reference); secrets are never written here, only ${VAR} references filled from Secrets.
Call with (dict "root" $ "listen" "0.0.0.0").
*/}}
{{- define "nexus-proxy.config" -}}
{{- $root := .root -}}
listen:
  address: {{ .listen | quote }}
  port: {{ $root.Values.proxy.port }}
admin:
  address: "0.0.0.0"
  port: {{ $root.Values.proxy.adminPort }}
accessLog:
  enabled: {{ $root.Values.proxy.accessLog }}
policy:
  path: /etc/nexus/policy
tls:
  ca:
    cert: /etc/nexus/ca/tls.crt
    key: /etc/nexus/ca/tls.key
{{- if $root.Values.authority.url }}
authority:
  source: nexus
  url: {{ $root.Values.authority.url | quote }}
  {{- if $root.Values.authority.apiKey.existingSecret }}
  apiKey: ${NEXUS_AUTHORITY_API_KEY}
  {{- end }}
{{- end }}
{{- if or $root.Values.redis.url $root.Values.redis.existingSecret }}
redis:
  url: ${NEXUS_REDIS_URL}
  {{- if $root.Values.redis.encryptionKey.existingSecret }}
  encryptionKey: ${NEXUS_REDIS_ENCRYPTION_KEY}
  {{- end }}
{{- end }}
{{- end }}

{{/*
Environment variables carrying secrets into the proxy, referenced as ${VAR} by the config.
*/}}
{{- define "nexus-proxy.secretEnv" -}}
{{- if .Values.authority.apiKey.existingSecret }}
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
{{- if .Values.redis.encryptionKey.existingSecret }}
- name: NEXUS_REDIS_ENCRYPTION_KEY
  valueFrom:
    secretKeyRef:
      name: {{ .Values.redis.encryptionKey.existingSecret }}
      key: {{ .Values.redis.encryptionKey.key }}
{{- end }}
{{- end }}

{{/*
Name of the webhook's serving certificate Secret.
*/}}
{{- define "nexus-proxy.webhookTlsSecret" -}}
{{- if .Values.injector.certificate.certManager.enabled }}
{{- printf "%s-webhook-tls" (include "nexus-proxy.fullname" .) }}
{{- else }}
{{- required "injector.certificate.existingSecret is required when cert-manager is disabled" .Values.injector.certificate.existingSecret }}
{{- end }}
{{- end }}
