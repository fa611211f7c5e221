"""The built-in API types: JSON field names, protobuf field numbers, merge keys (see model.py).

Field names and numbers are those of the Kubernetes API (k8s.io/api, k8s.io/apimachinery).
Types whose inner structure kinns does not describe yet are `object`: kept as given in
JSON, and in protobuf accepted only when empty (a request with content there is refused
rather than decoded wrongly).
"""

from .model import Table

META = {
    "ObjectMeta": {
        "name": "string@1", "generateName": "string@2", "namespace": "string@3", "selfLink": "string@4",
        "uid": "string@5", "resourceVersion": "string@6", "generation": "int64@7", "creationTimestamp": "Time@8",
        "deletionTimestamp": "Time@9", "deletionGracePeriodSeconds": "*int64@10",
        "labels": "map[string]string@11", "annotations": "map[string]string@12",
        "ownerReferences": "[]OwnerReference@13/uid", "finalizers": "[]string@14/+",
        "managedFields": "[]ManagedFieldsEntry@17",
    },
    "OwnerReference": {"apiVersion": "string@5", "kind": "string@1", "name": "string@3", "uid": "string@4",
                       "controller": "*bool@6", "blockOwnerDeletion": "*bool@7"},
    "ManagedFieldsEntry": {"manager": "string@1", "operation": "string@2", "apiVersion": "string@3",
                           "time": "Time@4", "fieldsType": "string@6", "fieldsV1": "object@7",
                           "subresource": "string@8"},
    "LabelSelector": {"matchLabels": "map[string]string@1", "matchExpressions": "[]LabelSelectorRequirement@2"},
    "LabelSelectorRequirement": {"key": "string@1", "operator": "string@2", "values": "[]string@3"},
    "DeleteOptions": {"gracePeriodSeconds": "*int64@1", "preconditions": "Preconditions@2",
                      "orphanDependents": "*bool@3", "propagationPolicy": "*string@4", "dryRun": "[]string@5",
                      "ignoreStoreReadErrorWithClusterBreakingPotential": "*bool@6"},
    "Preconditions": {"uid": "*string@1", "resourceVersion": "*string@2"},
    "Condition": {"type": "string@1", "status": "string@2", "observedGeneration": "int64@3",
                  "lastTransitionTime": "Time@4", "reason": "string@5", "message": "string@6"},
}

