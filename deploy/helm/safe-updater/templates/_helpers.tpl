{{/* Names and labels */}}
{{- define "safe-updater.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "safe-updater.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 52 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "safe-updater.selectorLabels" -}}
app.kubernetes.io/name: {{ include "safe-updater.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "safe-updater.labels" -}}
{{ include "safe-updater.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "safe-updater.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "safe-updater.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "safe-updater.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* Refuses value combinations that cannot work, with the reason. */}}
{{- define "safe-updater.validate" -}}
{{- if and (gt (int .Values.replicas) 1) (eq .Values.database.type "embedded") -}}
{{- fail "replicas > 1 needs database.type=postgres: the embedded H2 database is a file one process opens" -}}
{{- end -}}
{{- if eq .Values.rbac.scope "namespaced" -}}
{{- if not .Values.inventory.namespaces.include -}}
{{- fail "rbac.scope=namespaced needs the namespaces to track in inventory.namespaces.include" -}}
{{- end -}}
{{- range .Values.inventory.namespaces.include -}}
{{- if or (contains "*" .) (contains "?" .) -}}
{{- fail (printf "rbac.scope=namespaced needs literal namespace names in inventory.namespaces.include, not the glob %q (a glob needs cluster-wide list rights: use rbac.scope=cluster)" .) -}}
{{- end -}}
{{- end -}}
{{- if .Values.inventory.namespaces.exclude -}}
{{- fail "rbac.scope=namespaced: inventory.namespaces.exclude must be empty (name the namespaces to track in include)" -}}
{{- end -}}
{{- end -}}
{{- if and .Values.inventory.pullSecrets.enabled (not .Values.inventory.pullSecrets.names) -}}
{{- fail "inventory.pullSecrets.enabled needs inventory.pullSecrets.names: the role may read those Secrets only" -}}
{{- end -}}
{{- if and (eq .Values.mode "server") (not .Values.auth.tokensSecret) (not .Values.auth.disabled) -}}
{{- fail "the server needs API tokens (auth.tokensSecret), or auth.disabled=true to serve without them" -}}
{{- end -}}
{{- end -}}

{{/* group and resource of each workload kind the inventory reads */}}
{{- define "safe-updater.kindResources" -}}
{{- $map := dict "Deployment" "apps/deployments" "StatefulSet" "apps/statefulsets" "DaemonSet" "apps/daemonsets" "CronJob" "batch/cronjobs" -}}
{{- $apps := list -}}
{{- $batch := list -}}
{{- range .Values.inventory.kubernetes.kinds -}}
{{- $gr := get $map . | required (printf "inventory.kubernetes.kinds: unknown kind %q (Deployment, StatefulSet, DaemonSet, CronJob)" .) -}}
{{- if hasPrefix "apps/" $gr -}}{{- $apps = append $apps (trimPrefix "apps/" $gr) -}}{{- else -}}{{- $batch = append $batch (trimPrefix "batch/" $gr) -}}{{- end -}}
{{- end -}}
{{- toJson (dict "apps" $apps "batch" $batch) -}}
{{- end -}}

{{/*
The role's rules, the same for the ClusterRole and for each namespaced Role. Least privilege: list/watch the
workload kinds the inventory reads (+ list pods: the digest a mutable tag really runs); get/patch on those kinds
only when applying is on (+ list jobs with CronJobs: a CronJob update is verified by its next Job); Secrets: get on the named pull secrets only when they are read, list only for Helm.
*/}}
{{- define "safe-updater.rbacRules" -}}
{{- $k := include "safe-updater.kindResources" . | fromJson -}}
{{- if .Values.inventory.kubernetes.enabled -}}
{{- if $k.apps }}
- apiGroups: ["apps"]
  resources: {{ toJson $k.apps }}
  verbs: ["list", "watch"]
{{- end }}
{{- if $k.batch }}
- apiGroups: ["batch"]
  resources: {{ toJson $k.batch }}
  verbs: ["list", "watch"]
{{- end }}
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["list"]
{{- if .Values.apply.enabled }}
{{- if $k.apps }}
- apiGroups: ["apps"]
  resources: {{ toJson $k.apps }}
  verbs: ["get", "patch"]
{{- end }}
{{- if $k.batch }}
- apiGroups: ["batch"]
  resources: {{ toJson $k.batch }}
  verbs: ["get", "patch"]
- apiGroups: ["batch"]
  resources: ["jobs"]
  verbs: ["list"]
{{- end }}
{{- end }}
{{- if .Values.inventory.pullSecrets.enabled }}
- apiGroups: [""]
  resources: ["secrets"]
  resourceNames: {{ toJson .Values.inventory.pullSecrets.names }}
  verbs: ["get"]
{{- end }}
{{- end }}
{{- if .Values.inventory.helm.enabled }}
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["list"]
{{- end }}
{{- end -}}

{{/* The sources file written from .Values.inventory (docs/inventory.md). */}}
{{- define "safe-updater.inventoryFile" -}}
{{- $inv := .Values.inventory -}}
{{- $sources := list -}}
{{- $ns := dict "include" $inv.namespaces.include -}}
{{- if $inv.namespaces.exclude -}}{{- $_ := set $ns "exclude" $inv.namespaces.exclude -}}{{- end -}}
{{- if $inv.kubernetes.enabled -}}
{{- $name := default $inv.cluster $inv.sourceName -}}
{{- $k := dict "name" $name "type" "kubernetes" "cluster" $inv.cluster "inCluster" true "namespaces" $ns "kinds" $inv.kubernetes.kinds "requireOptIn" $inv.kubernetes.requireOptIn "initContainers" $inv.kubernetes.initContainers "pageSize" $inv.kubernetes.pageSize "pullSecrets" $inv.pullSecrets.enabled "watch" (and $inv.kubernetes.watch (eq .Values.mode "server")) -}}
{{- if $inv.kubernetes.labelSelector -}}{{- $_ := set $k "labelSelector" $inv.kubernetes.labelSelector -}}{{- end -}}
{{- $sources = append $sources $k -}}
{{- end -}}
{{- if $inv.helm.enabled -}}
{{- $h := dict "name" (printf "%s-helm" (default $inv.cluster $inv.sourceName)) "type" "helm" "cluster" $inv.cluster "inCluster" true "namespaces" $ns -}}
{{- if $inv.helm.chartSources -}}{{- $_ := set $h "chartSources" $inv.helm.chartSources -}}{{- end -}}
{{- $sources = append $sources $h -}}
{{- end -}}
{{- $sources = concat $sources $inv.extraSources -}}
{{- toYaml (dict "sources" $sources) -}}
{{- end -}}

{{/* The container, shared by the Deployment and the CronJob. */}}
{{- define "safe-updater.container" -}}
- name: safe-updater
  image: {{ include "safe-updater.image" . | quote }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  {{- if eq .Values.mode "server" }}
  args: ["serve"]
  ports:
    - name: http
      containerPort: 8080
  {{- else }}
  args: ["run", "--once"]
  {{- end }}
  env:
    {{- if eq .Values.database.type "postgres" }}
    - name: SAFE_UPDATER_DB_URL
      valueFrom:
        secretKeyRef: {name: {{ .Values.database.postgres.existingSecret | quote }}, key: {{ .Values.database.postgres.urlKey | quote }}}
    - name: SAFE_UPDATER_DB_USER
      valueFrom:
        secretKeyRef: {name: {{ .Values.database.postgres.existingSecret | quote }}, key: {{ .Values.database.postgres.userKey | quote }}}
    - name: SAFE_UPDATER_DB_PASSWORD
      valueFrom:
        secretKeyRef: {name: {{ .Values.database.postgres.existingSecret | quote }}, key: {{ .Values.database.postgres.passwordKey | quote }}}
    {{- else }}
    - name: SAFE_UPDATER_DB_URL
      value: jdbc:h2:file:/app/data/safe-updater
    {{- end }}
    {{- if eq .Values.mode "server" }}
    {{- if .Values.auth.tokensSecret }}
    - name: SAFE_UPDATER_AUTH_TOKENS_FILE
      value: /etc/safe-updater/auth/tokens.yaml
    {{- end }}
    {{- if .Values.auth.disabled }}
    - name: SAFE_UPDATER_AUTH_DISABLED
      value: "true"
    {{- end }}
    - name: SAFE_UPDATER_CYCLE_INTERVAL
      value: {{ .Values.cycle.interval | toString | quote }}
    {{- end }}
    - name: SAFE_UPDATER_INVENTORY_FILE
      value: /etc/safe-updater/inventory/inventory.yaml
    - name: SAFE_UPDATER_RULES_DIR
      value: /etc/safe-updater/rules
    - name: SAFE_UPDATER_POLICIES_DIR
      value: /etc/safe-updater/policies
    - name: SAFE_UPDATER_APPLY_ENABLED
      value: {{ .Values.apply.enabled | toString | quote }}
    {{- if .Values.registry.dockerConfigSecret }}
    - name: SAFE_UPDATER_REGISTRY_DOCKER_CONFIG
      value: /etc/safe-updater/docker/config.json
    {{- end }}
    {{- range $key, $value := .Values.settings }}
    - name: {{ printf "SAFE_UPDATER_%s" ($key | upper | replace "." "_" | replace "-" "_") }}
      value: {{ $value | toString | quote }}
    {{- end }}
    {{- with .Values.extraEnv }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- if eq .Values.mode "server" }}
  startupProbe:
    httpGet: {path: /observe/health/live, port: http}
    {{- toYaml .Values.probes.startup | nindent 4 }}
  readinessProbe:
    httpGet: {path: /observe/health/ready, port: http}
    {{- toYaml .Values.probes.readiness | nindent 4 }}
  livenessProbe:
    httpGet: {path: /observe/health/live, port: http}
    {{- toYaml .Values.probes.liveness | nindent 4 }}
  {{- end }}
  resources:
    {{- toYaml .Values.resources | nindent 4 }}
  securityContext:
    {{- toYaml .Values.securityContext | nindent 4 }}
  volumeMounts:
    - {name: inventory, mountPath: /etc/safe-updater/inventory, readOnly: true}
    - {name: rules, mountPath: /etc/safe-updater/rules, readOnly: true}
    - {name: policies, mountPath: /etc/safe-updater/policies, readOnly: true}
    {{- if and (eq .Values.mode "server") .Values.auth.tokensSecret }}
    - {name: tokens, mountPath: /etc/safe-updater/auth, readOnly: true}
    {{- end }}
    {{- if .Values.registry.dockerConfigSecret }}
    - {name: docker-config, mountPath: /etc/safe-updater/docker, readOnly: true}
    {{- end }}
    {{- if eq .Values.database.type "embedded" }}
    - {name: data, mountPath: /app/data}
    {{- end }}
    - {name: tmp, mountPath: /tmp}
{{- end -}}

{{/* The pod spec, shared by the Deployment and the CronJob. */}}
{{- define "safe-updater.podSpec" -}}
serviceAccountName: {{ include "safe-updater.serviceAccountName" . }}
{{- if eq .Values.mode "cronjob" }}
restartPolicy: Never
{{- end }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
containers:
  {{- include "safe-updater.container" . | nindent 2 }}
volumes:
  - name: inventory
    configMap: {name: {{ default (printf "%s-inventory" (include "safe-updater.fullname" .)) .Values.inventory.existingConfigMap | quote }}}
  - name: rules
    configMap: {name: {{ default (printf "%s-rules" (include "safe-updater.fullname" .)) .Values.rules.existingConfigMap | quote }}}
  - name: policies
    configMap: {name: {{ default (printf "%s-policies" (include "safe-updater.fullname" .)) .Values.policies.existingConfigMap | quote }}}
  {{- if and (eq .Values.mode "server") .Values.auth.tokensSecret }}
  - name: tokens
    secret: {secretName: {{ .Values.auth.tokensSecret | quote }}}
  {{- end }}
  {{- if .Values.registry.dockerConfigSecret }}
  - name: docker-config
    secret: {secretName: {{ .Values.registry.dockerConfigSecret | quote }}}
  {{- end }}
  {{- if eq .Values.database.type "embedded" }}
  - name: data
    {{- if .Values.database.embedded.persistence.enabled }}
    persistentVolumeClaim: {claimName: {{ printf "%s-data" (include "safe-updater.fullname" .) | quote }}}
    {{- else }}
    emptyDir: {}
    {{- end }}
  {{- end }}
  - name: tmp
    emptyDir: {sizeLimit: 64Mi}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "safe-updater.podAnnotations" -}}
{{- if and .Values.monitoring.scrapeAnnotations (eq .Values.mode "server") }}
prometheus.io/scrape: "true"
prometheus.io/path: /observe/metrics
prometheus.io/port: "8080"
{{- end }}
{{- with .Values.podAnnotations }}
{{ toYaml . }}
{{- end }}
{{- end -}}
