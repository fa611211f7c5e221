"""What `kubectl explain` says about each built-in type and field, in kinns's own words.

One line per entry: `Type: text` describes a type, `Type.field: text` one of
its fields (as its JSON name). The fields every top-level kind has (apiVersion,
kind, metadata, spec, status) are described once, under `*`; those the volume
sources share (fsType, readOnly, secretRef, ...) under `*VolumeSource`.
"""

_TEXT = """
*.apiVersion: The versioned schema of this object, as group/version (v1, apps/v1, ...): the server converts the object to it and refuses an unknown one.
*.kind: The REST resource this object is (Pod, Service, ...), in CamelCase.
*.metadata: The object's name, namespace, labels, annotations and the fields the system keeps (uid, resourceVersion, ...).
*.spec: The state the object should be in, as the user asks for it.
*.status: The state the object is in, as the system last observed it; written by controllers through the status subresource.
ObjectMeta: Metadata every persisted object has.
ObjectMeta.name: The object's name, unique within its namespace and kind; most kinds need a DNS-1123 subdomain, some (Namespace, Service) a DNS-1123 label.
ObjectMeta.generateName: A prefix from which the server makes a unique name when no name is given.
ObjectMeta.namespace: The namespace the object lives in; empty for cluster-scoped kinds.
ObjectMeta.selfLink: Deprecated; never set.
ObjectMeta.uid: The object's identity for its whole life, set by the server; a new object of the same name gets a new uid.
ObjectMeta.resourceVersion: An opaque version the store gives every write; an update naming an older one is refused with Conflict, and a watch resumes from one.
ObjectMeta.generation: A counter of changes to the desired state (spec); controllers report the generation they observed.
ObjectMeta.creationTimestamp: When the server created the object (RFC 3339, UTC).
ObjectMeta.deletionTimestamp: When the object will be gone: set when deletion is asked for while finalizers or a grace period hold it.
ObjectMeta.deletionGracePeriodSeconds: The seconds the object was given to end gracefully when its deletion began.
ObjectMeta.labels: Key/value pairs that selectors match (Services, ReplicaSets, NetworkPolicies select pods by them).
ObjectMeta.annotations: Key/value pairs for tools and people, never used by selectors.
ObjectMeta.ownerReferences: The objects this one depends on; the garbage collector removes it when its controller owner is gone.
ObjectMeta.finalizers: Names of the cleanups that must finish before the object is removed; deletion waits until the list is empty.
ObjectMeta.managedFields: Which manager (kubectl, a controller) owns which fields, as server-side apply tracks them.
Role: A namespaced set of permissions, granted by a RoleBinding.
Role.rules: The permissions the role grants, each a set of verbs on resources (or, in a ClusterRole, non-resource URLs).
ResourceQuota: Limits on what a namespace's objects may use in total, enforced when they are written.
ResourceQuotaSpec.hard: The most of each resource (pods, requests.cpu, count/deployments.apps, ...) the namespace may use.
ResourceQuotaSpec.scopes: Which pods the quota counts: Terminating, NotTerminating, BestEffort, NotBestEffort.
ResourceQuotaSpec.scopeSelector: Which pods the quota counts, by their priority class.
ScopeSelector.matchExpressions: Requirements on scopes, all of which must hold.
ScopedResourceSelectorRequirement.scopeName: The scope the requirement is about (PriorityClass, ...).
ScopedResourceSelectorRequirement.operator: In, NotIn, Exists or DoesNotExist.
ScopedResourceSelectorRequirement.values: The values for In and NotIn.
ResourceQuotaStatus.hard: The limits in force.
ResourceQuotaStatus.used: What the namespace uses now of each limited resource.
LimitRange: Per-container, per-pod and per-claim bounds and defaults for a namespace's resources.
LimitRangeSpec.limits: The bounds, each for one kind of object.
LimitRangeItem.type: Container, Pod or PersistentVolumeClaim.
LimitRangeItem.max: The most of each resource one object may be limited to.
LimitRangeItem.min: The least of each resource one object must request.
LimitRangeItem.default: The limits a container gets when it sets none (the max by default).
LimitRangeItem.defaultRequest: The requests a container gets when it sets none (the default limit by default).
LimitRangeItem.maxLimitRequestRatio: The largest limit-to-request ratio allowed for each resource.
CertificateSigningRequest: A request for the cluster CA (or another signer) to sign a certificate, issued once approved.
CertificateSigningRequestSpec.request: The PEM-encoded PKCS#10 certificate request.
CertificateSigningRequestSpec.signerName: Who is to sign it: kubernetes.io/kube-apiserver-client, kubernetes.io/kube-apiserver-client-kubelet, kubernetes.io/kubelet-serving, ...
CertificateSigningRequestSpec.expirationSeconds: How long the certificate should be valid (at least 600 seconds).
CertificateSigningRequestSpec.usages: What the certificate may be used for (client auth, server auth, digital signature, ...).
CertificateSigningRequestSpec.username: Who made the request (set by the API server).
CertificateSigningRequestSpec.uid: The requester's uid (set by the API server).
CertificateSigningRequestSpec.groups: The requester's groups (set by the API server).
CertificateSigningRequestSpec.extra: The requester's extra attributes (set by the API server).
CertificateSigningRequestStatus.conditions: Approved or Denied (by an approver), Failed (by the signer).
CertificateSigningRequestStatus.certificate: The issued certificate, PEM-encoded, once signed.
CertificateSigningRequestCondition.type: Approved, Denied or Failed.
CertificateSigningRequestCondition.status: True, False or Unknown.
CertificateSigningRequestCondition.reason: Why, in one word.
CertificateSigningRequestCondition.message: Why, for people.
CertificateSigningRequestCondition.lastUpdateTime: When the condition was last written.
CertificateSigningRequestCondition.lastTransitionTime: When the condition's status last changed.
APIService: A group version of the API and who serves it; here always this server itself (Local).
APIServiceSpec.service: The extension API server behind the group version (kinns runs none: never set).
APIServiceSpec.group: The API group.
APIServiceSpec.version: The API version.
APIServiceSpec.insecureSkipTLSVerify: Whether the extension server's certificate goes unchecked.
APIServiceSpec.caBundle: The CA that signed the extension server's certificate.
APIServiceSpec.groupPriorityMinimum: How early the group is listed in discovery (higher first).
APIServiceSpec.versionPriority: How early the version is listed within its group (higher first).
APIServiceStatus.conditions: Available: whether the group version is being served.
APIServiceCondition.type: Available.
APIServiceCondition.status: True, False or Unknown.
APIServiceCondition.lastTransitionTime: When the status last changed.
APIServiceCondition.reason: Why, in one word (Local).
APIServiceCondition.message: Why, for people.
PriorityClass: A named pod priority; the scheduler places higher ones first and may preempt lower ones for them.
PriorityClass.value: The priority of the class's pods; at most 1000000000 for user classes.
PriorityClass.globalDefault: Whether pods naming no class get this one (one class at most).
PriorityClass.description: What the class is for.
PriorityClass.preemptionPolicy: PreemptLowerPriority (default) or Never.
HorizontalPodAutoscaler: Keeps a workload's replicas between bounds, scaling on metrics.
HorizontalPodAutoscalerSpec.scaleTargetRef: The workload scaled (through its scale subresource).
HorizontalPodAutoscalerSpec.minReplicas: The fewest replicas (default 1).
HorizontalPodAutoscalerSpec.maxReplicas: The most replicas.
HorizontalPodAutoscalerSpec.metrics: What to scale on (default: 80% average CPU utilization).
HorizontalPodAutoscalerSpec.behavior: How fast to scale up and down.
CrossVersionObjectReference.name: The object's name.
MetricSpec.type: Which source the metric comes from: Resource, ContainerResource, Pods, Object or External.
MetricSpec.resource: A resource (cpu, memory) of the pods, from the resource metrics API.
MetricSpec.containerResource: A resource of one container of the pods, from the resource metrics API.
MetricSpec.pods: A metric of the pods, from the custom metrics API.
MetricSpec.object: A metric of another object, from the custom metrics API.
MetricSpec.external: A metric from outside the cluster, from the external metrics API.
ResourceMetricSource.name: The resource: cpu or memory.
ResourceMetricSource.target: The value to keep it at.
ContainerResourceMetricSource.name: The resource: cpu or memory.
ContainerResourceMetricSource.target: The value to keep it at.
ContainerResourceMetricSource.container: The container whose usage counts.
PodsMetricSource.metric: The metric's name and selector.
PodsMetricSource.target: The value to keep it at.
ObjectMetricSource.describedObject: The object the metric is about.
ObjectMetricSource.target: The value to keep it at.
ObjectMetricSource.metric: The metric's name and selector.
ExternalMetricSource.metric: The metric's name and selector.
ExternalMetricSource.target: The value to keep it at.
MetricIdentifier.name: The metric's name.
MetricIdentifier.selector: Labels narrowing the metric's series.
MetricTarget.type: Utilization, Value or AverageValue.
MetricTarget.value: The value of the metric to keep.
MetricTarget.averageValue: The average over the pods to keep.
MetricTarget.averageUtilization: The average over the pods, in percent of their requests, to keep.
HorizontalPodAutoscalerBehavior.scaleUp: How fast replicas may be added.
HorizontalPodAutoscalerBehavior.scaleDown: How fast replicas may be taken away.
HPAScalingRules.stabilizationWindowSeconds: How far back recommendations are considered before scaling.
HPAScalingRules.selectPolicy: Which policy wins: Max, Min or Disabled.
HPAScalingRules.policies: How many pods, or what share of them, may change per period.
HPAScalingRules.tolerance: How far from the target the metric may be before scaling.
HPAScalingPolicy.type: Pods or Percent.
HPAScalingPolicy.value: How many pods, or what percentage.
HPAScalingPolicy.periodSeconds: The period the change is allowed in.
ValidatingWebhookConfiguration: Webhooks the API server asks, over HTTPS, whether a request may go ahead.
ValidatingWebhookConfiguration.webhooks: The webhooks, called in order of their configurations' names.
MutatingWebhookConfiguration: Webhooks the API server asks, over HTTPS, to change an object before it is validated and stored.
ValidatingWebhook.name: The webhook's fully qualified name (at least three dot-separated segments), unique in its configuration.
ValidatingWebhook.clientConfig: Where the webhook listens and the CA that signed its certificate.
ValidatingWebhook.rules: The operations on resources the webhook is called for; it is called when any rule matches.
ValidatingWebhook.failurePolicy: What a call that fails does to the request: Fail refuses it, Ignore lets it through (default Fail).
ValidatingWebhook.matchPolicy: Exact matches only the versions the rules name; Equivalent also the other versions of the same resource (default).
ValidatingWebhook.namespaceSelector: Labels the object's namespace (a Namespace's own labels) must have; empty matches all.
ValidatingWebhook.objectSelector: Labels the new or the old object must have; empty matches all.
ValidatingWebhook.sideEffects: Whether calling the webhook changes anything elsewhere: None or NoneOnDryRun.
ValidatingWebhook.timeoutSeconds: How long a call may take, 1 to 30 seconds (default 10).
ValidatingWebhook.admissionReviewVersions: The AdmissionReview versions the webhook understands, preferred first; v1 is sent.
ValidatingWebhook.matchConditions: CEL conditions that must all be true for the webhook to be called.
MutatingWebhook.reinvocationPolicy: IfNeeded calls the webhook once more when a later webhook changed the object; Never (default) does not.
WebhookClientConfig.url: An https URL to call the webhook at (without user, query or fragment).
WebhookClientConfig.service: The Service in the cluster to call the webhook through.
WebhookClientConfig.caBundle: The PEM certificates that verify the webhook's serving certificate; the system's roots when empty.
ServiceReference.namespace: The Service's namespace.
ServiceReference.name: The Service's name.
ServiceReference.path: The URL path the review is POSTed to.
ServiceReference.port: The Service port to call (default 443).
RuleWithOperations.operations: CREATE, UPDATE, DELETE, CONNECT, or * for all.
Rule.apiGroups: The API groups ("" for the core group), or * for all.
Rule.apiVersions: The API versions, or * for all.
Rule.resources: Resources by plural name, with subresources as pods/status; * is every resource, */* every resource and subresource.
Rule.scope: Cluster, Namespaced, or * for both (default).
NamedRuleWithOperations.resourceNames: The objects' names the rule is limited to; empty means every name.
MatchCondition.name: The condition's name, a qualified name unique among the conditions.
MatchCondition.expression: A CEL expression over object, oldObject, request (and params in a policy) that must be true.
ValidatingAdmissionPolicy: CEL validations the API server runs itself on the requests its bindings select.
ValidatingAdmissionPolicySpec.paramKind: The kind of the objects a binding supplies as `params`.
ValidatingAdmissionPolicySpec.matchConstraints: The requests the policy can apply to; bindings narrow them further.
ValidatingAdmissionPolicySpec.validations: CEL expressions that must all be true for the request to be admitted.
ValidatingAdmissionPolicySpec.failurePolicy: What an expression that fails to evaluate does: Fail counts it as a failed validation, Ignore skips it.
ValidatingAdmissionPolicySpec.auditAnnotations: CEL expressions whose values go into the request's audit event.
ValidatingAdmissionPolicySpec.matchConditions: CEL conditions that must all be true for the policy to be evaluated.
ValidatingAdmissionPolicySpec.variables: Named CEL expressions the validations use as variables.<name>, evaluated in order.
ValidatingAdmissionPolicyStatus.observedGeneration: The generation the status describes.
ValidatingAdmissionPolicyStatus.typeChecking: Warnings from checking the expressions' types.
ValidatingAdmissionPolicyStatus.conditions: The policy's latest observed conditions.
MatchResources.namespaceSelector: Labels the object's namespace must have; empty matches all.
MatchResources.objectSelector: Labels the object must have; empty matches all.
MatchResources.resourceRules: The operations on resources matched.
MatchResources.excludeResourceRules: Operations on resources never matched, whatever the other rules say.
MatchResources.matchPolicy: Exact or Equivalent (default), as for webhooks.
Validation.expression: A CEL expression that must evaluate to true.
Validation.message: What the refusal says when the expression is false.
Validation.messageExpression: A CEL expression giving the refusal's message; message is used when it fails.
Validation.reason: The Status reason of the refusal: Invalid (default, 422), Forbidden (403) or RequestEntityTooLarge (413).
AuditAnnotation.key: The audit annotation's key, under the policy's name.
AuditAnnotation.valueExpression: A CEL expression giving the annotation's value (a string, or null for none).
Variable.name: The variable's name, a CEL identifier.
Variable.expression: The CEL expression whose value the variable holds.
ValidatingAdmissionPolicyBinding: Applies a ValidatingAdmissionPolicy to the requests it selects, with parameters and the actions taken on failure.
ValidatingAdmissionPolicyBindingSpec.policyName: The ValidatingAdmissionPolicy bound.
ValidatingAdmissionPolicyBindingSpec.paramRef: Which objects of the policy's paramKind are its params.
ValidatingAdmissionPolicyBindingSpec.matchResources: The requests, among those the policy matches, the binding applies it to; all when unset.
ValidatingAdmissionPolicyBindingSpec.validationActions: What a failed validation does: Deny, Warn, Audit (Deny and Warn not together).
ParamRef.name: The one parameter object's name (not with selector).
ParamRef.namespace: The parameters' namespace; the request's own when unset and the kind is namespaced.
ParamRef.selector: Labels selecting the parameter objects, each evaluated in turn.
ParamRef.parameterNotFoundAction: Allow or Deny the request when no parameter object is found.
ClusterRole: A cluster-wide set of permissions, granted everywhere by a ClusterRoleBinding or in one namespace by a RoleBinding.
ClusterRole.rules: The permissions the role grants; with an aggregationRule, kept by the controller as the union of the selected roles' rules.
ClusterRole.aggregationRule: Labels of other ClusterRoles whose rules this one gathers.
AggregationRule.clusterRoleSelectors: Label selectors; every ClusterRole matching any of them contributes its rules.
PolicyRule.verbs: The verbs allowed (get, list, watch, create, update, patch, delete, deletecollection, and escalate, bind, impersonate, approve); * is every verb.
PolicyRule.apiGroups: The API groups of the resources ("" is the core group); * is every group.
PolicyRule.resources: The resources, as plural/subresource (pods, pods/log); * is every resource, */scale every scale subresource.
PolicyRule.resourceNames: Names the rule is limited to; empty is every name (a create or list names nothing, so it never matches a limited rule).
PolicyRule.nonResourceURLs: Paths that are not resources (/healthz, /api/*), for ClusterRoles bound cluster-wide.
RoleBinding.subjects: Who is granted the role: users, groups and service accounts.
RoleBinding.roleRef: The Role in this namespace or the ClusterRole whose permissions are granted, in this namespace only; fixed once the binding exists.
ClusterRoleBinding.subjects: Who is granted the role: users, groups and service accounts.
ClusterRoleBinding.roleRef: The ClusterRole whose permissions are granted in every namespace; fixed once the binding exists.
Subject.apiGroup: rbac.authorization.k8s.io for User and Group, empty for ServiceAccount.
Subject.name: The user's, group's or service account's name.
Subject.namespace: The service account's namespace (in a RoleBinding, the binding's own by default).
RoleRef.apiGroup: rbac.authorization.k8s.io.
RoleRef.name: The role's name.
SubjectAccessReviewSpec.resourceAttributes: The resource request asked about.
SubjectAccessReviewSpec.nonResourceAttributes: The non-resource request (a path and a verb) asked about.
SubjectAccessReviewSpec.user: The user asked about.
SubjectAccessReviewSpec.groups: The groups of the user asked about.
SubjectAccessReviewSpec.extra: Extra attributes of the user asked about.
SubjectAccessReviewSpec.uid: The uid of the user asked about.
SelfSubjectAccessReviewSpec.resourceAttributes: The resource request asked about, for the requester itself.
SelfSubjectAccessReviewSpec.nonResourceAttributes: The non-resource request asked about, for the requester itself.
ResourceAttributes.namespace: The namespace of the request; empty for cluster-scoped resources or every namespace.
ResourceAttributes.verb: The verb (get, list, create, ..., or * for every verb).
ResourceAttributes.group: The API group; * for every group.
ResourceAttributes.version: The API version; * for every version.
ResourceAttributes.resource: The resource; * for every resource.
ResourceAttributes.subresource: The subresource, if any.
ResourceAttributes.name: The object's name; empty for every object.
ResourceAttributes.fieldSelector: A field selector the request carries; kinns's authorizers do not look at it.
ResourceAttributes.labelSelector: A label selector the request carries; kinns's authorizers do not look at it.
NonResourceAttributes.path: The URL path.
NonResourceAttributes.verb: The HTTP verb in lower case (get, post, ...).
SubjectAccessReviewStatus.allowed: Whether the request would be allowed.
SubjectAccessReviewStatus.denied: Whether an authorizer denied it outright (RBAC never does; it only fails to allow).
SubjectAccessReviewStatus.reason: Why, where an authorizer said.
SubjectAccessReviewStatus.evaluationError: A failure while deciding; the answer may then be incomplete.
SelfSubjectRulesReviewSpec.namespace: The namespace whose rules are listed.
SubjectRulesReviewStatus.resourceRules: The resource permissions held in the namespace.
SubjectRulesReviewStatus.nonResourceRules: The non-resource permissions held.
SubjectRulesReviewStatus.incomplete: True when some permissions cannot be listed as rules (a kubelet's, which the Node authorizer decides).
SubjectRulesReviewStatus.evaluationError: A failure while listing; the rules may then be incomplete.
ResourceRule.verbs: The verbs allowed.
ResourceRule.apiGroups: The API groups.
ResourceRule.resources: The resources.
ResourceRule.resourceNames: Names the rule is limited to.
NonResourceRule.verbs: The verbs allowed.
NonResourceRule.nonResourceURLs: The paths.
SelfSubjectReviewStatus.userInfo: Who the requester is, as the API server authenticated it.
UserInfo.username: The user's name.
UserInfo.uid: The user's uid, where the authenticator gives one.
UserInfo.groups: The groups the user is in.
UserInfo.extra: Extra attributes the authenticator gave.
TokenReviewSpec.token: The bearer token to check.
TokenReviewSpec.audiences: The audiences the token must be for.
TokenReviewStatus.authenticated: Whether the token is valid.
TokenReviewStatus.user: Whom the token stands for.
TokenReviewStatus.error: Why the token is not valid.
TokenReviewStatus.audiences: The audiences the token is valid for.
EphemeralContainer: A container added to a running pod to inspect it (`kubectl debug`): never restarted, no ports or probes.
EphemeralContainer.targetContainerName: The container whose process namespace the ephemeral container joins, so it sees that container's processes.
Job: Pods run until a number of them succeed (a batch task), retried up to a limit.
JobSpec.parallelism: How many pods run at once at most (default 1).
JobSpec.completions: How many pods must succeed (default 1).
JobSpec.activeDeadlineSeconds: Seconds after the Job starts when it fails (DeadlineExceeded) and its pods are stopped.
JobSpec.selector: The pods the Job counts; generated from the Job's uid unless manualSelector.
JobSpec.manualSelector: true: the selector is the user's, not generated.
JobSpec.template: The pods to run; restartPolicy must be Never or OnFailure.
JobSpec.backoffLimit: Failed pods (or container restarts, with OnFailure) after which the Job fails (default 6).
JobSpec.ttlSecondsAfterFinished: Seconds after the Job finished when it is deleted with its pods.
JobSpec.completionMode: NonIndexed (default): any pods' successes count; Indexed is not provided by kinns.
JobSpec.suspend: true: no pods are started and running ones are stopped.
JobSpec.podFailurePolicy: Rules on failed pods; not provided by kinns (refused).
JobSpec.backoffLimitPerIndex: Per-index retries of an Indexed Job; not provided by kinns.
JobSpec.maxFailedIndexes: Failed indexes tolerated by an Indexed Job; not provided by kinns.
JobSpec.podReplacementPolicy: When a failed pod is replaced: TerminatingOrFailed (default) or Failed.
JobSpec.managedBy: The controller that manages the Job; only the built-in one (empty or kubernetes.io/job-controller).
JobSpec.successPolicy: When an Indexed Job counts as succeeded; not provided by kinns.
PodDisruptionBudget: How many of a set of pods must stay up while they are evicted (kubectl drain).
PodDisruptionBudgetSpec.minAvailable: Pods (a number or a percentage) that must stay healthy; exclusive with maxUnavailable.
PodDisruptionBudgetSpec.selector: The pods the budget covers.
PodDisruptionBudgetSpec.maxUnavailable: Pods (a number or a percentage) that may be down at once; exclusive with minAvailable.
PodDisruptionBudgetSpec.unhealthyPodEvictionPolicy: IfHealthyBudget (default): a pod that is not ready may be evicted only while the budget holds; AlwaysAllow: always.
Eviction: A request to evict a pod, refused while its disruption budget allows no disruption.
Eviction.deleteOptions: How the evicted pod is deleted.
CronJob: A Job made on a schedule.
CronJobSpec.schedule: When, in cron's five fields (minute hour day-of-month month day-of-week) or a macro such as @hourly.
CronJobSpec.startingDeadlineSeconds: How late a missed run may still start; later ones are skipped.
CronJobSpec.concurrencyPolicy: Allow (default) runs overlap; Forbid skips a run while one is active; Replace stops the active one.
CronJobSpec.suspend: true: no new runs start.
CronJobSpec.jobTemplate: The Job each run makes.
CronJobSpec.successfulJobsHistoryLimit: Finished successful Jobs kept (default 3).
CronJobSpec.failedJobsHistoryLimit: Failed Jobs kept (default 1).
CronJobSpec.timeZone: The IANA time zone the schedule is read in (default: the controller's, UTC).
JobTemplateSpec: The Job a CronJob makes.
PersistentVolumeClaimVolumeSource: A volume that is the PersistentVolume a claim is bound to.
PersistentVolumeClaimVolumeSource.claimName: The claim, in the pod's namespace.
PersistentVolumeClaimVolumeSource.readOnly: Mount it read-only.
PersistentVolume: Storage of the cluster, provisioned for a claim or made by an administrator.
PersistentVolumeClaim: A request for storage, bound to a PersistentVolume that satisfies it.
StatefulSet: Pods with stable names, ordinals and storage, started and stopped in order.
StatefulSetSpec.replicas: How many pods (ordinals 0 to replicas-1).
StatefulSetSpec.selector: The pods the StatefulSet owns; must match the template's labels.
StatefulSetSpec.template: The pods to run; each gets hostname <name>-<ordinal> under the governing Service.
StatefulSetSpec.volumeClaimTemplates: Claims made for every pod (<template>-<name>-<ordinal>) and kept across its restarts.
ControllerRevision: One revision of a DaemonSet's or StatefulSet's pod template, kept for rollout history and undo.
ControllerRevision.data: The revision's state: a patch that puts its pod template back (spec.template with $patch: replace).
ControllerRevision.revision: The revision's number; the newest is the highest.
StatefulSetSpec.serviceName: The headless Service that gives each pod its DNS name <pod>.<service>.<namespace>.svc.
StatefulSetSpec.podManagementPolicy: OrderedReady (default): one pod at a time, in order; Parallel: all at once.
StatefulSetSpec.updateStrategy: RollingUpdate (default; pods replaced from the highest ordinal down to partition) or OnDelete.
StatefulSetSpec.revisionHistoryLimit: Old revisions kept (default 10).
StatefulSetSpec.minReadySeconds: Seconds a pod must be ready before it counts as available.
StatefulSetSpec.persistentVolumeClaimRetentionPolicy: Whether claims are kept (Retain, default) or deleted when the StatefulSet is deleted or scaled down.
StatefulSetSpec.ordinals: The first ordinal (default 0).
StorageClass: A kind of storage and the provisioner that makes volumes of it.
StorageClass.provisioner: Who provisions volumes of this class (kinns.io/local-path: a directory on the machine).
StorageClass.parameters: Settings for the provisioner.
StorageClass.reclaimPolicy: What happens to a provisioned volume when its claim goes: Delete (default) or Retain.
StorageClass.mountOptions: Mount options of the volumes.
StorageClass.allowVolumeExpansion: Whether claims may grow.
StorageClass.volumeBindingMode: Immediate (binds when the claim is made) or WaitForFirstConsumer.
StorageClass.allowedTopologies: Where volumes may be provisioned.
CustomResourceDefinitionSpec.group: The API group of the new kind.
CustomResourceDefinitionSpec.names: The names of the new kind and its resource.
CustomResourceDefinitionSpec.scope: Namespaced or Cluster.
CustomResourceDefinitionSpec.versions: The versions served, each with its schema; exactly one is the storage version.
CustomResourceDefinitionSpec.conversion: How objects are converted between versions; kinns converts by renaming the apiVersion only.
CustomResourceDefinitionSpec.preserveUnknownFields: Deprecated; must be false in apiextensions.k8s.io/v1.
CustomResourceDefinitionNames.plural: The resource name in URLs (lower case, plural).
CustomResourceDefinitionNames.singular: The singular name (lower case).
CustomResourceDefinitionNames.shortNames: Short names kubectl accepts.
CustomResourceDefinitionNames.kind: The kind in CamelCase.
CustomResourceDefinitionNames.listKind: The kind of a list of them (kind + "List" by default).
CustomResourceDefinitionNames.categories: Groups of resources this one belongs to (`kubectl get all`).
CustomResourceDefinitionVersion.name: The version's name (v1, v1beta1, ...).
CustomResourceDefinitionVersion.served: Whether the API serves this version.
CustomResourceDefinitionVersion.storage: Whether objects are stored in this version.
CustomResourceDefinitionVersion.schema: The OpenAPI v3 schema objects of this version must match.
CustomResourceDefinitionVersion.subresources: The status and scale subresources of this version.
CustomResourceDefinitionVersion.additionalPrinterColumns: Columns `kubectl get` shows.
CustomResourceDefinitionVersion.deprecated: Whether requests to this version get a deprecation warning.
CustomResourceDefinitionVersion.deprecationWarning: The warning's text.
CustomResourceDefinitionVersion.selectableFields: Fields that field selectors may use.
CustomResourceValidation.openAPIV3Schema: The schema, with Kubernetes' extensions (x-kubernetes-*), and CEL validation rules.
CustomResourceDefinitionStatus.conditions: Established, NamesAccepted and the like.
CustomResourceDefinitionStatus.acceptedNames: The names the API server serves the kind under.
CustomResourceDefinitionStatus.storedVersions: Versions objects have been stored in.
ReplicationController: ReplicaSet's forerunner: keeps a number of pods from a template running.
ReplicationControllerSpec.replicas: How many pods (default 1).
ReplicationControllerSpec.selector: The labels its pods carry (a plain map; the template's labels by default).
ReplicationControllerSpec.template: The pods to run.
ReplicationControllerSpec.minReadySeconds: Seconds a pod must be ready before it counts as available.
DeleteOptions: How a deletion is to be carried out.
DeleteOptions.gracePeriodSeconds: Seconds the object is given to end gracefully; 0 removes it at once, unset takes the object's own default.
DeleteOptions.preconditions: The uid and resourceVersion the object must still have for the deletion to go ahead.
DeleteOptions.orphanDependents: Deprecated: true orphans the dependents; use propagationPolicy.
DeleteOptions.propagationPolicy: What the garbage collector does with the dependents: Orphan keeps them, Background deletes them after the owner, Foreground before it.
DeleteOptions.dryRun: All: check the deletion without carrying it out.
DeleteOptions.ignoreStoreReadErrorWithClusterBreakingPotential: Delete an object the store can no longer read; kinns's store never holds such objects.
Preconditions: What must still hold of an object for a write to go ahead.
Preconditions.uid: The object's uid.
Preconditions.resourceVersion: The object's resourceVersion.
OwnerReference: A reference to an owner of this object.
OwnerReference.apiVersion: The owner's API version.
OwnerReference.kind: The owner's kind.
OwnerReference.name: The owner's name (in the same namespace).
OwnerReference.uid: The owner's uid: another object of that name is not the owner.
OwnerReference.controller: Whether this owner is the managing controller (at most one owner is).
OwnerReference.blockOwnerDeletion: With foreground deletion, the owner is not removed before this object.
ManagedFieldsEntry: The fields one manager owns, with when and how it last wrote them.
ManagedFieldsEntry.manager: The manager's name (the field manager of the request).
ManagedFieldsEntry.operation: Apply (server-side apply) or Update.
ManagedFieldsEntry.apiVersion: The API version the fields are described in.
ManagedFieldsEntry.time: When the manager last changed these fields.
ManagedFieldsEntry.fieldsType: The format of fieldsV1: always FieldsV1.
ManagedFieldsEntry.fieldsV1: The owned fields as a set of paths.
ManagedFieldsEntry.subresource: The subresource written through (status, scale), if any.
LabelSelector: A label query: every matchLabels pair and every matchExpressions requirement must hold; an empty selector matches everything.
LabelSelector.matchLabels: Labels the object must have with exactly these values.
LabelSelector.matchExpressions: Requirements on labels: In, NotIn, Exists, DoesNotExist.
LabelSelectorRequirement: One requirement on a label.
LabelSelectorRequirement.key: The label key.
LabelSelectorRequirement.operator: In, NotIn, Exists or DoesNotExist.
LabelSelectorRequirement.values: The values for In and NotIn; empty for Exists and DoesNotExist.
Condition: One aspect of an object's state, with when and why it last changed.
Condition.type: The aspect, such as Ready or Available.
Condition.status: True, False or Unknown.
Condition.observedGeneration: The metadata.generation the condition was computed from.
Condition.lastTransitionTime: When status last changed.
Condition.reason: A CamelCase word for why.
Condition.message: A sentence for people.
Namespace: A scope for names: most objects live in one, and deleting it deletes them.
NamespaceSpec.finalizers: Cleanups to run before the namespace is removed (kubernetes: empty it first).
NamespaceStatus.phase: Active, or Terminating while its contents are deleted.
NamespaceStatus.conditions: Why a terminating namespace is not gone yet.
ConfigMap: Configuration data (files, environment values) for pods, not secret.
ConfigMap.data: Text values by key; mounted as files or read as environment variables.
ConfigMap.binaryData: Binary values by key, base64 in JSON.
ConfigMap.immutable: Once true, the data can no longer change (the object can only be deleted).
Secret: Sensitive data (passwords, keys, certificates) for pods; values are base64 in JSON.
Secret.data: Values by key, base64-encoded.
Secret.type: What the secret holds and which keys it must have: Opaque, kubernetes.io/tls (tls.crt, tls.key), kubernetes.io/service-account-token, ...
Secret.stringData: Plain-text values, merged into data on write; never read back.
Secret.immutable: Once true, the data can no longer change.
ServiceAccount: An identity for processes in pods; a pod's token is issued for it.
ServiceAccount.secrets: Secrets of the account (legacy long-lived tokens).
ServiceAccount.imagePullSecrets: Registry credentials added to pods that use this account.
ServiceAccount.automountServiceAccountToken: Whether pods of this account get a token mounted at /var/run/secrets/kubernetes.io/serviceaccount.
ObjectReference: A reference to any object.
ObjectReference.kind: The referent's kind.
ObjectReference.namespace: The referent's namespace.
ObjectReference.name: The referent's name.
ObjectReference.uid: The referent's uid.
ObjectReference.apiVersion: The referent's API version.
ObjectReference.resourceVersion: The referent's version when the reference was made.
ObjectReference.fieldPath: A part of the referent, such as spec.containers{web}.
LocalObjectReference: A reference to an object in the same namespace.
LocalObjectReference.name: The referent's name.
Service: A stable virtual IP and DNS name for a set of pods (its selector's), load-balanced by kube-proxy.
ServiceSpec: How the Service is reached and which pods serve it.
ServiceSpec.ports: The ports the Service exposes and the pod ports (targetPort) they go to.
ServiceSpec.selector: The labels of the pods behind the Service; without one, its endpoints are managed by hand.
ServiceSpec.clusterIP: The virtual IP, from the service CIDR (10.96.0.0/12 here); None makes the Service headless (DNS answers the pods' own IPs).
ServiceSpec.type: ClusterIP (inside the cluster), NodePort (also a port on every node), LoadBalancer (also an external address) or ExternalName (a DNS CNAME).
ServiceSpec.externalIPs: Extra addresses on which nodes accept traffic for the Service.
ServiceSpec.sessionAffinity: ClientIP keeps a client on one endpoint; None balances every connection.
ServiceSpec.loadBalancerIP: The LoadBalancer address asked for (deprecated in favour of implementation annotations).
ServiceSpec.loadBalancerSourceRanges: Client CIDRs allowed through the load balancer.
ServiceSpec.externalName: The DNS name an ExternalName Service is a CNAME for.
ServiceSpec.externalTrafficPolicy: Cluster (any node forwards, client IP hidden) or Local (only nodes with endpoints answer, client IP kept).
ServiceSpec.healthCheckNodePort: With Local external traffic, the node port where load balancers check which nodes have endpoints.
ServiceSpec.publishNotReadyAddresses: Publish endpoints (and DNS records) of pods that are not ready.
ServiceSpec.sessionAffinityConfig: Settings of ClientIP affinity (its timeout).
ServiceSpec.ipFamilyPolicy: SingleStack, PreferDualStack or RequireDualStack.
ServiceSpec.clusterIPs: The cluster IPs, one per IP family; the first equals clusterIP.
ServiceSpec.ipFamilies: IPv4 and/or IPv6, in the order of clusterIPs.
ServiceSpec.allocateLoadBalancerNodePorts: Whether a LoadBalancer Service also gets node ports.
ServiceSpec.loadBalancerClass: Which load balancer implementation handles the Service.
ServiceSpec.internalTrafficPolicy: Cluster, or Local (traffic from pods goes only to endpoints on their own node).
ServiceSpec.trafficDistribution: A preference for where traffic goes, such as PreferClose.
ServicePort: One port of a Service.
ServicePort.name: The port's name: needed when a Service has several; DNS SRV records use it.
ServicePort.protocol: TCP, UDP or SCTP.
ServicePort.port: The port on the cluster IP.
ServicePort.targetPort: The pod port (number, or the name of a container port); the same as port when unset.
ServicePort.nodePort: The port on every node, for NodePort and LoadBalancer Services (30000-32767).
ServicePort.appProtocol: The application protocol (http, kubernetes.io/h2c, ...), a hint for proxies.
ServiceStatus.loadBalancer: The addresses the load balancer gave the Service.
ServiceStatus.conditions: The Service's conditions.
LoadBalancerStatus.ingress: The load balancer's addresses.
LoadBalancerIngress: One address of a load balancer.
LoadBalancerIngress.ip: An IP address.
LoadBalancerIngress.hostname: A DNS name.
LoadBalancerIngress.ipMode: VIP (nodes take traffic to the IP themselves) or Proxy.
LoadBalancerIngress.ports: Per-port status.
Endpoints: The addresses behind a Service (the older API; EndpointSlices carry the same).
Endpoints.subsets: Groups of addresses sharing the same ports.
EndpointSubset.addresses: Ready addresses.
EndpointSubset.notReadyAddresses: Addresses of pods that are not ready.
EndpointSubset.ports: The ports these addresses serve.
EndpointAddress.ip: The pod's IP.
EndpointAddress.targetRef: The pod.
EndpointAddress.hostname: The pod's hostname, for headless Services with subdomains.
EndpointAddress.nodeName: The node the pod runs on.
EndpointPort.name: The Service port's name.
EndpointPort.port: The pod port.
EndpointPort.protocol: TCP, UDP or SCTP.
EndpointPort.appProtocol: The application protocol.
Event: A report of something that happened to an object (scheduled, pulled, started, failed, ...).
Event.involvedObject: The object the event is about.
Event.reason: A CamelCase word: Scheduled, Started, BackOff, ...
Event.message: What happened, for people.
Event.source: The component that reported it.
Event.firstTimestamp: When it first happened.
Event.lastTimestamp: When it last happened.
Event.count: How often it happened.
Event.type: Normal or Warning.
Event.eventTime: When it happened, with microseconds.
Event.series: Data about a series of the same event.
Event.action: What was done.
Event.related: A second object involved.
Event.reportingComponent: The controller that reported it.
Event.reportingInstance: The instance of that controller.
EventSource.component: The reporting component.
EventSource.host: The node it runs on.
Node: A machine (here, a network namespace) that runs pods; its kubelet registers it.
NodeSpec.podCIDR: The pod address range the node's pods get their IPs from.
NodeSpec.externalID: Deprecated.
NodeSpec.providerID: The cloud provider's ID of the machine.
NodeSpec.unschedulable: True (kubectl cordon) keeps new pods off the node.
NodeSpec.taints: Taints that repel pods without a matching toleration.
NodeSpec.configSource: Deprecated.
NodeSpec.podCIDRs: The pod ranges, one per IP family.
Taint: A mark on a node that only pods tolerating it accept.
Taint.key: The taint's key.
Taint.value: The taint's value.
Taint.effect: NoSchedule, PreferNoSchedule or NoExecute (also evicts running pods).
Taint.timeAdded: When a NoExecute taint was added.
Pod: A group of containers sharing one network namespace (one IP), volumes and a lifecycle: the unit the scheduler places on a node.
PodTemplateSpec: The pod a workload controller makes copies of.
PodSpec: What the pod runs and how it is placed, networked and ended.
PodSpec.volumes: Volumes the containers can mount.
PodSpec.containers: The containers; at least one.
PodSpec.restartPolicy: Always, OnFailure or Never: whether the kubelet restarts containers that end.
PodSpec.terminationGracePeriodSeconds: Seconds between SIGTERM and SIGKILL when the pod is deleted (30 when unset).
PodSpec.activeDeadlineSeconds: How long the pod may run before it is failed.
PodSpec.dnsPolicy: ClusterFirst (the cluster DNS, 10.96.0.10), Default (the node's resolv.conf), ClusterFirstWithHostNet, or None (only dnsConfig).
PodSpec.nodeSelector: Node labels the pod's node must have.
PodSpec.serviceAccountName: The ServiceAccount the pod runs as (default when unset).
PodSpec.serviceAccount: Deprecated name of serviceAccountName.
PodSpec.nodeName: The node the pod runs on: set by the scheduler, or by hand to skip it.
PodSpec.hostNetwork: Use the node's network namespace instead of the pod's own.
PodSpec.hostPID: Share the node's process namespace.
PodSpec.hostIPC: Share the node's IPC namespace.
PodSpec.securityContext: Security settings for all containers of the pod.
PodSpec.imagePullSecrets: Registry credentials for the pod's images.
PodSpec.hostname: The pod's hostname (the pod's name when unset).
PodSpec.subdomain: With a headless Service of this name, the pod gets the DNS name <hostname>.<subdomain>.<namespace>.svc.cluster.local.
PodSpec.affinity: Rules attracting the pod to nodes, or to and from other pods.
PodSpec.schedulerName: The scheduler that places the pod (default-scheduler).
PodSpec.initContainers: Containers that run to completion, one after another, before the others start.
PodSpec.automountServiceAccountToken: Whether a service account token is mounted.
PodSpec.tolerations: The taints the pod tolerates.
PodSpec.hostAliases: Entries added to the pod's /etc/hosts.
PodSpec.priorityClassName: The pod's priority class.
PodSpec.priority: The pod's priority, from its class.
PodSpec.dnsConfig: Nameservers, search domains and options merged into the pod's resolv.conf (all of it with dnsPolicy None).
PodSpec.shareProcessNamespace: One process namespace for all containers of the pod.
PodSpec.readinessGates: Extra conditions that must be True for the pod to be Ready.
PodSpec.runtimeClassName: The container runtime configuration to use.
PodSpec.enableServiceLinks: Whether Services appear as environment variables (WEB_SERVICE_HOST, ...); true when unset.
PodSpec.preemptionPolicy: Whether the pod may preempt lower-priority pods.
PodSpec.overhead: Resources the pod's sandbox uses besides its containers.
PodSpec.topologySpreadConstraints: How replicas spread across nodes or zones.
PodSpec.ephemeralContainers: Debugging containers added to a running pod.
PodSpec.setHostnameAsFQDN: Set the fully qualified name as the kernel hostname.
PodSpec.os: The operating system the pod needs.
PodSpec.hostUsers: Whether the pod uses the node's user namespace.
PodSpec.schedulingGates: Gates that keep the pod from being scheduled until removed.
PodSpec.resourceClaims: Dynamically allocated resources the pod uses.
Container: A process of the pod: an image's program with its arguments, environment, ports, mounts and probes.
Container.name: The container's name, a DNS-1123 label unique in the pod.
Container.image: The image to run; in kinns a supported image name chooses the host program.
Container.command: Replaces the image's entrypoint; $(VAR) refers to the container's environment.
Container.args: Replaces the image's default arguments; $(VAR) refers to the container's environment.
Container.workingDir: The working directory.
Container.ports: Ports the container listens on (informational; named ports can be a Service's targetPort).
Container.envFrom: ConfigMaps and Secrets whose keys all become environment variables.
Container.env: Environment variables, each a value or taken from a field, a ConfigMap or a Secret.
Container.resources: CPU and memory requests (scheduling) and limits (enforcement).
Container.volumeMounts: Where the pod's volumes appear in the container.
Container.volumeDevices: Block devices the container uses.
Container.livenessProbe: A check whose failure restarts the container.
Container.readinessProbe: A check whose result decides whether the pod is Ready and receives Service traffic.
Container.startupProbe: A check that must pass before the other probes begin.
Container.lifecycle: Hooks run after start and before stop.
Container.terminationMessagePath: The file whose content becomes the termination message.
Container.terminationMessagePolicy: File, or FallbackToLogsOnError.
Container.imagePullPolicy: Always, IfNotPresent or Never.
Container.securityContext: The container's security settings.
Container.stdin: Keep stdin open (kubectl attach, kubectl run -i).
Container.stdinOnce: Close stdin after the first attach ends.
Container.tty: Give the container a terminal.
Container.resizePolicy: How a change of resources is applied.
Container.restartPolicy: Always makes an init container a sidecar that keeps running.
ContainerPort: A port a container listens on.
ContainerPort.name: The port's name (a Service's targetPort can use it).
ContainerPort.hostPort: A port on the node forwarded to this one.
ContainerPort.containerPort: The port number in the pod's network namespace.
ContainerPort.protocol: TCP, UDP or SCTP.
ContainerPort.hostIP: The node address the hostPort binds.
EnvVar: An environment variable.
EnvVar.name: The variable's name.
EnvVar.value: The value; $(VAR) refers to earlier variables.
EnvVar.valueFrom: Where the value comes from instead.
EnvVarSource.fieldRef: A field of the pod: metadata.name, metadata.namespace, status.podIP, spec.nodeName, ...
EnvVarSource.resourceFieldRef: A container's resource request or limit.
EnvVarSource.configMapKeyRef: A key of a ConfigMap.
EnvVarSource.secretKeyRef: A key of a Secret.
ObjectFieldSelector.apiVersion: The version the field path is in (v1).
ObjectFieldSelector.fieldPath: The field's path, such as metadata.name.
ConfigMapKeySelector.key: The key.
ConfigMapKeySelector.optional: Whether the ConfigMap or key may be missing.
SecretKeySelector.key: The key.
SecretKeySelector.optional: Whether the Secret or key may be missing.
EnvFromSource.prefix: A prefix added to every variable's name.
EnvFromSource.configMapRef: The ConfigMap whose keys become variables.
EnvFromSource.secretRef: The Secret whose keys become variables.
ConfigMapEnvSource.optional: Whether the ConfigMap may be missing.
SecretEnvSource.optional: Whether the Secret may be missing.
ResourceRequirements.limits: The most the container may use (memory beyond it kills it).
ResourceRequirements.requests: What the scheduler reserves for the container.
ResourceRequirements.claims: Dynamically allocated resources the container uses.
VolumeMount: Where a volume appears in a container.
VolumeMount.name: The volume's name.
VolumeMount.readOnly: Mount it read-only.
VolumeMount.mountPath: The path in the container.
VolumeMount.subPath: A path inside the volume to mount instead of its root.
VolumeMount.mountPropagation: Whether mounts propagate between the host and the container.
VolumeMount.subPathExpr: A subPath with $(VAR) expanded from the environment.
VolumeMount.recursiveReadOnly: Whether read-only applies to mounts below.
Probe: A check the kubelet runs against a container: an HTTP GET, a TCP connect or a command.
Probe.initialDelaySeconds: Seconds after the container starts before the first check.
Probe.timeoutSeconds: Seconds a check may take (1 when unset).
Probe.periodSeconds: Seconds between checks (10 when unset).
Probe.successThreshold: Passes in a row that make a failed probe pass (1).
Probe.failureThreshold: Failures in a row that make the probe fail (3).
Probe.terminationGracePeriodSeconds: The grace period when a liveness failure ends the container.
ProbeHandler.exec: Run a command in the container: exit 0 passes.
ProbeHandler.httpGet: GET a URL of the pod: 200-399 passes.
ProbeHandler.tcpSocket: Connect to a port of the pod: a connection passes.
ProbeHandler.grpc: Call the gRPC health service.
ExecAction.command: The command line, run directly (no shell unless you call one).
HTTPGetAction.path: The path to GET.
HTTPGetAction.port: The port (number or container port name).
HTTPGetAction.host: The host to connect to (the pod IP when unset).
HTTPGetAction.scheme: HTTP or HTTPS.
HTTPGetAction.httpHeaders: Headers to send.
HTTPHeader.name: The header's name.
HTTPHeader.value: The header's value.
TCPSocketAction.port: The port (number or container port name).
TCPSocketAction.host: The host to connect to (the pod IP when unset).
Toleration: Permission for the pod to go to nodes with a matching taint.
Toleration.key: The taint key; empty with Exists matches every taint.
Toleration.operator: Equal (key and value match) or Exists (the key is enough).
Toleration.value: The taint value for Equal.
Toleration.effect: The taint effect it tolerates; empty tolerates all effects.
Toleration.tolerationSeconds: How long a NoExecute taint is tolerated before eviction.
HostAlias: Names for an IP in the pod's /etc/hosts.
HostAlias.ip: The IP address.
HostAlias.hostnames: Names for it.
PodDNSConfig.nameservers: DNS servers, added to (or, with dnsPolicy None, making up) the resolv.conf.
PodDNSConfig.searches: Search domains.
PodDNSConfig.options: resolv.conf options such as ndots.
PodDNSConfigOption.name: The option's name (ndots, timeout, ...).
PodDNSConfigOption.value: Its value.
Volume: A directory the pod's containers can mount, and where its content comes from.
Volume.name: The volume's name, which volumeMounts use.
VolumeSource.hostPath: A directory of the node.
VolumeSource.emptyDir: An empty directory for the pod's life.
VolumeSource.secret: A Secret's keys as files.
VolumeSource.persistentVolumeClaim: A persistent volume.
VolumeSource.downwardAPI: Fields of the pod as files.
VolumeSource.configMap: A ConfigMap's keys as files, kept current as it changes.
VolumeSource.projected: Several sources in one directory (the service account token, the CA, the namespace).
VolumeSource.csi: A volume from a CSI driver.
VolumeSource.ephemeral: A volume made and removed with the pod.
VolumeSource.image: An image's content as a volume.
HostPathVolumeSource.path: The node's path.
HostPathVolumeSource.type: What must be there: Directory, DirectoryOrCreate, File, ...
EmptyDirVolumeSource.medium: Memory for a tmpfs; the node's disk when empty.
EmptyDirVolumeSource.sizeLimit: The most it may hold.
SecretVolumeSource.secretName: The Secret.
SecretVolumeSource.items: Which keys, at which paths (all keys when empty).
SecretVolumeSource.defaultMode: The files' mode.
SecretVolumeSource.optional: Whether the Secret may be missing.
ConfigMapVolumeSource.items: Which keys, at which paths (all keys when empty).
ConfigMapVolumeSource.defaultMode: The files' mode.
ConfigMapVolumeSource.optional: Whether the ConfigMap may be missing.
KeyToPath.key: The key.
KeyToPath.path: The file's path in the volume.
KeyToPath.mode: The file's mode.
Deployment: Replicas of a pod template, rolled out by ReplicaSets one template version at a time.
DeploymentSpec.replicas: How many pods (1 when unset).
DeploymentSpec.selector: The labels of its pods; must match the template's and cannot change.
DeploymentSpec.template: The pod each replica is made from; changing it starts a rollout.
DeploymentSpec.strategy: How a rollout replaces pods.
DeploymentSpec.minReadySeconds: Seconds a new pod must be ready to count as available.
DeploymentSpec.revisionHistoryLimit: Old ReplicaSets kept for rollback.
DeploymentSpec.paused: Stop rolling out template changes.
DeploymentSpec.progressDeadlineSeconds: Seconds a rollout may stall before it is reported as failing.
DeploymentStrategy.type: RollingUpdate (a few pods at a time) or Recreate (all old ones first).
DeploymentStrategy.rollingUpdate: Limits of a rolling update.
RollingUpdateDeployment.maxUnavailable: Pods that may be unavailable during the update (number or percentage).
RollingUpdateDeployment.maxSurge: Pods allowed beyond replicas during the update (number or percentage).
ReplicaSet: Keeps a number of pods of one template running.
ReplicaSetSpec.replicas: How many pods.
ReplicaSetSpec.selector: The labels of its pods.
ReplicaSetSpec.template: The pod it makes.
ReplicaSetSpec.minReadySeconds: Seconds a pod must be ready to count as available.
DaemonSet: One pod on every node that fits (as kube-proxy and the CNI run).
DaemonSetSpec.selector: The labels of its pods.
DaemonSetSpec.template: The pod each node gets.
DaemonSetSpec.updateStrategy: RollingUpdate or OnDelete.
DaemonSetSpec.minReadySeconds: Seconds a pod must be ready to count as available.
DaemonSetSpec.revisionHistoryLimit: Old revisions kept.
Ingress: HTTP routing from outside the cluster to Services, by host and path, done by an Ingress controller.
IngressSpec.defaultBackend: Where requests no rule matches go.
IngressSpec.tls: Hosts served over TLS and the Secret with their certificate.
IngressSpec.rules: Host and path rules, each to a Service port.
IngressSpec.ingressClassName: The IngressClass (and so the controller) that serves this Ingress.
IngressBackend.resource: A resource other than a Service.
IngressBackend.service: A Service port.
IngressServiceBackend.name: The Service.
IngressServiceBackend.port: Its port, by number or name.
ServiceBackendPort.name: The port's name.
ServiceBackendPort.number: The port's number.
IngressTLS.hosts: Hosts the certificate is for.
IngressTLS.secretName: The Secret (type kubernetes.io/tls) with tls.crt and tls.key.
IngressRule.host: The host (a leading *. matches one label); every host when empty.
IngressRuleValue.http: The HTTP paths.
HTTPIngressRuleValue.paths: Paths, each to a backend.
HTTPIngressPath.path: The path to match.
HTTPIngressPath.pathType: Exact, Prefix (element by element) or ImplementationSpecific.
HTTPIngressPath.backend: Where matching requests go.
IngressClass: A kind of Ingress and the controller that serves it.
IngressClassSpec.controller: The controller's name, such as k8s.io/ingress-nginx.
IngressClassSpec.parameters: Settings for the controller.
NetworkPolicy: Which traffic may reach (ingress) or leave (egress) the pods it selects.
NetworkPolicySpec.podSelector: The pods it applies to; empty selects every pod of the namespace.
NetworkPolicySpec.ingress: Allowed incoming traffic.
NetworkPolicySpec.egress: Allowed outgoing traffic.
NetworkPolicySpec.policyTypes: Ingress, Egress, or both.
NetworkPolicyIngressRule.ports: Allowed ports.
NetworkPolicyIngressRule.from: Allowed sources.
NetworkPolicyEgressRule.ports: Allowed ports.
NetworkPolicyEgressRule.to: Allowed destinations.
NetworkPolicyPort.protocol: TCP, UDP or SCTP.
NetworkPolicyPort.port: The port (number or name).
NetworkPolicyPort.endPort: The last port of a range.
NetworkPolicyPeer.podSelector: Pods, by label.
NetworkPolicyPeer.namespaceSelector: Namespaces, by label.
NetworkPolicyPeer.ipBlock: A CIDR.
IPBlock.cidr: The range.
IPBlock.except: Ranges left out.
EndpointSlice: A set of endpoints of a Service, what kube-proxy, DNS and ingress controllers read.
EndpointSlice.addressType: IPv4, IPv6 or FQDN.
EndpointSlice.endpoints: The endpoints.
EndpointSlice.ports: The ports every endpoint serves.
Endpoint: One pod (or address) of a Service.
Endpoint.addresses: Its addresses.
Endpoint.conditions: Whether it is ready, serving and terminating.
Endpoint.hostname: Its hostname, for DNS.
Endpoint.targetRef: The pod.
Endpoint.deprecatedTopology: Deprecated.
Endpoint.nodeName: Its node.
Endpoint.zone: Its zone.
Endpoint.hints: Where it should be used (topology-aware routing).
EndpointConditions.ready: It can take new connections (its pod is Ready and not terminating).
EndpointConditions.serving: Its pod is Ready, terminating or not.
EndpointConditions.terminating: Its pod is being deleted.
EndpointSlicePort.name: The Service port's name.
EndpointSlicePort.protocol: TCP, UDP or SCTP.
EndpointSlicePort.port: The port on the endpoint.
EndpointSlicePort.appProtocol: The application protocol.
Lease: A lock with an expiry: leader election and node heartbeats.
LeaseSpec.holderIdentity: Who holds it.
LeaseSpec.leaseDurationSeconds: How long it is held without a renewal.
LeaseSpec.acquireTime: When it was taken.
LeaseSpec.renewTime: When it was last renewed.
LeaseSpec.leaseTransitions: How often it changed hands.
LeaseSpec.strategy: How a new holder is chosen.
LeaseSpec.preferredHolder: Who should hold it next.
TokenRequest: A request for a service account token, answered with the token.
TokenRequestSpec.audiences: Who the token is for.
TokenRequestSpec.boundObjectRef: The object the token is bound to (a pod): it stops working when that is gone.
TokenRequestSpec.expirationSeconds: How long it is valid.
BoundObjectReference.kind: The object's kind.
BoundObjectReference.apiVersion: Its API version.
BoundObjectReference.name: Its name.
BoundObjectReference.uid: Its uid.
TokenRequestStatus.token: The token.
TokenRequestStatus.expirationTimestamp: When it expires.
CustomResourceDefinition: A new kind served by the API server, with its names, versions and schema.
PodSpec.resources: Resources for the pod as a whole, shared by its containers (pod-level requests and limits).
PodSpec.hostnameOverride: A hostname for the pod other than its name (and no subdomain, FQDN or DNS record from it).
PodSpec.schedulingGroup: The group of pods the scheduler places together with this one.
PodSchedulingGroup.podGroupName: The name of the pod group.
Container.restartPolicyRules: Exit codes that restart the container (or not), overriding restartPolicy.
ContainerRestartRule.action: What a match does: Restart.
ContainerRestartRule.exitCodes: The exit codes the rule matches.
ContainerRestartRuleOnExitCodes.operator: In or NotIn.
ContainerRestartRuleOnExitCodes.values: The exit codes.
ContainerResizePolicy.resourceName: The resource (cpu or memory) the policy is for.
ContainerResizePolicy.restartPolicy: NotRequired (resized in place) or RestartContainer.
VolumeDevice.name: The claim (a pod volume) that is a raw block device.
VolumeDevice.devicePath: Where the device appears inside the container.
EnvVarSource.fileKeyRef: A key of a file in an emptyDir volume the pod's init containers wrote.
FileKeySelector.volumeName: The emptyDir volume holding the file.
FileKeySelector.path: The file's path within the volume.
FileKeySelector.key: The key in the file (KEY=value lines) whose value is taken.
FileKeySelector.optional: true: a missing file or key leaves the variable unset instead of failing the container.
ResourceFieldSelector.containerName: The container whose resource is read (this one by default in env).
ResourceFieldSelector.resource: The resource: limits.cpu, requests.memory, ...
ResourceFieldSelector.divisor: The unit the value is given in (1 by default).
ResourceClaim.name: The pod's resource claim (spec.resourceClaims) the container uses.
ResourceClaim.request: One request of that claim, when it has several.
GRPCAction.port: The port of the gRPC health service.
GRPCAction.service: The service name sent in the health check request (empty: the server as a whole).
SleepAction.seconds: How long the hook sleeps.
Lifecycle: Commands or requests run right after a container starts and just before it is stopped.
Lifecycle.postStart: Run right after the container is created; a failure kills the container.
Lifecycle.preStop: Run before the container is sent its stop signal, within the grace period.
Lifecycle.stopSignal: The signal that stops the container (SIGTERM unless the image says otherwise).
LifecycleHandler.sleep: Wait this long.
SecurityContext: What a container may do: its user, capabilities, privilege, seccomp and AppArmor profiles.
SecurityContext.capabilities: Linux capabilities added to or dropped from the runtime's default set.
SecurityContext.privileged: Run with every capability and the host's devices.
SecurityContext.seLinuxOptions: The SELinux context of the container.
SecurityContext.windowsOptions: Settings for Windows containers.
SecurityContext.runAsUser: The user id the process runs as.
SecurityContext.runAsGroup: The primary group id of the process.
SecurityContext.runAsNonRoot: Refuse to start the container if it would run as user 0.
SecurityContext.readOnlyRootFilesystem: Mount the container's root filesystem read-only.
SecurityContext.allowPrivilegeEscalation: Whether a process may gain more privileges than its parent (no_new_privs when false).
SecurityContext.procMount: Default (masked /proc paths) or Unmasked.
SecurityContext.seccompProfile: The seccomp filter: RuntimeDefault, Unconfined or a Localhost profile.
SecurityContext.appArmorProfile: The AppArmor profile: RuntimeDefault, Unconfined or a Localhost one.
PodSecurityContext: Security settings for every container of the pod, and for its volumes.
PodSecurityContext.supplementalGroups: Group ids added to every container's first process.
PodSecurityContext.supplementalGroupsPolicy: Merge (with the image's groups) or Strict (only these).
PodSecurityContext.fsGroup: A group that owns the pod's volumes and is added to every container.
PodSecurityContext.fsGroupChangePolicy: OnRootMismatch or Always: when a volume's ownership is changed to fsGroup.
PodSecurityContext.sysctls: Namespaced kernel parameters set for the pod.
PodSecurityContext.seLinuxChangePolicy: MountOption or Recursive: how volumes get the pod's SELinux label.
Sysctl.name: The parameter (net.ipv4.ip_local_port_range, ...).
Sysctl.value: Its value.
Capabilities.add: Capabilities granted beyond the default set.
Capabilities.drop: Capabilities removed (ALL removes every one).
SELinuxOptions.user: The SELinux user.
SELinuxOptions.role: The SELinux role.
SELinuxOptions.type: The SELinux type.
SELinuxOptions.level: The SELinux level.
WindowsSecurityContextOptions.gmsaCredentialSpecName: The GMSA credential spec resource to use.
WindowsSecurityContextOptions.gmsaCredentialSpec: The GMSA credential spec itself.
WindowsSecurityContextOptions.runAsUserName: The Windows user the process runs as.
WindowsSecurityContextOptions.hostProcess: Run as a Windows host process.
SeccompProfile.type: RuntimeDefault, Unconfined or Localhost.
SeccompProfile.localhostProfile: With Localhost: the profile's path on the node.
Affinity: Where the pod prefers or needs to run: by node labels, or near or away from other pods.
Affinity.nodeAffinity: Rules on the labels of the node.
Affinity.podAffinity: Rules to run in the same topology domain as certain pods.
Affinity.podAntiAffinity: Rules to stay out of the topology domains of certain pods.
NodeAffinity.requiredDuringSchedulingIgnoredDuringExecution: Terms a node must match for the pod to be placed there.
NodeAffinity.preferredDuringSchedulingIgnoredDuringExecution: Weighted terms the scheduler favours nodes by.
NodeSelector.nodeSelectorTerms: Terms of which a node must match at least one.
NodeSelectorTerm.matchExpressions: Requirements on the node's labels, all of which must hold.
NodeSelectorTerm.matchFields: Requirements on the node's fields (metadata.name), all of which must hold.
NodeSelectorRequirement.key: The label or field.
NodeSelectorRequirement.operator: In, NotIn, Exists, DoesNotExist, Gt or Lt.
NodeSelectorRequirement.values: The values (one integer for Gt and Lt, none for Exists and DoesNotExist).
PreferredSchedulingTerm.weight: How much a match counts (1-100).
PreferredSchedulingTerm.preference: The term a node should match.
PodAffinity.requiredDuringSchedulingIgnoredDuringExecution: Terms that must hold where the pod is placed.
PodAffinity.preferredDuringSchedulingIgnoredDuringExecution: Weighted terms the scheduler favours domains by.
PodAffinityTerm.labelSelector: The pods the term is about.
PodAffinityTerm.namespaces: The namespaces those pods are in (the pod's own by default).
PodAffinityTerm.topologyKey: The node label whose values are the domains (kubernetes.io/hostname: each node).
PodAffinityTerm.namespaceSelector: Namespaces, by their labels, those pods are in.
PodAffinityTerm.matchLabelKeys: Labels of the incoming pod whose values are added to the selector (In).
PodAffinityTerm.mismatchLabelKeys: Labels of the incoming pod whose values are added to the selector (NotIn).
WeightedPodAffinityTerm.weight: How much a match counts (1-100).
WeightedPodAffinityTerm.podAffinityTerm: The term.
TopologySpreadConstraint.maxSkew: The most the number of matching pods may differ between two domains.
TopologySpreadConstraint.topologyKey: The node label whose values are the domains.
TopologySpreadConstraint.whenUnsatisfiable: DoNotSchedule or ScheduleAnyway.
TopologySpreadConstraint.labelSelector: The pods counted.
TopologySpreadConstraint.minDomains: The fewest domains there must be before skew counts.
TopologySpreadConstraint.nodeAffinityPolicy: Honor or Ignore the pod's node affinity when counting domains.
TopologySpreadConstraint.nodeTaintsPolicy: Honor or Ignore node taints when counting domains.
TopologySpreadConstraint.matchLabelKeys: Labels of the incoming pod whose values narrow the counted pods.
PodReadinessGate.conditionType: A pod condition that must be True for the pod to be Ready.
PodOS.name: linux or windows.
PodSchedulingGate.name: A gate that keeps the pod unscheduled until it is removed.
PodResourceClaim.name: The claim's name within the pod, as containers refer to it.
PodResourceClaim.resourceClaimName: An existing ResourceClaim to use.
PodResourceClaim.resourceClaimTemplateName: A ResourceClaimTemplate to make the pod its own claim from.
VolumeSource.gcePersistentDisk: A GCE persistent disk (in-tree, removed from the kubelet; kinns cannot mount it).
VolumeSource.awsElasticBlockStore: An AWS EBS volume (in-tree, removed from the kubelet; kinns cannot mount it).
VolumeSource.gitRepo: A git repository cloned into an empty directory (deprecated; kinns cannot mount it).
VolumeSource.nfs: An NFS export (kinns cannot mount it).
VolumeSource.iscsi: An iSCSI disk (kinns cannot mount it).
VolumeSource.glusterfs: A GlusterFS volume (removed from the kubelet; kinns cannot mount it).
VolumeSource.rbd: A Ceph RBD image (removed from the kubelet; kinns cannot mount it).
VolumeSource.flexVolume: A volume of an exec-based FlexVolume driver (deprecated; kinns cannot mount it).
VolumeSource.cinder: An OpenStack Cinder volume (in-tree, removed; kinns cannot mount it).
VolumeSource.cephfs: A CephFS volume (removed from the kubelet; kinns cannot mount it).
VolumeSource.flocker: A Flocker dataset (removed; kinns cannot mount it).
VolumeSource.fc: A Fibre Channel disk (kinns cannot mount it).
VolumeSource.azureFile: An Azure File share (in-tree, removed; kinns cannot mount it).
VolumeSource.vsphereVolume: A vSphere disk (in-tree, removed; kinns cannot mount it).
VolumeSource.quobyte: A Quobyte volume (removed; kinns cannot mount it).
VolumeSource.azureDisk: An Azure data disk (in-tree, removed; kinns cannot mount it).
VolumeSource.photonPersistentDisk: A Photon controller disk (removed; kinns cannot mount it).
VolumeSource.portworxVolume: A Portworx volume (in-tree; kinns cannot mount it).
VolumeSource.scaleIO: A ScaleIO volume (removed; kinns cannot mount it).
VolumeSource.storageos: A StorageOS volume (removed; kinns cannot mount it).
*VolumeSource.fsType: The filesystem type the volume is formatted with (ext4 when unset).
*VolumeSource.readOnly: Mount the volume read-only.
*VolumeSource.secretRef: A Secret with the credentials the volume is attached or mounted with.
*VolumeSource.secretName: The Secret with the credentials.
*VolumeSource.volumeID: The volume's identifier in its storage system.
*VolumeSource.partition: The partition of the disk to mount (the whole disk when 0).
*VolumeSource.pdName: The disk's name.
*VolumeSource.user: The user the volume is mounted as.
*VolumeSource.monitors: The storage cluster's monitor addresses.
*VolumeSource.path: The path exported or mounted.
*VolumeSource.volumeName: The volume's name in its storage system.
*VolumeSource.lun: The logical unit number.
*VolumeSource.driver: The driver's name.
*VolumeSource.items: Which keys or fields become which files (all of them, named by key, by default).
*VolumeSource.defaultMode: The permission bits of the files made (0644 by default).
GitRepoVolumeSource.repository: The repository's URL.
GitRepoVolumeSource.revision: The commit to check out.
GitRepoVolumeSource.directory: The directory the repository is cloned into (. for the volume itself).
NFSVolumeSource.server: The NFS server's address.
ISCSIVolumeSource.targetPortal: The target's address (ip:port).
ISCSIVolumeSource.iqn: The target's qualified name.
ISCSIVolumeSource.iscsiInterface: The iSCSI interface (default tcp).
ISCSIVolumeSource.portals: Further target addresses for multipath.
ISCSIVolumeSource.chapAuthDiscovery: Use CHAP authentication for discovery.
ISCSIVolumeSource.chapAuthSession: Use CHAP authentication for the session.
ISCSIVolumeSource.initiatorName: The initiator's name.
GlusterfsVolumeSource.endpoints: The Endpoints object naming the Gluster servers.
RBDVolumeSource.image: The RBD image.
RBDVolumeSource.pool: The RADOS pool.
RBDVolumeSource.keyring: The keyring file on the node.
FlexVolumeSource.options: Extra options passed to the driver.
CephFSVolumeSource.secretFile: The file on the node with the user's key.
FlockerVolumeSource.datasetName: The dataset's name.
FlockerVolumeSource.datasetUUID: The dataset's UUID.
FCVolumeSource.targetWWNs: The target worldwide names.
FCVolumeSource.wwids: The worldwide identifiers of the volume.
AzureFileVolumeSource.shareName: The share.
VsphereVirtualDiskVolumeSource.volumePath: The disk's path.
VsphereVirtualDiskVolumeSource.storagePolicyName: The storage policy's name.
VsphereVirtualDiskVolumeSource.storagePolicyID: The storage policy's id.
QuobyteVolumeSource.registry: The registry's addresses.
QuobyteVolumeSource.volume: The volume's name.
QuobyteVolumeSource.group: The group the volume is mounted as.
QuobyteVolumeSource.tenant: The tenant that owns the volume.
AzureDiskVolumeSource.diskName: The disk's name.
AzureDiskVolumeSource.diskURI: The disk's URI.
AzureDiskVolumeSource.cachingMode: None, ReadOnly or ReadWrite.
PhotonPersistentDiskVolumeSource.pdID: The disk's id.
ScaleIOVolumeSource.gateway: The gateway's address.
ScaleIOVolumeSource.system: The storage system's name.
ScaleIOVolumeSource.sslEnabled: Talk to the gateway over TLS.
ScaleIOVolumeSource.protectionDomain: The protection domain.
ScaleIOVolumeSource.storagePool: The storage pool.
ScaleIOVolumeSource.storageMode: ThickProvisioned or ThinProvisioned.
StorageOSVolumeSource.volumeNamespace: The StorageOS namespace of the volume.
DownwardAPIVolumeSource: Files holding fields of the pod (labels, annotations, resources).
DownwardAPIVolumeFile.path: The file's path in the volume.
DownwardAPIVolumeFile.fieldRef: The pod field it holds (metadata.labels, metadata.annotations, ...).
DownwardAPIVolumeFile.resourceFieldRef: The container resource it holds.
DownwardAPIVolumeFile.mode: The file's permission bits.
ProjectedVolumeSource: One directory made of several sources: Secrets, ConfigMaps, downward API fields, tokens.
ProjectedVolumeSource.sources: The sources.
DownwardAPIProjection.items: Which pod fields become which files.
VolumeProjection.secret: Keys of a Secret.
VolumeProjection.configMap: Keys of a ConfigMap.
VolumeProjection.downwardAPI: Fields of the pod.
VolumeProjection.serviceAccountToken: A token of the pod's service account, renewed before it expires.
VolumeProjection.clusterTrustBundle: Certificates of ClusterTrustBundles.
VolumeProjection.podCertificate: A key and a certificate issued to the pod.
ConfigMapProjection.items: Which keys become which files (all of them by default).
ConfigMapProjection.optional: true: a missing object or key is no error.
ServiceAccountTokenProjection.audience: The audience the token is for (the API server's by default).
ServiceAccountTokenProjection.expirationSeconds: How long the token is valid (3600 by default, at least 600).
ServiceAccountTokenProjection.path: The token file's path in the volume.
ClusterTrustBundleProjection.name: One ClusterTrustBundle, by name.
ClusterTrustBundleProjection.signerName: The bundles of this signer.
ClusterTrustBundleProjection.labelSelector: The bundles with these labels (with signerName).
ClusterTrustBundleProjection.optional: true: no bundle found is no error.
ClusterTrustBundleProjection.path: The file's path in the volume.
PodCertificateProjection.signerName: The signer that issues the certificate.
PodCertificateProjection.keyType: The private key's type (RSA3072, ECDSAP256, ED25519, ...).
PodCertificateProjection.maxExpirationSeconds: The longest the certificate may be valid.
PodCertificateProjection.credentialBundlePath: A file with the key and the chain together.
PodCertificateProjection.keyPath: A file with the key alone.
PodCertificateProjection.certificateChainPath: A file with the chain alone.
PodCertificateProjection.userAnnotations: Annotations passed to the signer.
CSIVolumeSource.nodePublishSecretRef: A Secret passed to the driver's publish call.
CSIVolumeSource.volumeAttributes: Attributes passed to the driver.
EphemeralVolumeSource.volumeClaimTemplate: The claim made for the pod (named <pod>-<volume>) and deleted with it.
ImageVolumeSource.reference: The image (or artifact) whose content is the volume.
ImageVolumeSource.pullPolicy: Always, Never or IfNotPresent.
PersistentVolumeClaimSpec.accessModes: How the volume may be mounted: ReadWriteOnce, ReadOnlyMany, ReadWriteMany, ReadWriteOncePod.
PersistentVolumeClaimSpec.selector: Labels a pre-made volume must have to be bound.
PersistentVolumeClaimSpec.resources: The storage asked for (requests.storage).
PersistentVolumeClaimSpec.volumeName: Bind to this volume.
PersistentVolumeClaimSpec.storageClassName: The class the volume is provisioned by (the default class when unset).
PersistentVolumeClaimSpec.volumeMode: Filesystem (default) or Block.
PersistentVolumeClaimSpec.dataSource: A snapshot or claim to fill the new volume from.
PersistentVolumeClaimSpec.dataSourceRef: The same, possibly of another namespace or a custom kind.
PersistentVolumeClaimSpec.volumeAttributesClassName: The VolumeAttributesClass the volume gets.
VolumeResourceRequirements.limits: The most storage.
VolumeResourceRequirements.requests: The storage needed.
TypedLocalObjectReference.apiGroup: The object's API group (empty for the core group).
TypedLocalObjectReference.kind: The object's kind.
TypedLocalObjectReference.name: The object's name.
TypedObjectReference.namespace: The object's namespace (the claim's by default).
"""


