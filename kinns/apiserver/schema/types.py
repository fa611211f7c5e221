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
    "ReplicationController": {"metadata": "ObjectMeta@1", "spec": "ReplicationControllerSpec@2",
                              "status": "object@3"},
    "ReplicationControllerSpec": {"replicas": "*int32@1", "selector": "map[string]string@2",
                                  "template": "PodTemplateSpec@3", "minReadySeconds": "int32@4"},
    "Node": {"metadata": "ObjectMeta@1", "spec": "NodeSpec@2", "status": "object@3"},
    "NodeSpec": {"podCIDR": "string@1", "externalID": "string@2", "providerID": "string@3",
                 "unschedulable": "bool@4", "taints": "[]Taint@5", "configSource": "object@6",
                 "podCIDRs": "[]string@7/+"},
    "Taint": {"key": "string@1", "value": "string@2", "effect": "string@3", "timeAdded": "Time@4"},
    "Pod": {"metadata": "ObjectMeta@1", "spec": "PodSpec@2", "status": "object@3"},
    "PodTemplateSpec": {"metadata": "ObjectMeta@1", "spec": "PodSpec@2"},
    "PodSpec": {
        "volumes": "[]Volume@1/name", "initContainers": "[]Container@20/name", "containers": "[]Container@2/name",
        "ephemeralContainers": "[]EphemeralContainer@34/name", "restartPolicy": "string@3",
        "terminationGracePeriodSeconds": "*int64@4", "activeDeadlineSeconds": "*int64@5", "dnsPolicy": "string@6",
        "nodeSelector": "map[string]string@7", "serviceAccountName": "string@8", "serviceAccount": "string@9",
        "automountServiceAccountToken": "*bool@21", "nodeName": "string@10", "hostNetwork": "bool@11",
        "hostPID": "bool@12", "hostIPC": "bool@13", "shareProcessNamespace": "*bool@27",
        "securityContext": "*PodSecurityContext@14", "imagePullSecrets": "[]LocalObjectReference@15/name",
        "hostname": "string@16", "subdomain": "string@17", "affinity": "*Affinity@18", "schedulerName": "string@19",
        "tolerations": "[]Toleration@22", "hostAliases": "[]HostAlias@23/ip", "priorityClassName": "string@24",
        "priority": "*int32@25", "dnsConfig": "*PodDNSConfig@26", "readinessGates": "[]PodReadinessGate@28",
        "runtimeClassName": "*string@29", "enableServiceLinks": "*bool@30", "preemptionPolicy": "*string@31",
        "overhead": "map[string]Quantity@32", "topologySpreadConstraints": "[]TopologySpreadConstraint@33/topologyKey",
        "setHostnameAsFQDN": "*bool@35", "os": "*PodOS@36", "hostUsers": "*bool@37",
        "schedulingGates": "[]PodSchedulingGate@38/name", "resourceClaims": "[]PodResourceClaim@39/name",
        "resources": "*ResourceRequirements@40", "hostnameOverride": "*string@41",
        "schedulingGroup": "*PodSchedulingGroup@43",
    },
    "Container": {
        "name": "string@1", "image": "string@2", "command": "[]string@3", "args": "[]string@4",
        "workingDir": "string@5", "ports": "[]ContainerPort@6/containerPort", "envFrom": "[]EnvFromSource@19",
        "env": "[]EnvVar@7/name", "resources": "ResourceRequirements@8", "resizePolicy": "[]ContainerResizePolicy@23",
        "restartPolicy": "*string@24", "restartPolicyRules": "[]ContainerRestartRule@25",
        "volumeMounts": "[]VolumeMount@9/mountPath", "volumeDevices": "[]VolumeDevice@21/devicePath",
        "livenessProbe": "*Probe@10", "readinessProbe": "*Probe@11", "startupProbe": "*Probe@22",
        "lifecycle": "*Lifecycle@12", "terminationMessagePath": "string@13", "terminationMessagePolicy": "string@20",
        "imagePullPolicy": "string@14", "securityContext": "*SecurityContext@15", "stdin": "bool@16",
        "stdinOnce": "bool@17", "tty": "bool@18",
    },
    "EphemeralContainer": {"ephemeralContainerCommon": "~Container@1", "targetContainerName": "string@2"},
    "ContainerPort": {
        "name": "string@1", "hostPort": "int32@2", "containerPort": "int32@3", "protocol": "string@4",
        "hostIP": "string@5",
    },
    "EnvVar": {"name": "string@1", "value": "string@2", "valueFrom": "*EnvVarSource@3"},
    "EnvVarSource": {
        "fieldRef": "*ObjectFieldSelector@1", "resourceFieldRef": "*ResourceFieldSelector@2",
        "configMapKeyRef": "*ConfigMapKeySelector@3", "secretKeyRef": "*SecretKeySelector@4",
        "fileKeyRef": "*FileKeySelector@5",
    },
    "ObjectFieldSelector": {"apiVersion": "string@1", "fieldPath": "string@2"},
    "ConfigMapKeySelector": {
        "localObjectReference": "~LocalObjectReference@1", "key": "string@2", "optional": "*bool@3",
    },
    "SecretKeySelector": {"localObjectReference": "~LocalObjectReference@1", "key": "string@2", "optional": "*bool@3"},
    "EnvFromSource": {"prefix": "string@1", "configMapRef": "*ConfigMapEnvSource@2", "secretRef": "*SecretEnvSource@3"},
    "ConfigMapEnvSource": {"localObjectReference": "~LocalObjectReference@1", "optional": "*bool@2"},
    "SecretEnvSource": {"localObjectReference": "~LocalObjectReference@1", "optional": "*bool@2"},
    "ResourceRequirements": {
        "limits": "map[string]Quantity@1", "requests": "map[string]Quantity@2", "claims": "[]ResourceClaim@3",
    },
    "VolumeMount": {
        "name": "string@1", "readOnly": "bool@2", "recursiveReadOnly": "*string@7", "mountPath": "string@3",
        "subPath": "string@4", "mountPropagation": "*string@5", "subPathExpr": "string@6",
    },
    "Probe": {
        "handler": "~ProbeHandler@1", "initialDelaySeconds": "int32@2", "timeoutSeconds": "int32@3",
        "periodSeconds": "int32@4", "successThreshold": "int32@5", "failureThreshold": "int32@6",
        "terminationGracePeriodSeconds": "*int64@7",
    },
    "ProbeHandler": {
        "exec": "*ExecAction@1", "httpGet": "*HTTPGetAction@2", "tcpSocket": "*TCPSocketAction@3",
        "grpc": "*GRPCAction@4",
    },
    "ExecAction": {"command": "[]string@1"},
    "HTTPGetAction": {
        "path": "string@1", "port": "IntOrString@2", "host": "string@3", "scheme": "string@4",
        "httpHeaders": "[]HTTPHeader@5",
    },
    "HTTPHeader": {"name": "string@1", "value": "string@2"},
    "TCPSocketAction": {"port": "IntOrString@1", "host": "string@2"},
    "Toleration": {
        "key": "string@1", "operator": "string@2", "value": "string@3", "effect": "string@4",
        "tolerationSeconds": "*int64@5",
    },
    "HostAlias": {"ip": "string@1", "hostnames": "[]string@2"},
    "PodDNSConfig": {"nameservers": "[]string@1", "searches": "[]string@2", "options": "[]PodDNSConfigOption@3"},
    "PodDNSConfigOption": {"name": "string@1", "value": "*string@2"},
    "Volume": {"name": "string@1", "volumeSource": "~VolumeSource@2"},
    "VolumeSource": {
        "hostPath": "*HostPathVolumeSource@1", "emptyDir": "*EmptyDirVolumeSource@2",
        "gcePersistentDisk": "*GCEPersistentDiskVolumeSource@3",
        "awsElasticBlockStore": "*AWSElasticBlockStoreVolumeSource@4", "gitRepo": "*GitRepoVolumeSource@5",
        "secret": "*SecretVolumeSource@6", "nfs": "*NFSVolumeSource@7", "iscsi": "*ISCSIVolumeSource@8",
        "glusterfs": "*GlusterfsVolumeSource@9", "persistentVolumeClaim": "*PersistentVolumeClaimVolumeSource@10",
        "rbd": "*RBDVolumeSource@11", "flexVolume": "*FlexVolumeSource@12", "cinder": "*CinderVolumeSource@13",
        "cephfs": "*CephFSVolumeSource@14", "flocker": "*FlockerVolumeSource@15",
        "downwardAPI": "*DownwardAPIVolumeSource@16", "fc": "*FCVolumeSource@17",
        "azureFile": "*AzureFileVolumeSource@18", "configMap": "*ConfigMapVolumeSource@19",
        "vsphereVolume": "*VsphereVirtualDiskVolumeSource@20", "quobyte": "*QuobyteVolumeSource@21",
        "azureDisk": "*AzureDiskVolumeSource@22", "photonPersistentDisk": "*PhotonPersistentDiskVolumeSource@23",
        "projected": "*ProjectedVolumeSource@26", "portworxVolume": "*PortworxVolumeSource@24",
        "scaleIO": "*ScaleIOVolumeSource@25", "storageos": "*StorageOSVolumeSource@27", "csi": "*CSIVolumeSource@28",
        "ephemeral": "*EphemeralVolumeSource@29", "image": "*ImageVolumeSource@30",
    },
    "HostPathVolumeSource": {"path": "string@1", "type": "*string@2"},
    "PersistentVolumeClaimVolumeSource": {"claimName": "string@1", "readOnly": "bool@2"},
    "PersistentVolume": {"metadata": "ObjectMeta@1", "spec": "object@2", "status": "object@3"},
    "PersistentVolumeClaim": {"metadata": "ObjectMeta@1", "spec": "object@2", "status": "object@3"},
    "EmptyDirVolumeSource": {"medium": "string@1", "sizeLimit": "*Quantity@2"},
    "SecretVolumeSource": {
        "secretName": "string@1", "items": "[]KeyToPath@2", "defaultMode": "*int32@3", "optional": "*bool@4",
    },
    "ConfigMapVolumeSource": {
        "localObjectReference": "~LocalObjectReference@1", "items": "[]KeyToPath@2", "defaultMode": "*int32@3",
        "optional": "*bool@4",
    },
    "KeyToPath": {"key": "string@1", "path": "string@2", "mode": "*int32@3"},
    "PodSecurityContext": {
        "seLinuxOptions": "*SELinuxOptions@1", "windowsOptions": "*WindowsSecurityContextOptions@8",
        "runAsUser": "*int64@2", "runAsGroup": "*int64@6", "runAsNonRoot": "*bool@3",
        "supplementalGroups": "[]int64@4", "supplementalGroupsPolicy": "*string@12", "fsGroup": "*int64@5",
        "sysctls": "[]Sysctl@7", "fsGroupChangePolicy": "*string@9", "seccompProfile": "*SeccompProfile@10",
        "appArmorProfile": "*AppArmorProfile@11", "seLinuxChangePolicy": "*string@13",
    },
    "Affinity": {
        "nodeAffinity": "*NodeAffinity@1", "podAffinity": "*PodAffinity@2", "podAntiAffinity": "*PodAntiAffinity@3",
    },
    "PodReadinessGate": {"conditionType": "string@1"},
    "TopologySpreadConstraint": {
        "maxSkew": "int32@1", "topologyKey": "string@2", "whenUnsatisfiable": "string@3",
        "labelSelector": "*LabelSelector@4", "minDomains": "*int32@5", "nodeAffinityPolicy": "*string@6",
        "nodeTaintsPolicy": "*string@7", "matchLabelKeys": "[]string@8",
    },
    "PodOS": {"name": "string@1"},
    "PodSchedulingGate": {"name": "string@1"},
    "PodResourceClaim": {
        "name": "string@1", "resourceClaimName": "*string@3", "resourceClaimTemplateName": "*string@4",
    },
    "PodSchedulingGroup": {"podGroupName": "*string@1"},
    "ContainerResizePolicy": {"resourceName": "string@1", "restartPolicy": "string@2"},
    "ContainerRestartRule": {"action": "string@1", "exitCodes": "*ContainerRestartRuleOnExitCodes@2"},
    "VolumeDevice": {"name": "string@1", "devicePath": "string@2"},
    "Lifecycle": {"postStart": "*LifecycleHandler@1", "preStop": "*LifecycleHandler@2", "stopSignal": "*string@3"},
    "SecurityContext": {
        "capabilities": "*Capabilities@1", "privileged": "*bool@2", "seLinuxOptions": "*SELinuxOptions@3",
        "windowsOptions": "*WindowsSecurityContextOptions@10", "runAsUser": "*int64@4", "runAsGroup": "*int64@8",
        "runAsNonRoot": "*bool@5", "readOnlyRootFilesystem": "*bool@6", "allowPrivilegeEscalation": "*bool@7",
        "procMount": "*string@9", "seccompProfile": "*SeccompProfile@11", "appArmorProfile": "*AppArmorProfile@12",
    },
    "SELinuxOptions": {"user": "string@1", "role": "string@2", "type": "string@3", "level": "string@4"},
    "WindowsSecurityContextOptions": {
        "gmsaCredentialSpecName": "*string@1", "gmsaCredentialSpec": "*string@2", "runAsUserName": "*string@3",
        "hostProcess": "*bool@4",
    },
    "Sysctl": {"name": "string@1", "value": "string@2"},
    "SeccompProfile": {"type": "string@1", "localhostProfile": "*string@2"},
    "AppArmorProfile": {"type": "string@1", "localhostProfile": "*string@2"},
    "NodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": "*NodeSelector@1",
        "preferredDuringSchedulingIgnoredDuringExecution": "[]PreferredSchedulingTerm@2",
    },
    "PodAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": "[]PodAffinityTerm@1",
        "preferredDuringSchedulingIgnoredDuringExecution": "[]WeightedPodAffinityTerm@2",
    },
    "PodAntiAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": "[]PodAffinityTerm@1",
        "preferredDuringSchedulingIgnoredDuringExecution": "[]WeightedPodAffinityTerm@2",
    },
    "ResourceClaim": {"name": "string@1", "request": "string@2"},
    "GCEPersistentDiskVolumeSource": {
        "pdName": "string@1", "fsType": "string@2", "partition": "int32@3", "readOnly": "bool@4",
    },
    "AWSElasticBlockStoreVolumeSource": {
        "volumeID": "string@1", "fsType": "string@2", "partition": "int32@3", "readOnly": "bool@4",
    },
    "GitRepoVolumeSource": {"repository": "string@1", "revision": "string@2", "directory": "string@3"},
    "NFSVolumeSource": {"server": "string@1", "path": "string@2", "readOnly": "bool@3"},
    "ISCSIVolumeSource": {
        "targetPortal": "string@1", "iqn": "string@2", "lun": "int32@3", "iscsiInterface": "string@4",
        "fsType": "string@5", "readOnly": "bool@6", "portals": "[]string@7", "chapAuthDiscovery": "bool@8",
        "chapAuthSession": "bool@11", "secretRef": "*LocalObjectReference@10", "initiatorName": "*string@12",
    },
    "GlusterfsVolumeSource": {"endpoints": "string@1", "path": "string@2", "readOnly": "bool@3"},
    "RBDVolumeSource": {
        "monitors": "[]string@1", "image": "string@2", "fsType": "string@3", "pool": "string@4", "user": "string@5",
        "keyring": "string@6", "secretRef": "*LocalObjectReference@7", "readOnly": "bool@8",
    },
    "FlexVolumeSource": {
        "driver": "string@1", "fsType": "string@2", "secretRef": "*LocalObjectReference@3", "readOnly": "bool@4",
        "options": "map[string]string@5",
    },
    "CinderVolumeSource": {
        "volumeID": "string@1", "fsType": "string@2", "readOnly": "bool@3", "secretRef": "*LocalObjectReference@4",
    },
    "CephFSVolumeSource": {
        "monitors": "[]string@1", "path": "string@2", "user": "string@3", "secretFile": "string@4",
        "secretRef": "*LocalObjectReference@5", "readOnly": "bool@6",
    },
    "FlockerVolumeSource": {"datasetName": "string@1", "datasetUUID": "string@2"},
    "DownwardAPIVolumeSource": {"items": "[]DownwardAPIVolumeFile@1", "defaultMode": "*int32@2"},
    "FCVolumeSource": {
        "targetWWNs": "[]string@1", "lun": "*int32@2", "fsType": "string@3", "readOnly": "bool@4",
        "wwids": "[]string@5",
    },
    "AzureFileVolumeSource": {"secretName": "string@1", "shareName": "string@2", "readOnly": "bool@3"},
    "VsphereVirtualDiskVolumeSource": {
        "volumePath": "string@1", "fsType": "string@2", "storagePolicyName": "string@3", "storagePolicyID": "string@4",
    },
    "QuobyteVolumeSource": {
        "registry": "string@1", "volume": "string@2", "readOnly": "bool@3", "user": "string@4", "group": "string@5",
        "tenant": "string@6",
    },
    "AzureDiskVolumeSource": {
        "diskName": "string@1", "diskURI": "string@2", "cachingMode": "*string@3", "fsType": "*string@4",
        "readOnly": "*bool@5", "kind": "*string@6",
    },
    "PhotonPersistentDiskVolumeSource": {"pdID": "string@1", "fsType": "string@2"},
    "ProjectedVolumeSource": {"sources": "[]VolumeProjection@1", "defaultMode": "*int32@2"},
    "PortworxVolumeSource": {"volumeID": "string@1", "fsType": "string@2", "readOnly": "bool@3"},
    "ScaleIOVolumeSource": {
        "gateway": "string@1", "system": "string@2", "secretRef": "*LocalObjectReference@3", "sslEnabled": "bool@4",
        "protectionDomain": "string@5", "storagePool": "string@6", "storageMode": "string@7", "volumeName": "string@8",
        "fsType": "string@9", "readOnly": "bool@10",
    },
    "StorageOSVolumeSource": {
        "volumeName": "string@1", "volumeNamespace": "string@2", "fsType": "string@3", "readOnly": "bool@4",
        "secretRef": "*LocalObjectReference@5",
    },
    "CSIVolumeSource": {
        "driver": "string@1", "readOnly": "*bool@2", "fsType": "*string@3", "volumeAttributes": "map[string]string@4",
        "nodePublishSecretRef": "*LocalObjectReference@5",
    },
    "EphemeralVolumeSource": {"volumeClaimTemplate": "*PersistentVolumeClaimTemplate@1"},
    "ImageVolumeSource": {"reference": "string@1", "pullPolicy": "string@2"},
    "ContainerRestartRuleOnExitCodes": {"operator": "string@1", "values": "[]int32@2"},
    "LifecycleHandler": {
        "exec": "*ExecAction@1", "httpGet": "*HTTPGetAction@2", "tcpSocket": "*TCPSocketAction@3",
        "sleep": "*SleepAction@4",
    },
    "Capabilities": {"add": "[]string@1", "drop": "[]string@2"},
    "NodeSelector": {"nodeSelectorTerms": "[]NodeSelectorTerm@1"},
    "PreferredSchedulingTerm": {"weight": "int32@1", "preference": "NodeSelectorTerm@2"},
    "PodAffinityTerm": {
        "labelSelector": "*LabelSelector@1", "namespaces": "[]string@2", "topologyKey": "string@3",
        "namespaceSelector": "*LabelSelector@4", "matchLabelKeys": "[]string@5", "mismatchLabelKeys": "[]string@6",
    },
    "WeightedPodAffinityTerm": {"weight": "int32@1", "podAffinityTerm": "PodAffinityTerm@2"},
    "DownwardAPIVolumeFile": {
        "path": "string@1", "fieldRef": "*ObjectFieldSelector@2", "resourceFieldRef": "*ResourceFieldSelector@3",
        "mode": "*int32@4",
    },
    "VolumeProjection": {
        "secret": "*SecretProjection@1", "downwardAPI": "*DownwardAPIProjection@2",
        "configMap": "*ConfigMapProjection@3", "serviceAccountToken": "*ServiceAccountTokenProjection@4",
        "clusterTrustBundle": "*ClusterTrustBundleProjection@5", "podCertificate": "*PodCertificateProjection@6",
    },
    "PersistentVolumeClaimTemplate": {"metadata": "ObjectMeta@1", "spec": "PersistentVolumeClaimSpec@2"},
    "ResourceFieldSelector": {"containerName": "string@1", "resource": "string@2", "divisor": "Quantity@3"},
    "FileKeySelector": {"volumeName": "string@1", "path": "string@2", "key": "string@3", "optional": "*bool@4"},
    "GRPCAction": {"port": "int32@1", "service": "*string@2"},
    "SleepAction": {"seconds": "int64@1"},
    "NodeSelectorTerm": {
        "matchExpressions": "[]NodeSelectorRequirement@1", "matchFields": "[]NodeSelectorRequirement@2",
    },
    "SecretProjection": {
        "localObjectReference": "~LocalObjectReference@1", "items": "[]KeyToPath@2", "optional": "*bool@4",
    },
    "DownwardAPIProjection": {"items": "[]DownwardAPIVolumeFile@1"},
    "ConfigMapProjection": {
        "localObjectReference": "~LocalObjectReference@1", "items": "[]KeyToPath@2", "optional": "*bool@4",
    },
    "ServiceAccountTokenProjection": {"audience": "string@1", "expirationSeconds": "*int64@2", "path": "string@3"},
    "ClusterTrustBundleProjection": {
        "name": "*string@1", "signerName": "*string@2", "labelSelector": "*LabelSelector@3", "optional": "*bool@5",
        "path": "string@4",
    },
    "PodCertificateProjection": {
        "signerName": "string@1", "keyType": "string@2", "maxExpirationSeconds": "*int32@3",
        "credentialBundlePath": "string@4", "keyPath": "string@5", "certificateChainPath": "string@6",
        "userAnnotations": "map[string]string@7",
    },
    "PersistentVolumeClaimSpec": {
        "accessModes": "[]string@1", "selector": "*LabelSelector@4", "resources": "VolumeResourceRequirements@2",
        "volumeName": "string@3", "storageClassName": "*string@5", "volumeMode": "*string@6",
        "dataSource": "*TypedLocalObjectReference@7", "dataSourceRef": "*TypedObjectReference@8",
        "volumeAttributesClassName": "*string@9",
    },
    "NodeSelectorRequirement": {"key": "string@1", "operator": "string@2", "values": "[]string@3"},
    "VolumeResourceRequirements": {"limits": "map[string]Quantity@1", "requests": "map[string]Quantity@2"},
    "TypedLocalObjectReference": {"apiGroup": "*string@1", "kind": "string@2", "name": "string@3"},
    "TypedObjectReference": {"apiGroup": "*string@1", "kind": "string@2", "name": "string@3", "namespace": "*string@4"},
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
    "StatefulSet": {"metadata": "ObjectMeta@1", "spec": "StatefulSetSpec@2", "status": "object@3"},
    "StatefulSetSpec": {"replicas": "*int32@1", "selector": "LabelSelector@2", "template": "PodTemplateSpec@3",
                        "volumeClaimTemplates": "[]object@4", "serviceName": "string@5",
                        "podManagementPolicy": "string@6", "updateStrategy": "object@7",
                        "revisionHistoryLimit": "*int32@8", "minReadySeconds": "int32@9",
                        "persistentVolumeClaimRetentionPolicy": "object@10", "ordinals": "object@11"},
    "DaemonSet": {"metadata": "ObjectMeta@1", "spec": "DaemonSetSpec@2", "status": "object@3"},
    "ControllerRevision": {"metadata": "ObjectMeta@1", "data": "object@2", "revision": "int64@3"},
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