CORE = {
    "Namespace": {"metadata": "ObjectMeta@1", "spec": "NamespaceSpec@2", "status": "NamespaceStatus@3"},
    "NamespaceSpec": {"finalizers": "[]string@1"},
    "NamespaceStatus": {"phase": "string@1", "conditions": "[]object@2"},
    "ConfigMap": {"metadata": "ObjectMeta@1", "data": "map[string]string@2", "binaryData": "map[string]bytes@3",
                  "immutable": "*bool@4"},
    "Secret": {"metadata": "ObjectMeta@1", "data": "map[string]bytes@2", "type": "string@3",
               "stringData": "map[string]string@4", "immutable": "*bool@5"},
    "ServiceAccount": {"metadata": "ObjectMeta@1", "secrets": "[]ObjectReference@2/name",
                       "imagePullSecrets": "[]LocalObjectReference@3", "automountServiceAccountToken": "*bool@4"},
    "ObjectReference": {"kind": "string@1", "namespace": "string@2", "name": "string@3", "uid": "string@4",
                        "apiVersion": "string@5", "resourceVersion": "string@6", "fieldPath": "string@7"},
    "LocalObjectReference": {"name": "string@1"},
    "Service": {"metadata": "ObjectMeta@1", "spec": "ServiceSpec@2", "status": "ServiceStatus@3"},
    "ServiceSpec": {
        "ports": "[]ServicePort@1/port", "selector": "map[string]string@2", "clusterIP": "string@3",
        "type": "string@4", "externalIPs": "[]string@5", "sessionAffinity": "string@7",
        "loadBalancerIP": "string@8", "loadBalancerSourceRanges": "[]string@9", "externalName": "string@10",
        "externalTrafficPolicy": "string@11", "healthCheckNodePort": "int32@12",
        "publishNotReadyAddresses": "bool@13", "sessionAffinityConfig": "object@14",
        "ipFamilyPolicy": "*string@17", "clusterIPs": "[]string@18", "ipFamilies": "[]string@19",
        "allocateLoadBalancerNodePorts": "*bool@20", "loadBalancerClass": "*string@21",
        "internalTrafficPolicy": "*string@22", "trafficDistribution": "*string@23",
    },
    "ServicePort": {"name": "string@1", "protocol": "string@2", "port": "int32@3", "targetPort": "IntOrString@4",
                    "nodePort": "int32@5", "appProtocol": "*string@6"},
    "ServiceStatus": {"loadBalancer": "LoadBalancerStatus@1", "conditions": "[]Condition@2/type"},
    "LoadBalancerStatus": {"ingress": "[]LoadBalancerIngress@1"},
    "LoadBalancerIngress": {"ip": "string@1", "hostname": "string@2", "ipMode": "*string@3", "ports": "[]object@4"},
    "Endpoints": {"metadata": "ObjectMeta@1", "subsets": "[]EndpointSubset@2"},
    "EndpointSubset": {"addresses": "[]EndpointAddress@1", "notReadyAddresses": "[]EndpointAddress@2",
                       "ports": "[]EndpointPort@3"},
    "EndpointAddress": {"ip": "string@1", "targetRef": "ObjectReference@2", "hostname": "string@3",
                        "nodeName": "*string@4"},
    "EndpointPort": {"name": "string@1", "port": "int32@2", "protocol": "string@3", "appProtocol": "*string@4"},
    "Event": {"metadata": "ObjectMeta@1", "involvedObject": "ObjectReference@2", "reason": "string@3",
              "message": "string@4", "source": "EventSource@5", "firstTimestamp": "Time@6",
              "lastTimestamp": "Time@7", "count": "int32@8", "type": "string@9", "eventTime": "MicroTime@10",
              "series": "object@11", "action": "string@12", "related": "ObjectReference@13",
              "reportingComponent": "string@14", "reportingInstance": "string@15"},
    "EventSource": {"component": "string@1", "host": "string@2"},
    "Node": {"metadata": "ObjectMeta@1", "spec": "NodeSpec@2", "status": "object@3"},
    "NodeSpec": {"podCIDR": "string@1", "externalID": "string@2", "providerID": "string@3",
                 "unschedulable": "bool@4", "taints": "[]Taint@5", "configSource": "object@6",
                 "podCIDRs": "[]string@7/+"},
    "Taint": {"key": "string@1", "value": "string@2", "effect": "string@3", "timeAdded": "Time@4"},
    "Pod": {"metadata": "ObjectMeta@1", "spec": "PodSpec@2", "status": "object@3"},
    "PodTemplateSpec": {"metadata": "ObjectMeta@1", "spec": "PodSpec@2"},
    "PodSpec": {
        "volumes": "[]Volume@1/name", "containers": "[]Container@2/name", "restartPolicy": "string@3",
        "terminationGracePeriodSeconds": "*int64@4", "activeDeadlineSeconds": "*int64@5", "dnsPolicy": "string@6",
        "nodeSelector": "map[string]string@7", "serviceAccountName": "string@8", "serviceAccount": "string@9",
        "nodeName": "string@10", "hostNetwork": "bool@11", "hostPID": "bool@12", "hostIPC": "bool@13",
        "securityContext": "object@14", "imagePullSecrets": "[]LocalObjectReference@15/name",
        "hostname": "string@16", "subdomain": "string@17", "affinity": "object@18", "schedulerName": "string@19",
        "initContainers": "[]Container@20/name", "automountServiceAccountToken": "*bool@21",
        "tolerations": "[]Toleration@22", "hostAliases": "[]HostAlias@23/ip", "priorityClassName": "string@24",
        "priority": "*int32@25", "dnsConfig": "PodDNSConfig@26", "shareProcessNamespace": "*bool@27",
        "readinessGates": "[]object@28", "runtimeClassName": "*string@29", "enableServiceLinks": "*bool@30",
        "preemptionPolicy": "*string@31", "overhead": "map[string]Quantity@32",
        "topologySpreadConstraints": "[]object@33", "ephemeralContainers": "[]EphemeralContainer@34/name",
        "setHostnameAsFQDN": "*bool@35", "os": "object@36", "hostUsers": "*bool@37",
        "schedulingGates": "[]object@38", "resourceClaims": "[]object@39",
    },
    "Container": {
        "name": "string@1", "image": "string@2", "command": "[]string@3", "args": "[]string@4",
        "workingDir": "string@5", "ports": "[]ContainerPort@6/containerPort", "envFrom": "[]EnvFromSource@19",
        "env": "[]EnvVar@7/name", "resources": "ResourceRequirements@8", "volumeMounts": "[]VolumeMount@9/mountPath",
        "volumeDevices": "[]object@21", "livenessProbe": "Probe@10", "readinessProbe": "Probe@11",
        "startupProbe": "Probe@22", "lifecycle": "object@12", "terminationMessagePath": "string@13",
        "terminationMessagePolicy": "string@20", "imagePullPolicy": "string@14", "securityContext": "object@15",
        "stdin": "bool@16", "stdinOnce": "bool@17", "tty": "bool@18", "resizePolicy": "[]object@23",
        "restartPolicy": "*string@24",
    },
    "EphemeralContainer": {"ephemeralContainerCommon": "~Container@1", "targetContainerName": "string@2"},
    "ContainerPort": {"name": "string@1", "hostPort": "int32@2", "containerPort": "int32@3",
                      "protocol": "string@4", "hostIP": "string@5"},
    "EnvVar": {"name": "string@1", "value": "string@2", "valueFrom": "EnvVarSource@3"},
    "EnvVarSource": {"fieldRef": "ObjectFieldSelector@1", "resourceFieldRef": "object@2",
                     "configMapKeyRef": "ConfigMapKeySelector@3", "secretKeyRef": "SecretKeySelector@4"},
    "ObjectFieldSelector": {"apiVersion": "string@1", "fieldPath": "string@2"},
    "ConfigMapKeySelector": {"localObjectReference": "~LocalObjectReference@1", "key": "string@2",
                             "optional": "*bool@3"},
    "SecretKeySelector": {"localObjectReference": "~LocalObjectReference@1", "key": "string@2",
                          "optional": "*bool@3"},
    "EnvFromSource": {"prefix": "string@1", "configMapRef": "ConfigMapEnvSource@2",
                      "secretRef": "SecretEnvSource@3"},
    "ConfigMapEnvSource": {"localObjectReference": "~LocalObjectReference@1", "optional": "*bool@2"},
    "SecretEnvSource": {"localObjectReference": "~LocalObjectReference@1", "optional": "*bool@2"},
    "ResourceRequirements": {"limits": "map[string]Quantity@1", "requests": "map[string]Quantity@2",
                             "claims": "[]object@3"},
    "VolumeMount": {"name": "string@1", "readOnly": "bool@2", "mountPath": "string@3", "subPath": "string@4",
                    "mountPropagation": "*string@5", "subPathExpr": "string@6", "recursiveReadOnly": "*string@7"},
    "Probe": {"handler": "~ProbeHandler@1", "initialDelaySeconds": "int32@2", "timeoutSeconds": "int32@3",
              "periodSeconds": "int32@4", "successThreshold": "int32@5", "failureThreshold": "int32@6",
              "terminationGracePeriodSeconds": "*int64@7"},
    "ProbeHandler": {"exec": "ExecAction@1", "httpGet": "HTTPGetAction@2", "tcpSocket": "TCPSocketAction@3",
                     "grpc": "object@4"},
    "ExecAction": {"command": "[]string@1"},
    "HTTPGetAction": {"path": "string@1", "port": "IntOrString@2", "host": "string@3", "scheme": "string@4",
                      "httpHeaders": "[]HTTPHeader@5"},
    "HTTPHeader": {"name": "string@1", "value": "string@2"},
    "TCPSocketAction": {"port": "IntOrString@1", "host": "string@2"},
    "Toleration": {"key": "string@1", "operator": "string@2", "value": "string@3", "effect": "string@4",
                   "tolerationSeconds": "*int64@5"},
    "HostAlias": {"ip": "string@1", "hostnames": "[]string@2"},
    "PodDNSConfig": {"nameservers": "[]string@1", "searches": "[]string@2", "options": "[]PodDNSConfigOption@3"},
    "PodDNSConfigOption": {"name": "string@1", "value": "*string@2"},
    "Volume": {"name": "string@1", "volumeSource": "~VolumeSource@2"},
    "VolumeSource": {"hostPath": "HostPathVolumeSource@1", "emptyDir": "EmptyDirVolumeSource@2",
                     "secret": "SecretVolumeSource@6", "persistentVolumeClaim": "object@10",
                     "downwardAPI": "object@16", "configMap": "ConfigMapVolumeSource@19", "projected": "object@24",
                     "csi": "object@28", "ephemeral": "object@29", "image": "object@30"},
    "HostPathVolumeSource": {"path": "string@1", "type": "*string@2"},
    "EmptyDirVolumeSource": {"medium": "string@1", "sizeLimit": "Quantity@2"},
    "SecretVolumeSource": {"secretName": "string@1", "items": "[]KeyToPath@2", "defaultMode": "*int32@3",
                           "optional": "*bool@4"},
    "ConfigMapVolumeSource": {"localObjectReference": "~LocalObjectReference@1", "items": "[]KeyToPath@2",
                              "defaultMode": "*int32@3", "optional": "*bool@4"},
    "KeyToPath": {"key": "string@1", "path": "string@2", "mode": "*int32@3"},
}