def _parse() -> dict[str, str]:
    out = {}
    for line in _TEXT.strip().splitlines():
        key, _, text = line.partition(": ")
        out[key] = text
    return out


DESCRIPTIONS = _parse()


# types described by another's words where they share fields
SAME_AS = {"MutatingWebhook": "ValidatingWebhook", "MutatingWebhookConfiguration": "ValidatingWebhookConfiguration",
           "PodAntiAffinity": "PodAffinity", "PodSecurityContext": "SecurityContext", "LifecycleHandler": "ProbeHandler",
           "AppArmorProfile": "SeccompProfile", "SecretProjection": "ConfigMapProjection",
           "TypedObjectReference": "TypedLocalObjectReference"}


def describe(type_name: str, field: str = "") -> str:
    """The description of a type, or of one of its fields (the common ones under `*`)."""
    if not field:
        return DESCRIPTIONS.get(type_name, "")
    shared = f"*VolumeSource.{field}" if type_name.endswith("VolumeSource") else ""  # fsType, readOnly, ...
    return DESCRIPTIONS.get(f"{type_name}.{field}") or DESCRIPTIONS.get(f"{SAME_AS.get(type_name)}.{field}") or \
        DESCRIPTIONS.get(shared) or DESCRIPTIONS.get(f"*.{field}", "")
