{{/* Names ----------------------------------------------------------------------------- */}}

{{- define "gateway.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "gateway.fullname" -}}
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

{{- define "gateway.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "gateway.selectorLabels" -}}
app.kubernetes.io/name: {{ include "gateway.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: gateway
{{- end }}

{{- define "gateway.labels" -}}
helm.sh/chart: {{ include "gateway.chart" . }}
{{ include "gateway.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: gateway
{{- end }}

{{- define "gateway.redis.fullname" -}}
{{- printf "%s-redis" (include "gateway.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "gateway.redis.selectorLabels" -}}
app.kubernetes.io/name: {{ include "gateway.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: redis
{{- end }}

{{- define "gateway.redis.labels" -}}
helm.sh/chart: {{ include "gateway.chart" . }}
{{ include "gateway.redis.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.redis.embedded.image.tag | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: gateway
{{- end }}

{{- define "gateway.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "gateway.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "gateway.policyConfigMap" -}}
{{- if .Values.policy.existingConfigMap }}
{{- .Values.policy.existingConfigMap }}
{{- else }}
{{- printf "%s-policy" (include "gateway.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "gateway.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{/* The Secret the embedded Redis's password is generated into (without redis.embedded.existingSecret). */}}
{{- define "gateway.redis.generatedSecret" -}}
{{- include "gateway.redis.fullname" . }}
{{- end }}

{{/* The Secret and key holding the embedded Redis's password: the given one, else the generated one. */}}
{{- define "gateway.redis.embeddedSecret" -}}
{{- default (include "gateway.redis.generatedSecret" .) .Values.redis.embedded.existingSecret }}
{{- end }}
{{- define "gateway.redis.embeddedSecretKey" -}}
{{- if .Values.redis.embedded.existingSecret }}{{ .Values.redis.embedded.passwordKey }}{{ else }}redis-password{{ end }}
{{- end }}

{{/* The Redis endpoint the gateway connects to, host:port. */}}
{{- define "gateway.redis.endpoint" -}}
{{- if .Values.redis.embedded.enabled }}
{{- printf "%s:6379" (include "gateway.redis.fullname" .) }}
{{- else }}
{{- printf "%s:%d" .Values.redis.external.host (int .Values.redis.external.port) }}
{{- end }}
{{- end }}

{{/* The TCP ports the gateway reaches Redis on: the data servers' port and every endpoint's (a cluster's seeds, the sentinels), one per line. */}}
{{- define "gateway.redis.ports" -}}
{{- $ports := list (int .Values.redis.external.port) }}
{{- range .Values.redis.external.endpoints }}
{{- $ports = append $ports (int (regexFind "[0-9]+$" .)) }}
{{- end }}
{{- range ($ports | uniq) }}
{{ . }}
{{- end }}
{{- end }}

{{/* The Secret that keys.generate creates. */}}
{{- define "gateway.generatedKeysSecret" -}}
{{- printf "%s-keys" (include "gateway.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The Secret holding one key: its own, else keys.existingSecret, else the generated one. */}}
{{- define "gateway.keySecret" -}}
{{- $keys := .root.Values.keys }}
{{- if $keys.generate }}{{ include "gateway.generatedKeysSecret" .root }}{{ else }}{{ default $keys.existingSecret (get $keys .name) }}{{ end }}
{{- end }}

{{/* The Secret that receiptKeys.generate creates (without receiptKeys.existingSecret). */}}
{{- define "gateway.generatedReceiptKeysSecret" -}}
{{- printf "%s-receipt-keys" (include "gateway.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The Secret and key holding the receipt key ring (or PEM key): the given one, else the generated one. */}}
{{- define "gateway.receiptKeysSecret" -}}
{{- default (include "gateway.generatedReceiptKeysSecret" .) .Values.receiptKeys.existingSecret }}
{{- end }}
{{- define "gateway.receiptKeysKey" -}}
{{- if .Values.receiptKeys.existingSecret }}{{ .Values.receiptKeys.key }}{{ else }}receipt-key.pem{{ end }}
{{- end }}

{{/* Validation: fails the render with a message that names the values to set. ------------ */}}
{{- define "gateway.validate" -}}
{{- $v := .Values }}
{{- $r := $v.redis.external }}
{{- $external := or (ne $r.host "") (gt (len $r.endpoints) 0) }}
{{- $embedded := $v.redis.embedded.enabled }}
{{- if eq $v.store.kind "redis" }}
{{- if and $external $embedded }}
{{- fail "gateway: configure exactly one Redis: redis.external.host is set AND redis.embedded.enabled is true; unset one of them" }}
{{- end }}
{{- if not (or $external $embedded) }}
{{- fail "gateway: store.kind is redis but no Redis is configured; set redis.external.host (production) or redis.embedded.enabled=true (trials only)" }}
{{- end }}
{{- if $external }}
{{- if eq $r.topology "standalone" }}
{{- if or (eq $r.host "") (gt (len $r.endpoints) 0) }}
{{- fail "gateway: redis.external.topology standalone takes redis.external.host (and port), not endpoints; for a cluster's seeds or the sentinels set topology cluster or sentinel" }}
{{- end }}
{{- else if (eq (len $r.endpoints) 0) }}
{{- fail (printf "gateway: redis.external.topology %s needs redis.external.endpoints (host:port each: %s)" $r.topology (ternary "the cluster's seed list" "the sentinels" (eq $r.topology "cluster"))) }}
{{- end }}
{{- if and (ne $r.topology "standalone") (ne $r.host "") }}
{{- fail (printf "gateway: redis.external.host is for topology standalone only: topology %s reaches Redis through redis.external.endpoints (%s), and would ignore host %s; unset redis.external.host" $r.topology (ternary "the cluster's seed list" "the sentinels" (eq $r.topology "cluster")) $r.host) }}
{{- end }}
{{- if and (eq $r.topology "cluster") (ne (int $r.database) 0) }}
{{- fail "gateway: redis.external.topology cluster needs redis.external.database 0 (a cluster has no other)" }}
{{- end }}
{{- if and (eq $r.topology "sentinel") (eq $r.serviceName "") }}
{{- fail "gateway: redis.external.topology sentinel needs redis.external.serviceName (the name the sentinels monitor the primary under)" }}
{{- end }}
{{- if and (ne $r.topology "sentinel") (or $r.serviceName $r.sentinel.existingSecret $r.sentinel.user) }}
{{- fail "gateway: redis.external.serviceName and redis.external.sentinel.* need redis.external.topology sentinel" }}
{{- end }}
{{- if and $r.sentinel.user (not $r.sentinel.existingSecret) }}
{{- fail "gateway: redis.external.sentinel.user needs redis.external.sentinel.existingSecret (the sentinels' password)" }}
{{- end }}
{{- end }}
{{- else if eq $v.store.kind "memory" }}
{{- if or $external $embedded }}
{{- fail "gateway: store.kind is memory but a Redis is configured (redis.external.host or redis.embedded.enabled); use store.kind=redis or remove the Redis settings" }}
{{- end }}
{{- if or $v.autoscaling.enabled (ne (int $v.replicaCount) 1) }}
{{- fail (printf "gateway: store.kind=memory keeps nonces, limits, budgets and audit in one process, so it needs replicaCount=1 and autoscaling.enabled=false (got replicaCount=%d, autoscaling.enabled=%t); use Redis to scale" (int $v.replicaCount) $v.autoscaling.enabled) }}
{{- end }}
{{- end }}
{{- if $v.postgres.enabled }}
{{- $pe := $v.postgres.external }}
{{- $configured := 0 }}
{{- range $set := list $pe.existingSecret (gt (len $pe.hosts) 0) $v.postgres.embedded.enabled }}{{ if $set }}{{ $configured = add1 $configured }}{{ end }}{{ end }}
{{- if gt $configured 1 }}
{{- fail "gateway: configure exactly one PostgreSQL: more than one of postgres.external.existingSecret, postgres.external.hosts and postgres.embedded.enabled is set; keep one of them" }}
{{- end }}
{{- if eq $configured 0 }}
{{- fail "gateway: postgres.enabled but no PostgreSQL is configured; set postgres.external.existingSecret (a Secret with the connection string), postgres.external.hosts (with database, username and passwordSecret), or postgres.embedded.enabled=true (evaluation only)" }}
{{- end }}
{{- if and (gt (len $pe.hosts) 0) (not (and $pe.database $pe.username)) }}
{{- fail "gateway: postgres.external.hosts needs postgres.external.database and postgres.external.username" }}
{{- end }}
{{- if and (gt (len $pe.hosts) 0) (not (or $pe.passwordSecret $pe.tls.clientSecret)) }}
{{- fail "gateway: postgres.external.hosts needs a credential: postgres.external.passwordSecret, or a client certificate in postgres.external.tls.clientSecret" }}
{{- end }}
{{- end }}
{{- /* The migration mode: a clear message rather than the schema's (mode is a plain string there for this reason). */}}
{{- $mode := include "gateway.postgres.migrationModeSetting" . }}
{{- if not (has $mode (list "job" "onStart" "off")) }}
{{- fail (printf "gateway: postgres.migrations.mode must be job (a pre-install,pre-upgrade hook Job migrates before the pods start; the default), onStart (each pod migrates at start-up, inside the start-up probe's window: small databases only) or off (you run 'gatewayctl db migrate' first); got %q" $mode) }}
{{- end }}
{{- if and (not (kindIs "invalid" $v.postgres.migrateOnStart)) (ne $mode "job") (ne $mode (ternary "onStart" "off" (eq (toString $v.postgres.migrateOnStart) "true"))) }}
{{- fail (printf "gateway: postgres.migrateOnStart=%v (deprecated) disagrees with postgres.migrations.mode=%s; remove postgres.migrateOnStart and keep postgres.migrations.mode" $v.postgres.migrateOnStart $mode) }}
{{- end }}
{{- $keySecret := $v.keys.existingSecret }}
{{- if $v.keys.generate }}
{{- if or $keySecret $v.keys.dataEncryptionKeySecret $v.keys.decisionSigningKeySecret $v.keys.serviceKeySecret }}
{{- fail "gateway: keys.generate is for evaluation and cannot be combined with keys.existingSecret or a per-key Secret; choose one" }}
{{- end }}
{{- if $v.keys.dataEncryptionKeysRetiredKey }}
{{- fail "gateway: keys.generate makes no retired data keys; keys.dataEncryptionKeysRetiredKey needs keys.existingSecret (or keys.dataEncryptionKeySecret)" }}
{{- end }}
{{- else }}
{{- range $name := list "dataEncryptionKeySecret" "decisionSigningKeySecret" "serviceKeySecret" }}
{{- if not (or $keySecret (get $v.keys $name)) }}
{{- fail (printf "gateway: keys.existingSecret is not set; create a Secret with DATA_ENCRYPTION_KEY, DECISION_SIGNING_KEY and GATEWAY_SERVICE_KEY (see docs/operations.md) and set keys.existingSecret (or keys.%s). Only keys.generate (evaluation) generates keys" $name) }}
{{- end }}
{{- end }}
{{- end }}
{{- if not (or $v.receiptKeys.existingSecret $v.receiptKeys.generate) }}
{{- fail "gateway: receiptKeys.existingSecret is not set and receiptKeys.generate is false; the gateway refuses to start without receipt signing keys: create a Secret with a ring from 'gatewayctl keys init' (or a PEM ECDSA P-256 key) and set receiptKeys.existingSecret, or set receiptKeys.generate=true" }}
{{- end }}
{{- if and $v.ingress.enabled (not $v.ingress.hosts) }}
{{- fail "gateway: ingress.enabled needs at least one entry in ingress.hosts" }}
{{- end }}
{{- if and $v.httpRoute.enabled (not $v.httpRoute.parentRefs) }}
{{- fail "gateway: httpRoute.enabled needs httpRoute.parentRefs (the Gateway API Gateway to attach to)" }}
{{- end }}
{{- $npIn := $v.networkPolicy.ingress }}
{{- if and $v.networkPolicy.enabled (or $v.ingress.enabled $v.httpRoute.enabled) (not (or $npIn.namespaceSelector $npIn.podSelector $npIn.from)) }}
{{- fail "gateway: ingress.enabled or httpRoute.enabled sends traffic through a controller, which the NetworkPolicy (on by default: port 8080 from the release namespace only) would drop; name the controller's pods in networkPolicy.ingress.from (or namespaceSelector / podSelector), or set networkPolicy.enabled=false" }}
{{- end }}
{{- range $network := ($v.forwardedHeaders.knownNetworks | default list) }}
{{- $parts := splitList "/" $network }}
{{- if and (eq (len $parts) 2) (regexMatch "^(::|(0+:)+)" (first $parts)) (lt (atoi (last $parts)) 104) }}
{{- fail (printf "gateway: forwardedHeaders.knownNetworks %s is an IPv6 network at the start of the address space shorter than /104, which may span the IPv4-mapped range (::ffff:0:0/96 is every IPv4 client): the gateway refuses a network that trusts more than an IPv4 /8. Name the controller's own addresses (an IPv4 network, or ::ffff:a.b.c.d/104 or longer)" $network) }}
{{- end }}
{{- end }}
{{- if and (or $v.ingress.enabled $v.httpRoute.enabled) (not (or $v.forwardedHeaders.knownNetworks $v.forwardedHeaders.knownProxies)) }}
{{- fail "gateway: ingress.enabled or httpRoute.enabled puts a controller in front of the gateway, which then sees every client at the controller's address: the per-address limits (ten failed admin tokens a minute, the OAuth sign-up and authorization limits) would throttle every client together. Name the controller's pods in forwardedHeaders.knownNetworks (or its addresses in knownProxies): only those, never a range agents' pods are in" }}
{{- end }}
{{- if and $v.monitoring.serviceMonitor.enabled (not $v.metrics.enabled) (not $v.monitoring.serviceMonitor.selector) }}
{{- fail "gateway: monitoring.serviceMonitor scrapes the gateway's metrics port, but metrics.enabled is false; enable metrics or set monitoring.serviceMonitor.selector to a collector Service" }}
{{- end }}
{{- if not (or $v.policy.existingConfigMap $v.policy.bundle) }}
{{- fail "gateway: no policy bundle; set policy.bundle (file name -> YAML) or policy.existingConfigMap" }}
{{- end }}
{{- if and $v.policy.existingConfigMap $v.policy.bundle }}
{{- fail "gateway: set only one of policy.bundle and policy.existingConfigMap" }}
{{- end }}
{{- if and $v.policy.existingConfigMap $v.policy.rollOnChange }}
{{- fail "gateway: policy.rollOnChange needs policy.bundle (the chart cannot hash an existing ConfigMap)" }}
{{- end }}
{{- if and $v.autoscaling.enabled (gt (int $v.autoscaling.minReplicas) (int $v.autoscaling.maxReplicas)) }}
{{- fail "gateway: autoscaling.minReplicas is greater than autoscaling.maxReplicas" }}
{{- end }}
{{- if and $v.autoscaling.enabled (eq (int $v.autoscaling.targetCPUUtilizationPercentage) 0) (eq (int $v.autoscaling.targetMemoryUtilizationPercentage) 0) }}
{{- fail "gateway: autoscaling is enabled but neither targetCPUUtilizationPercentage nor targetMemoryUtilizationPercentage is set" }}
{{- end }}
{{- $mounts := dict }}
{{- range $v.credentials.secrets }}
{{- if hasKey $mounts .mountName }}
{{- fail (printf "gateway: credentials.secrets has mountName %q twice" .mountName) }}
{{- end }}
{{- $_ := set $mounts .mountName true }}
{{- end }}
{{- if and (ne $v.environment "Development") (not (include "gateway.publicBaseUrl" .)) }}
{{- fail "gateway: publicBaseUrl is required outside Development: the gateway's public origin as clients reach it, e.g. https://gateway.example.com (the OAuth issuer, token audiences and the console's redirect URI are spelled under it, never under a request's Host header)" }}
{{- end }}
{{- $publicUrl := include "gateway.publicBaseUrl" . }}
{{- $publicHost := lower (regexReplaceAll "^(?i:https?)://(\\[[^\\]]*\\]|[^:/?#]*).*$" $publicUrl "${1}") }}
{{- if and (ne $v.environment "Development") (regexMatch "^(?i:http)://" $publicUrl) (not (regexMatch "^(localhost|127\\.[0-9]+\\.[0-9]+\\.[0-9]+|\\[::1\\])$" $publicHost)) (not $v.allowPlainHttp) }}
{{- fail (printf "gateway: publicBaseUrl %s is plain http:// on a host other than loopback, which the gateway refuses outside Development: the console's cookies would not be Secure and tokens would cross the network in clear. Set publicBaseUrl to the https:// origin clients reach, or, where the network itself encrypts (a service mesh with sidecar mTLS), set allowPlainHttp=true" $publicUrl) }}
{{- end }}
{{- /* The pods' hardening: an override may add to podSecurityContext / securityContext, never weaken or drop these. */}}
{{- $psc := default dict $v.podSecurityContext }}
{{- $sc := default dict $v.securityContext }}
{{- if ne (toString (get $psc "runAsNonRoot")) "true" }}
{{- fail "gateway: podSecurityContext.runAsNonRoot must be true: the gateway runs as its image's non-root user (UID 1654); an override may change the UID, never drop or disable runAsNonRoot" }}
{{- end }}
{{- range $key, $want := dict "runAsNonRoot" "true" "readOnlyRootFilesystem" "true" "allowPrivilegeEscalation" "false" }}
{{- if ne (toString (get $sc $key)) $want }}
{{- fail (printf "gateway: securityContext.%s must be %s (got %s): the chart's hardening (non-root, read-only root filesystem, no privilege escalation, not privileged) cannot be weakened or dropped by an override" $key $want (get $sc $key | toString | default "unset")) }}
{{- end }}
{{- end }}
{{- if eq (toString (get $sc "privileged")) "true" }}
{{- fail "gateway: securityContext.privileged must not be true: the chart's hardening (non-root, read-only root filesystem, no privilege escalation, not privileged) cannot be weakened by an override" }}
{{- end }}
{{- $caps := default dict (get $sc "capabilities") }}
{{- if or (not (has "ALL" (default list (get $caps "drop")))) (get $caps "add") }}
{{- fail "gateway: securityContext.capabilities must drop ALL and add none: the gateway needs no Linux capability (it listens on an unprivileged port), and an override cannot give it one" }}
{{- end }}
{{- $podSeccomp := toString (get (default dict (get $psc "seccompProfile")) "type") }}
{{- if not (has $podSeccomp (list "RuntimeDefault" "Localhost")) }}
{{- fail (printf "gateway: podSecurityContext.seccompProfile.type must be RuntimeDefault or Localhost (got %s): the runtime's syscall filter cannot be turned off by an override" ($podSeccomp | default "unset")) }}
{{- end }}
{{- $containerSeccomp := toString (get (default dict (get $sc "seccompProfile")) "type") }}
{{- if and $containerSeccomp (not (has $containerSeccomp (list "RuntimeDefault" "Localhost"))) }}
{{- fail (printf "gateway: securityContext.seccompProfile.type must be RuntimeDefault or Localhost (got %s): the runtime's syscall filter cannot be turned off by an override" $containerSeccomp) }}
{{- end }}
{{- $drain := add (int $v.lifecycle.preStopSleepSeconds) (int $v.lifecycle.shutdownTimeoutSeconds) }}
{{- if le (int $v.terminationGracePeriodSeconds) $drain }}
{{- fail (printf "gateway: terminationGracePeriodSeconds (%d) must exceed lifecycle.preStopSleepSeconds (%d) plus lifecycle.shutdownTimeoutSeconds (%d) = %d, or the kubelet kills the pod (SIGKILL) while it still drains its requests and audit outcomes; raise terminationGracePeriodSeconds above %d or lower the other two" (int $v.terminationGracePeriodSeconds) (int $v.lifecycle.preStopSleepSeconds) (int $v.lifecycle.shutdownTimeoutSeconds) $drain $drain) }}
{{- end }}
{{- if not $v.image.repository }}
{{- fail "gateway: image.repository is not set, and no public image is published: build the image with 'make image' (artifacts/image/gateway-<appVersion>.oci.tar), push it to a registry your cluster pulls from (e.g. skopeo copy oci-archive:artifacts/image/gateway-<appVersion>.oci.tar docker://registry.example.com/gateway:<appVersion>) and set image.repository=registry.example.com/gateway (image.tag defaults to the chart's appVersion; docs/operations.md, section 1)" }}
{{- end }}
{{- if and $v.networkPolicy.enabled $v.metrics.enabled (not $v.networkPolicy.ingress.metricsFrom) }}
{{- fail (printf "gateway: metrics.enabled serves /metrics on port %d without authentication (every tenant's slugs, decision rates and pending approvals), and the NetworkPolicy has no scraper to admit there: name the metrics scraper in networkPolicy.ingress.metricsFrom (NetworkPolicyPeer entries, e.g. [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]), or set metrics.enabled=false. The chart no longer opens the port to every pod of the release namespace (the agents, by default) on its own; [{podSelector: {}}] does so explicitly" (int $v.metrics.port)) }}
{{- end }}
{{- /* The OTLP egress rule opens networkPolicy.egress.otlp.port only: the endpoint's port must be that one. The gateway
reads OTEL_EXPORTER_OTLP_ENDPOINT as a URL, so one without a port reaches its scheme's (80 for http, 443 for https),
never 4318 or 4317. */}}
{{- if and $v.networkPolicy.enabled $v.otel.endpoint }}
{{- $otlpUrl := urlParse $v.otel.endpoint }}
{{- $otlpPort := regexFind ":[0-9]+$" $otlpUrl.host | trimPrefix ":" }}
{{- $otlpPort = int (default (ternary "443" "80" (eq $otlpUrl.scheme "https")) $otlpPort) }}
{{- if ne $otlpPort (int $v.networkPolicy.egress.otlp.port) }}
{{- fail (printf "gateway: otel.endpoint %s reaches port %d, but the NetworkPolicy opens networkPolicy.egress.otlp.port %d to the collector, so it would drop every OTLP export (traces, logs, metrics) without an error; set networkPolicy.egress.otlp.port=%d, or name port %d in otel.endpoint. An endpoint without a port is its scheme's (80 for http, 443 for https), not 4318 or 4317" $v.otel.endpoint $otlpPort (int $v.networkPolicy.egress.otlp.port) $otlpPort (int $v.networkPolicy.egress.otlp.port)) }}
{{- end }}
{{- end }}
{{- end }}

{{/* OTEL_SERVICE_NAME (otel.serviceName, else the release name): service.name, and the `job` label of the gateway's
metrics on either path (the ServiceMonitor sets it on a direct scrape; a collector's Prometheus exporter makes
service.name the job). */}}
{{- define "gateway.otelServiceName" -}}
{{- default .Release.Name .Values.otel.serviceName }}
{{- end }}

{{/* The public origin: publicBaseUrl, else the deprecated mcp.publicBaseUrl. */}}
{{- define "gateway.publicBaseUrl" -}}
{{- default .Values.mcp.publicBaseUrl .Values.publicBaseUrl }}
{{- end }}

{{/* OTEL_RESOURCE_ATTRIBUTES: Kubernetes identity from the downward API, then the user's. */}}
{{- define "gateway.otelResourceAttributes" -}}
{{- $attrs := list "k8s.namespace.name=$(POD_NAMESPACE)" "k8s.pod.name=$(POD_NAME)" "k8s.node.name=$(NODE_NAME)" (printf "k8s.deployment.name=%s" (include "gateway.fullname" .)) }}
{{- range $k, $v := .Values.otel.resourceAttributes }}
{{- $attrs = append $attrs (printf "%s=%s" $k (toString $v)) }}
{{- end }}
{{- join "," $attrs }}
{{- end }}

{{/* PostgreSQL: the embedded instance's names and the Secret holding the connection string. */}}
{{- define "gateway.postgres.fullname" -}}
{{- printf "%s-postgres" (include "gateway.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "gateway.postgres.selectorLabels" -}}
app.kubernetes.io/name: {{ include "gateway.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: postgres
{{- end }}

{{- define "gateway.postgres.labels" -}}
helm.sh/chart: {{ include "gateway.chart" . }}
{{ include "gateway.postgres.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.postgres.embedded.image.tag | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: gateway
{{- end }}

{{/*
The Npgsql connection string the chart writes from postgres.external.hosts: no secret in it (the password is mounted
apart: Gateway:Store:Postgres:PasswordFile), every host listed, the writable primary targeted, TLS files mounted.
*/}}
{{- define "gateway.postgres.connectionString" -}}
{{- $pe := .Values.postgres.external -}}
Host={{ join "," $pe.hosts }};Database={{ $pe.database }};Username={{ $pe.username }};Target Session Attributes={{ $pe.targetSessionAttributes }};Host Recheck Seconds={{ $pe.hostRecheckSeconds }};SSL Mode={{ $pe.tls.sslMode }}
{{- if $pe.tls.caSecret }};Root Certificate=/var/run/gateway/postgres-tls/ca/{{ $pe.tls.caKey }}{{ end }}
{{- if $pe.tls.clientSecret }};SSL Certificate=/var/run/gateway/postgres-tls/client/tls.crt;SSL Key=/var/run/gateway/postgres-tls/client/tls.key{{ end }}
{{- end }}

{{- define "gateway.postgres.secret" -}}
{{- if .Values.postgres.embedded.enabled }}{{ include "gateway.postgres.fullname" . }}{{ else }}{{ .Values.postgres.external.existingSecret }}{{ end }}
{{- end }}

{{- define "gateway.postgres.secretKey" -}}
{{- if .Values.postgres.embedded.enabled }}connection-string{{ else }}{{ .Values.postgres.external.connectionStringKey }}{{ end }}
{{- end }}

{{/*
How pending schema migrations are applied: job, onStart or off. postgres.migrations.mode, except that the deprecated
postgres.migrateOnStart, when set, still decides beside the default mode job (true: onStart, false: off), and that the
embedded PostgreSQL (created by the same release, so not there yet when a pre-install hook runs) migrates on start.
*/}}
{{- define "gateway.postgres.migrationMode" -}}
{{- $p := .Values.postgres }}
{{- $mode := include "gateway.postgres.migrationModeSetting" . }}
{{- if and (eq $mode "job") (not (kindIs "invalid" $p.migrateOnStart)) }}
{{- $mode = ternary "onStart" "off" (eq (toString $p.migrateOnStart) "true") }}
{{- end }}
{{- if and (eq $mode "job") $p.embedded.enabled }}onStart{{ else }}{{ $mode }}{{ end }}
{{- end }}

{{/* postgres.migrations.mode as written: YAML reads an unquoted `mode: off` as false, which means off too. */}}
{{- define "gateway.postgres.migrationModeSetting" -}}
{{- $m := .Values.postgres.migrations.mode }}
{{- if and (kindIs "bool" $m) (not $m) }}off{{ else }}{{ toString $m }}{{ end }}
{{- end }}

{{/* The migration Job's names and labels (its own component: the gateway's Service and policies never select it). */}}
{{- define "gateway.migrate.fullname" -}}
{{- printf "%s-migrate" (include "gateway.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "gateway.migrate.selectorLabels" -}}
app.kubernetes.io/name: {{ include "gateway.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: migrate
{{- end }}

{{- define "gateway.migrate.labels" -}}
helm.sh/chart: {{ include "gateway.chart" . }}
{{ include "gateway.migrate.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: gateway
{{- end }}

{{/* The TCP ports PostgreSQL is reached on (the gateway's and the migration Job's egress): an external one's
networkPolicy.egress.postgres.ports when set (the port of postgres.external.existingSecret's connection string cannot be
read), else each port postgres.external.hosts names, else 5432; one per line. */}}
{{- define "gateway.postgres.ports" -}}
{{- $ports := list }}
{{- $named := .Values.networkPolicy.egress.postgres.ports }}
{{- if and $named (not .Values.postgres.embedded.enabled) }}
{{- range $named }}
{{- $ports = append $ports (toString .) }}
{{- end }}
{{- end }}
{{- if not $ports }}
{{- range .Values.postgres.external.hosts }}
{{- $parts := splitList ":" . }}
{{- $ports = append $ports (ternary (last $parts) "5432" (eq (len $parts) 2)) }}
{{- end }}
{{- end }}
{{- range (default (list "5432") ($ports | uniq)) }}
{{ int . }}
{{- end }}
{{- end }}

{{/* The PostgreSQL connection as env entries (the gateway's and the migration Job's): no secret in a value. */}}
{{- define "gateway.postgres.connectionEnv" -}}
{{- if .Values.postgres.external.hosts }}
- name: Gateway__Store__Postgres__ConnectionString
  value: {{ include "gateway.postgres.connectionString" . | quote }}
{{- if .Values.postgres.external.passwordSecret }}
- name: Gateway__Store__Postgres__PasswordFile
  value: /var/run/gateway/postgres-password/password
{{- end }}
{{- else }}
- name: Gateway__Store__Postgres__ConnectionStringFile
  value: /var/run/gateway/postgres/connection-string
{{- end }}
{{- end }}

{{/* The PostgreSQL connection's files: the container's volumeMounts entries, then the pod's volumes entries. */}}
{{- define "gateway.postgres.volumeMounts" -}}
{{- with .Values.postgres.external }}
{{- if .hosts }}
{{- if .passwordSecret }}
- name: postgres-password
  mountPath: /var/run/gateway/postgres-password
  readOnly: true
{{- end }}
{{- if .tls.caSecret }}
- name: postgres-ca
  mountPath: /var/run/gateway/postgres-tls/ca
  readOnly: true
{{- end }}
{{- if .tls.clientSecret }}
- name: postgres-client-certificate
  mountPath: /var/run/gateway/postgres-tls/client
  readOnly: true
{{- end }}
{{- else }}
- name: postgres-connection
  mountPath: /var/run/gateway/postgres
  readOnly: true
{{- end }}
{{- end }}
{{- end }}

{{- define "gateway.postgres.volumes" -}}
{{- with .Values.postgres.external }}
{{- if .hosts }}
{{- if .passwordSecret }}
- name: postgres-password
  secret:
    secretName: {{ .passwordSecret }}
    defaultMode: 0440
    items:
      - key: {{ .passwordKey }}
        path: password
{{- end }}
{{- if .tls.caSecret }}
- name: postgres-ca
  secret:
    secretName: {{ .tls.caSecret }}
    defaultMode: 0444
    items:
      - key: {{ .tls.caKey }}
        path: {{ .tls.caKey }}
{{- end }}
{{- if .tls.clientSecret }}
- name: postgres-client-certificate
  secret:
    secretName: {{ .tls.clientSecret }}
    defaultMode: 0440
    items:
      - key: tls.crt
        path: tls.crt
      - key: tls.key
        path: tls.key
{{- end }}
{{- else }}
- name: postgres-connection
  secret:
    secretName: {{ include "gateway.postgres.secret" $ }}
    defaultMode: 0440
    items:
      - key: {{ include "gateway.postgres.secretKey" $ }}
        path: connection-string
{{- end }}
{{- end }}
{{- end }}