APPS = {
    "Deployment": {"metadata": "ObjectMeta@1", "spec": "DeploymentSpec@2", "status": "object@3"},
    "DeploymentSpec": {"replicas": "*int32@1", "selector": "LabelSelector@2", "template": "PodTemplateSpec@3",
                       "strategy": "DeploymentStrategy@4", "minReadySeconds": "int32@5",
                       "revisionHistoryLimit": "*int32@6", "paused": "bool@7", "progressDeadlineSeconds": "*int32@9"},
    "DeploymentStrategy": {"type": "string@1", "rollingUpdate": "RollingUpdateDeployment@2"},
    "RollingUpdateDeployment": {"maxUnavailable": "IntOrString@1", "maxSurge": "IntOrString@2"},
    "ReplicaSet": {"metadata": "ObjectMeta@1", "spec": "ReplicaSetSpec@2", "status": "object@3"},
    "ReplicaSetSpec": {"replicas": "*int32@1", "selector": "LabelSelector@2", "template": "PodTemplateSpec@3",
                       "minReadySeconds": "int32@4"},
    "DaemonSet": {"metadata": "ObjectMeta@1", "spec": "DaemonSetSpec@2", "status": "object@3"},
    "DaemonSetSpec": {"selector": "LabelSelector@1", "template": "PodTemplateSpec@2", "updateStrategy": "object@3",
                      "minReadySeconds": "int32@4", "revisionHistoryLimit": "*int32@6"},
}

