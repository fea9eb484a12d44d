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
The namespaced rules of the operator, shared by the ClusterRole (all namespaces) and the per-namespace Roles: exactly
what its code paths use (ChartRbacE2ETest runs it under them against a real API server and fails on any refusal).
Keep in sync with deploy/rbac.yaml and the table in docs/packaging.md (HelmChartTest checks all three).
*/}}
{{- define "pinhole.namespacedRules" -}}
# JOSDK informers: both primaries, and each controller's informer on the other kind (IPSets an AppConnector routes
# to, AppConnectors an IPSet selects, AppConnectors whose entries a Client carries). No get: reconciles read the
# caches; with no finalizer (no Cleaner) JOSDK never reads or writes a primary outside its status. ClientReconciler
# lists one AppConnector by name before it removes that connector's entry from a Client (a consistent read).
- apiGroups: ["pinhole.dev"]
  resources: ["appconnectors", "ipsets"]
  verbs: ["list", "watch"]
# UpdateControl.patchStatus and ErrorStatusUpdateControl.patchStatus: a server-side apply of a status-only copy.
- apiGroups: ["pinhole.dev"]
  resources: ["appconnectors/status", "ipsets/status"]
  verbs: ["patch"]
# The Client informers: the one AppConnectors admit from (ConnectorClients) and ClientReconciler's primary; no get:
# reconciles read their caches.
- apiGroups: ["pinhole.dev"]
  resources: ["clients"]
  verbs: ["list", "watch"]
# Each connector's entry in a Client's status (and ClientReconciler's removal of a deleted connector's entry,
# NoConnector): a PUT with the cached resourceVersion, so two writers of one Client retry instead of losing one.
- apiGroups: ["pinhole.dev"]
  resources: ["clients/status"]
  verbs: ["update"]
# ChildWriter gives every child a controller owner reference to its AppConnector with blockOwnerDeletion=true; the
# OwnerReferencesPermissionEnforcement admission plugin (OpenShift; test/cluster/up.sh) then requires update on the
# owner's finalizers (no finalizer is ever set). IPSets own nothing.
- apiGroups: ["pinhole.dev"]
  resources: ["appconnectors/finalizers"]
  verbs: ["update"]
# The key Secret: its informer, and ChildWriter.createIfAbsent (created once, never written again).
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["list", "watch", "create"]
# Children of ChildWriter.apply: their informers, and server-side apply: a PATCH, which the API server also
# authorizes as "create" when the object does not exist yet. Deleting is the garbage collector's job (owner
# references); the operator never sends create, update or delete for these.
- apiGroups: [""]
  resources: ["configmaps", "services"]
  verbs: ["list", "watch", "create", "patch"]
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: ["list", "watch", "create", "patch"]
- apiGroups: ["networking.k8s.io"]
  resources: ["networkpolicies"]
  verbs: ["list", "watch", "create", "patch"]
# Likewise, plus ChildWriter.deleteIfPresent: the PDB goes when replicas drop to 1.
- apiGroups: ["policy"]
  resources: ["poddisruptionbudgets"]
  verbs: ["list", "watch", "create", "patch", "delete"]
# The connector pod informer: readiness, and the pods whose /status is probed.
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["list", "watch"]
# Which pods are the connector's own (Pod -> ReplicaSet -> Deployment by controller UID) before probing them.
- apiGroups: ["apps"]
  resources: ["replicasets"]
  verbs: ["list", "watch"]
# EventRecorder: POST of a new core/v1 Event each time (never patched, never events.k8s.io).
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create"]
{{- end -}}
