{{/* Name of the operator's namespaced objects and of its cluster-scoped RBAC objects. */}}
{{- define "pinhole.fullname" -}}
{{- default "pinhole-operator" .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "pinhole.serviceAccountName" -}}
{{- default (include "pinhole.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{- define "pinhole.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* Selector labels: stable across upgrades, also used by kustomize in deploy/. */}}
{{- define "pinhole.selectorLabels" -}}
app.kubernetes.io/name: pinhole
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "pinhole.labels" -}}
{{ include "pinhole.selectorLabels" . }}
app.kubernetes.io/part-of: pinhole
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* Watched namespaces as the operator reads them (QUARKUS_OPERATOR_SDK_NAMESPACES). */}}
{{- define "pinhole.watchNamespacesEnv" -}}
{{- if .Values.watchNamespaces -}}
{{- join "," .Values.watchNamespaces -}}
{{- else -}}
JOSDK_ALL_NAMESPACES
{{- end -}}
{{- end -}}

{{/*
The namespaced rules of the operator, shared by the ClusterRole (all namespaces) and the per-namespace Roles.
Keep in sync with deploy/rbac.yaml and the table in docs/packaging.md (HelmChartTest checks all three).
*/}}
{{- define "pinhole.namespacedRules" -}}
- apiGroups: ["pinhole.dev"]
  resources: ["appconnectors", "ipsets"]
  verbs: ["get", "list", "watch", "patch", "update"]
- apiGroups: ["pinhole.dev"]
  resources: ["appconnectors/status", "ipsets/status"]
  verbs: ["get", "patch", "update"]
- apiGroups: ["pinhole.dev"]
  resources: ["appconnectors/finalizers", "ipsets/finalizers"]
  verbs: ["update"]
- apiGroups: [""]
  resources: ["secrets", "configmaps", "services"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
- apiGroups: ["events.k8s.io"]
  resources: ["events"]
  verbs: ["create", "patch"]
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
- apiGroups: ["policy"]
  resources: ["poddisruptionbudgets"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
- apiGroups: ["networking.k8s.io"]
  resources: ["networkpolicies"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
{{- end -}}