NETWORKING = {
    "Ingress": {"metadata": "ObjectMeta@1", "spec": "IngressSpec@2", "status": "object@3"},
    "IngressSpec": {"defaultBackend": "IngressBackend@1", "tls": "[]IngressTLS@2", "rules": "[]IngressRule@3",
                    "ingressClassName": "*string@4"},
    "IngressBackend": {"resource": "object@3", "service": "IngressServiceBackend@4"},
    "IngressServiceBackend": {"name": "string@1", "port": "ServiceBackendPort@2"},
    "ServiceBackendPort": {"name": "string@1", "number": "int32@2"},
    "IngressTLS": {"hosts": "[]string@1", "secretName": "string@2"},
    "IngressRule": {"host": "string@1", "ingressRuleValue": "~IngressRuleValue@2"},
    "IngressRuleValue": {"http": "HTTPIngressRuleValue@1"},
    "HTTPIngressRuleValue": {"paths": "[]HTTPIngressPath@1"},
    "HTTPIngressPath": {"path": "string@1", "pathType": "*string@3", "backend": "IngressBackend@2"},
    "IngressClass": {"metadata": "ObjectMeta@1", "spec": "IngressClassSpec@2"},
    "IngressClassSpec": {"controller": "string@1", "parameters": "object@2"},
    "NetworkPolicy": {"metadata": "ObjectMeta@1", "spec": "NetworkPolicySpec@2"},
    "NetworkPolicySpec": {"podSelector": "LabelSelector@1", "ingress": "[]NetworkPolicyIngressRule@2",
                          "egress": "[]NetworkPolicyEgressRule@3", "policyTypes": "[]string@4"},
    "NetworkPolicyIngressRule": {"ports": "[]NetworkPolicyPort@1", "from": "[]NetworkPolicyPeer@2"},
    "NetworkPolicyEgressRule": {"ports": "[]NetworkPolicyPort@1", "to": "[]NetworkPolicyPeer@2"},
    "NetworkPolicyPort": {"protocol": "*string@1", "port": "IntOrString@2", "endPort": "*int32@3"},
    "NetworkPolicyPeer": {"podSelector": "LabelSelector@1", "namespaceSelector": "LabelSelector@2",
                          "ipBlock": "IPBlock@3"},
    "IPBlock": {"cidr": "string@1", "except": "[]string@2"},
}