STORAGE = {
    "StorageClass": {"metadata": "ObjectMeta@1", "provisioner": "string@2", "parameters": "map[string]string@3",
                     "reclaimPolicy": "*string@4", "mountOptions": "[]string@5", "allowVolumeExpansion": "*bool@6",
                     "volumeBindingMode": "*string@7", "allowedTopologies": "[]object@8"},
}

BATCH = {
    "ResourceQuota": {"metadata": "ObjectMeta@1", "spec": "ResourceQuotaSpec@2", "status": "ResourceQuotaStatus@3"},
    "ResourceQuotaSpec": {"hard": "map[string]Quantity@1", "scopes": "[]string@2",
                          "scopeSelector": "ScopeSelector@3"},
    "ScopeSelector": {"matchExpressions": "[]ScopedResourceSelectorRequirement@1"},
    "ScopedResourceSelectorRequirement": {"scopeName": "string@1", "operator": "string@2", "values": "[]string@3"},
    "ResourceQuotaStatus": {"hard": "map[string]Quantity@1", "used": "map[string]Quantity@2"},
    "LimitRange": {"metadata": "ObjectMeta@1", "spec": "LimitRangeSpec@2"},
    "LimitRangeSpec": {"limits": "[]LimitRangeItem@1"},
    "LimitRangeItem": {"type": "string@1", "max": "map[string]Quantity@2", "min": "map[string]Quantity@3",
                       "default": "map[string]Quantity@4", "defaultRequest": "map[string]Quantity@5",
                       "maxLimitRequestRatio": "map[string]Quantity@6"},
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

CERTIFICATES = {
    "CertificateSigningRequest": {"metadata": "ObjectMeta@1", "spec": "CertificateSigningRequestSpec@2",
                                  "status": "CertificateSigningRequestStatus@3"},
    "CertificateSigningRequestSpec": {"request": "bytes@1", "username": "string@2", "uid": "string@3",
                                      "groups": "[]string@4", "usages": "[]string@5", "extra": "object@6",
                                      "signerName": "string@7", "expirationSeconds": "*int32@8"},
    "CertificateSigningRequestStatus": {"conditions": "[]CertificateSigningRequestCondition@1/type",
                                        "certificate": "bytes@2"},
    "CertificateSigningRequestCondition": {"type": "string@1", "reason": "string@2", "message": "string@3",
                                           "lastUpdateTime": "Time@4", "lastTransitionTime": "Time@5",
                                           "status": "string@6"},
}

APIREGISTRATION = {
    "APIService": {"metadata": "ObjectMeta@1", "spec": "APIServiceSpec@2", "status": "APIServiceStatus@3"},
    "APIServiceSpec": {"service": "object@1", "group": "string@2", "version": "string@3",
                       "insecureSkipTLSVerify": "bool@4", "caBundle": "bytes@5", "groupPriorityMinimum": "int32@7",
                       "versionPriority": "int32@8"},
    "APIServiceStatus": {"conditions": "[]APIServiceCondition@1/type"},
    "APIServiceCondition": {"type": "string@1", "status": "string@2", "lastTransitionTime": "Time@3",
                            "reason": "string@4", "message": "string@5"},
}

SCHEDULING = {
    "PriorityClass": {"metadata": "ObjectMeta@1", "value": "int32@2", "globalDefault": "bool@3",
                      "description": "string@4", "preemptionPolicy": "*string@5"},
}

AUTOSCALING = {
    "HorizontalPodAutoscaler": {"metadata": "ObjectMeta@1", "spec": "HorizontalPodAutoscalerSpec@2",
                                "status": "object@3"},
    "HorizontalPodAutoscalerSpec": {"scaleTargetRef": "CrossVersionObjectReference@1", "minReplicas": "*int32@2",
                                    "maxReplicas": "int32@3", "metrics": "[]MetricSpec@4",
                                    "behavior": "HorizontalPodAutoscalerBehavior@5"},
    "CrossVersionObjectReference": {"kind": "string@1", "name": "string@2", "apiVersion": "string@3"},
    "MetricSpec": {"type": "string@1", "object": "ObjectMetricSource@2", "pods": "PodsMetricSource@3",
                   "resource": "ResourceMetricSource@4", "external": "ExternalMetricSource@5",
                   "containerResource": "ContainerResourceMetricSource@7"},
    "ResourceMetricSource": {"name": "string@1", "target": "MetricTarget@2"},
    "ContainerResourceMetricSource": {"name": "string@1", "target": "MetricTarget@2", "container": "string@3"},
    "PodsMetricSource": {"metric": "MetricIdentifier@1", "target": "MetricTarget@2"},
    "ObjectMetricSource": {"describedObject": "CrossVersionObjectReference@1", "target": "MetricTarget@2",
                           "metric": "MetricIdentifier@3"},
    "ExternalMetricSource": {"metric": "MetricIdentifier@1", "target": "MetricTarget@2"},
    "MetricIdentifier": {"name": "string@1", "selector": "LabelSelector@2"},
    "MetricTarget": {"type": "string@1", "value": "Quantity@2", "averageValue": "Quantity@3",
                     "averageUtilization": "*int32@4"},
    "HorizontalPodAutoscalerBehavior": {"scaleUp": "HPAScalingRules@1", "scaleDown": "HPAScalingRules@2"},
    "HPAScalingRules": {"stabilizationWindowSeconds": "*int32@3", "selectPolicy": "*string@1",
                        "policies": "[]HPAScalingPolicy@2", "tolerance": "Quantity@4"},
    "HPAScalingPolicy": {"type": "string@1", "value": "int32@2", "periodSeconds": "int32@3"},
}

ADMISSIONREGISTRATION = {
    "ValidatingWebhookConfiguration": {"metadata": "ObjectMeta@1", "webhooks": "[]ValidatingWebhook@2/name"},
    "MutatingWebhookConfiguration": {"metadata": "ObjectMeta@1", "webhooks": "[]MutatingWebhook@2/name"},
    "ValidatingWebhook": {"name": "string@1", "clientConfig": "WebhookClientConfig@2",
                          "rules": "[]RuleWithOperations@3", "failurePolicy": "*string@4",
                          "namespaceSelector": "LabelSelector@5", "sideEffects": "*string@6",
                          "timeoutSeconds": "*int32@7", "admissionReviewVersions": "[]string@8",
                          "matchPolicy": "*string@9", "objectSelector": "LabelSelector@10",
                          "matchConditions": "[]MatchCondition@11/name"},
    "MutatingWebhook": {"name": "string@1", "clientConfig": "WebhookClientConfig@2",
                        "rules": "[]RuleWithOperations@3", "failurePolicy": "*string@4",
                        "namespaceSelector": "LabelSelector@5", "sideEffects": "*string@6",
                        "timeoutSeconds": "*int32@7", "admissionReviewVersions": "[]string@8",
                        "matchPolicy": "*string@9", "reinvocationPolicy": "*string@10",
                        "objectSelector": "LabelSelector@11", "matchConditions": "[]MatchCondition@12/name"},
    "WebhookClientConfig": {"service": "ServiceReference@1", "caBundle": "bytes@2", "url": "*string@3"},
    "ServiceReference": {"namespace": "string@1", "name": "string@2", "path": "*string@3", "port": "*int32@4"},
    "RuleWithOperations": {"operations": "[]string@1", "rule": "~Rule@2"},
    "Rule": {"apiGroups": "[]string@1", "apiVersions": "[]string@2", "resources": "[]string@3",
             "scope": "*string@4"},
    "NamedRuleWithOperations": {"resourceNames": "[]string@1", "ruleWithOperations": "~RuleWithOperations@2"},
    "MatchCondition": {"name": "string@1", "expression": "string@2"},
    "ValidatingAdmissionPolicy": {"metadata": "ObjectMeta@1", "spec": "ValidatingAdmissionPolicySpec@2",
                                  "status": "ValidatingAdmissionPolicyStatus@3"},
    "ValidatingAdmissionPolicySpec": {"paramKind": "ParamKind@1", "matchConstraints": "MatchResources@2",
                                      "validations": "[]Validation@3", "failurePolicy": "*string@5",
                                      "auditAnnotations": "[]AuditAnnotation@6",
                                      "matchConditions": "[]MatchCondition@7/name", "variables": "[]Variable@8"},
    "ParamKind": {"apiVersion": "string@1", "kind": "string@2"},
    "MatchResources": {"namespaceSelector": "LabelSelector@1", "objectSelector": "LabelSelector@2",
                       "resourceRules": "[]NamedRuleWithOperations@3",
                       "excludeResourceRules": "[]NamedRuleWithOperations@4", "matchPolicy": "*string@7"},
    "Validation": {"expression": "string@1", "message": "string@2", "reason": "*string@3",
                   "messageExpression": "string@4"},
    "AuditAnnotation": {"key": "string@1", "valueExpression": "string@2"},
    "Variable": {"name": "string@1", "expression": "string@2"},
    "ValidatingAdmissionPolicyStatus": {"observedGeneration": "int64@1", "typeChecking": "object@2",
                                        "conditions": "[]Condition@3/type"},
    "ValidatingAdmissionPolicyBinding": {"metadata": "ObjectMeta@1", "spec": "ValidatingAdmissionPolicyBindingSpec@2"},
    "ValidatingAdmissionPolicyBindingSpec": {"policyName": "string@1", "paramRef": "ParamRef@2",
                                             "matchResources": "MatchResources@3", "validationActions": "[]string@4/+"},
    "ParamRef": {"name": "string@1", "namespace": "string@2", "selector": "LabelSelector@3",
                 "parameterNotFoundAction": "*string@4"},
}

APIEXTENSIONS = {
    "CustomResourceDefinition": {"metadata": "ObjectMeta@1", "spec": "CustomResourceDefinitionSpec@2",
                                 "status": "CustomResourceDefinitionStatus@3"},
    "CustomResourceDefinitionSpec": {"group": "string@1", "names": "CustomResourceDefinitionNames@3",
                                     "scope": "string@4", "versions": "[]CustomResourceDefinitionVersion@7/name",
                                     "conversion": "object@9", "preserveUnknownFields": "bool@10"},
    "CustomResourceDefinitionNames": {"plural": "string@1", "singular": "string@2", "shortNames": "[]string@3",
                                      "kind": "string@4", "listKind": "string@5", "categories": "[]string@6"},
    "CustomResourceDefinitionVersion": {"name": "string@1", "served": "bool@2", "storage": "bool@3",
                                        "schema": "CustomResourceValidation@4", "subresources": "object@5",
                                        "additionalPrinterColumns": "[]object@6", "deprecated": "bool@7",
                                        "deprecationWarning": "*string@8", "selectableFields": "[]object@9"},
    "CustomResourceValidation": {"openAPIV3Schema": "object@1"},
    "CustomResourceDefinitionStatus": {"conditions": "[]object@1", "acceptedNames": "CustomResourceDefinitionNames@2",
                                       "storedVersions": "[]string@3"},
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
TABLE.add("io.k8s.api.storage.v1", STORAGE)
TABLE.add("io.k8s.api.policy.v1", POLICY)
TABLE.add("io.k8s.api.rbac.v1", RBAC)
TABLE.add("io.k8s.api.authorization.v1", AUTHORIZATION)
TABLE.add("io.k8s.api.admissionregistration.v1", ADMISSIONREGISTRATION)
TABLE.add("io.k8s.api.scheduling.v1", SCHEDULING)
TABLE.add("io.k8s.api.certificates.v1", CERTIFICATES)
TABLE.add("io.k8s.kube-aggregator.pkg.apis.apiregistration.v1", APIREGISTRATION)
TABLE.add("io.k8s.api.autoscaling.v2", AUTOSCALING)
TABLE.add("io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1", APIEXTENSIONS)