DISCOVERY = {
    "EndpointSlice": {"metadata": "ObjectMeta@1", "addressType": "string@4", "endpoints": "[]Endpoint@2",
                      "ports": "[]EndpointSlicePort@3"},
    "Endpoint": {"addresses": "[]string@1", "conditions": "EndpointConditions@2", "hostname": "*string@3",
                 "targetRef": "ObjectReference@4", "deprecatedTopology": "map[string]string@5",
                 "nodeName": "*string@6", "zone": "*string@7", "hints": "object@8"},
    "EndpointConditions": {"ready": "*bool@1", "serving": "*bool@2", "terminating": "*bool@3"},
    "EndpointSlicePort": {"name": "*string@1", "protocol": "*string@2", "port": "*int32@3",
                          "appProtocol": "*string@4"},
}

COORDINATION = {
    "Lease": {"metadata": "ObjectMeta@1", "spec": "LeaseSpec@2"},
    "LeaseSpec": {"holderIdentity": "*string@1", "leaseDurationSeconds": "*int32@2", "acquireTime": "MicroTime@3",
                  "renewTime": "MicroTime@4", "leaseTransitions": "*int32@5", "strategy": "*string@6",
                  "preferredHolder": "*string@7"},
}

AUTHENTICATION = {
    "TokenRequest": {"metadata": "ObjectMeta@1", "spec": "TokenRequestSpec@2", "status": "TokenRequestStatus@3"},
    "TokenRequestSpec": {"audiences": "[]string@1", "boundObjectRef": "BoundObjectReference@3",
                         "expirationSeconds": "*int64@4"},
    "BoundObjectReference": {"kind": "string@1", "apiVersion": "string@2", "name": "string@3", "uid": "string@4"},
    "TokenRequestStatus": {"token": "string@1", "expirationTimestamp": "Time@2"},
    "TokenReview": {"metadata": "ObjectMeta@1", "spec": "TokenReviewSpec@2", "status": "TokenReviewStatus@3"},
    "TokenReviewSpec": {"token": "string@1", "audiences": "[]string@2"},
    "TokenReviewStatus": {"authenticated": "bool@1", "user": "UserInfo@2", "error": "string@3",
                          "audiences": "[]string@4"},
    "SelfSubjectReview": {"metadata": "ObjectMeta@1", "status": "SelfSubjectReviewStatus@2"},
    "SelfSubjectReviewStatus": {"userInfo": "UserInfo@1"},
    "UserInfo": {"username": "string@1", "uid": "string@2", "groups": "[]string@3", "extra": "object@4"},
}

BATCH = {
    "Job": {"metadata": "ObjectMeta@1", "spec": "JobSpec@2", "status": "object@3"},
    "JobSpec": {"parallelism": "*int32@1", "completions": "*int32@2", "activeDeadlineSeconds": "*int64@3",
                "selector": "LabelSelector@4", "manualSelector": "*bool@5", "template": "PodTemplateSpec@6",
                "backoffLimit": "*int32@7", "ttlSecondsAfterFinished": "*int32@8", "completionMode": "*string@9",
                "suspend": "*bool@10", "podFailurePolicy": "object@11", "backoffLimitPerIndex": "*int32@12",
                "maxFailedIndexes": "*int32@13", "podReplacementPolicy": "*string@14", "managedBy": "*string@15",
                "successPolicy": "object@16"},
    "CronJob": {"metadata": "ObjectMeta@1", "spec": "CronJobSpec@2", "status": "object@3"},
    "CronJobSpec": {"schedule": "string@1", "startingDeadlineSeconds": "*int64@2", "concurrencyPolicy": "string@3",
                    "suspend": "*bool@4", "jobTemplate": "JobTemplateSpec@5", "successfulJobsHistoryLimit": "*int32@6",
                    "failedJobsHistoryLimit": "*int32@7", "timeZone": "*string@8"},
    "JobTemplateSpec": {"metadata": "ObjectMeta@1", "spec": "JobSpec@2"},
}

POLICY = {
    "PodDisruptionBudget": {"metadata": "ObjectMeta@1", "spec": "PodDisruptionBudgetSpec@2", "status": "object@3"},
    "PodDisruptionBudgetSpec": {"minAvailable": "IntOrString@1", "selector": "LabelSelector@2",
                                "maxUnavailable": "IntOrString@3", "unhealthyPodEvictionPolicy": "*string@4"},
    "Eviction": {"metadata": "ObjectMeta@1", "deleteOptions": "DeleteOptions@2"},
}

RBAC = {
    "Role": {"metadata": "ObjectMeta@1", "rules": "[]PolicyRule@2"},
    "ClusterRole": {"metadata": "ObjectMeta@1", "rules": "[]PolicyRule@2", "aggregationRule": "AggregationRule@3"},
    "AggregationRule": {"clusterRoleSelectors": "[]LabelSelector@1"},
    "PolicyRule": {"verbs": "[]string@1", "apiGroups": "[]string@2", "resources": "[]string@3",
                   "resourceNames": "[]string@4", "nonResourceURLs": "[]string@5"},
    "RoleBinding": {"metadata": "ObjectMeta@1", "subjects": "[]Subject@2", "roleRef": "RoleRef@3"},
    "ClusterRoleBinding": {"metadata": "ObjectMeta@1", "subjects": "[]Subject@2", "roleRef": "RoleRef@3"},
    "Subject": {"kind": "string@1", "apiGroup": "string@2", "name": "string@3", "namespace": "string@4"},
    "RoleRef": {"apiGroup": "string@1", "kind": "string@2", "name": "string@3"},
}

AUTHORIZATION = {
    "SubjectAccessReview": {"metadata": "ObjectMeta@1", "spec": "SubjectAccessReviewSpec@2",
                            "status": "SubjectAccessReviewStatus@3"},
    "LocalSubjectAccessReview": {"metadata": "ObjectMeta@1", "spec": "SubjectAccessReviewSpec@2",
                                 "status": "SubjectAccessReviewStatus@3"},
    "SelfSubjectAccessReview": {"metadata": "ObjectMeta@1", "spec": "SelfSubjectAccessReviewSpec@2",
                                "status": "SubjectAccessReviewStatus@3"},
    "SubjectAccessReviewSpec": {"resourceAttributes": "ResourceAttributes@1",
                                "nonResourceAttributes": "NonResourceAttributes@2", "user": "string@3",
                                "groups": "[]string@4", "extra": "object@5", "uid": "string@6"},
    "SelfSubjectAccessReviewSpec": {"resourceAttributes": "ResourceAttributes@1",
                                    "nonResourceAttributes": "NonResourceAttributes@2"},
    "ResourceAttributes": {"namespace": "string@1", "verb": "string@2", "group": "string@3", "version": "string@4",
                           "resource": "string@5", "subresource": "string@6", "name": "string@7",
                           "fieldSelector": "object@8", "labelSelector": "object@9"},
    "NonResourceAttributes": {"path": "string@1", "verb": "string@2"},
    "SubjectAccessReviewStatus": {"allowed": "bool@1", "reason": "string@2", "evaluationError": "string@3",
                                  "denied": "bool@4"},
    "SelfSubjectRulesReview": {"metadata": "ObjectMeta@1", "spec": "SelfSubjectRulesReviewSpec@2",
                               "status": "SubjectRulesReviewStatus@3"},
    "SelfSubjectRulesReviewSpec": {"namespace": "string@1"},
    "SubjectRulesReviewStatus": {"resourceRules": "[]ResourceRule@1", "nonResourceRules": "[]NonResourceRule@2",
                                 "incomplete": "bool@3", "evaluationError": "string@4"},
    "ResourceRule": {"verbs": "[]string@1", "apiGroups": "[]string@2", "resources": "[]string@3",
                     "resourceNames": "[]string@4"},
    "NonResourceRule": {"verbs": "[]string@1", "nonResourceURLs": "[]string@2"},
}

APIEXTENSIONS = {
    "CustomResourceDefinition": {"metadata": "ObjectMeta@1", "spec": "object@2", "status": "object@3"},
}

TABLE = Table()
TABLE.add("io.k8s.apimachinery.pkg.apis.meta.v1", META)
TABLE.add("io.k8s.api.core.v1", CORE, open_types=("NamespaceStatus",))
TABLE.add("io.k8s.api.apps.v1", APPS)
TABLE.add("io.k8s.api.networking.v1", NETWORKING)
TABLE.add("io.k8s.api.discovery.v1", DISCOVERY)
TABLE.add("io.k8s.api.coordination.v1", COORDINATION)
TABLE.add("io.k8s.api.authentication.v1", AUTHENTICATION)
TABLE.add("io.k8s.api.batch.v1", BATCH)
TABLE.add("io.k8s.api.policy.v1", POLICY)
TABLE.add("io.k8s.api.rbac.v1", RBAC)
TABLE.add("io.k8s.api.authorization.v1", AUTHORIZATION)
TABLE.add("io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1", APIEXTENSIONS)
