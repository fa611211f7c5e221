"""The REST verbs on stored objects (kube-apiserver's generic registry): create, get, list, update, patch, delete.

Everything is checked before the store is touched, so a rejected request
writes nothing; every write is one store transaction.
"""

from __future__ import annotations  # `list` is also a method name here

import base64
import copy
import datetime
import json
import uuid
from collections.abc import Callable

from ..apimachinery.errors import APIError, already_exists, bad_request, conflict, invalid, not_found
from ..apimachinery.labels import label_selector, selector_matches
from ..apimachinery.meta import format_time, now
from ..store import MAX_VALUE, Conflict, Exists, Missing, Store, TooLarge
from . import apiservices, crds, defaults, managedfields
from . import patch as patches
from .admission.request import Hooks, Request, WriteOptions
from .resources import Registry, Resource
from .schema import kind_type
from .schema.fields import TypeError_, prune
from .selectors import allowed_fields, field_selector
from .validation import validate

PROTECTED_NAMESPACES = ("default", "kube-system", "kube-public")
PROPAGATION = {"Orphan": "orphan", "Foreground": "foregroundDeletion", "Background": ""}  # -> the GC's finalizer


def too_large() -> APIError:
    return APIError(413, "RequestEntityTooLarge", f"etcdserver: request is too large (the object is over the "
                    f"{MAX_VALUE}-byte limit of a stored object)")


def _too_many(cause: str) -> APIError:
    return APIError(429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.",
                    {"causes": [{"reason": "DisruptionBudget", "message": cause}]})


def with_type(r: Resource, obj: dict) -> dict:
    return {"kind": r.kind, "apiVersion": r.group_version, **obj}


def decode(r: Resource, obj: dict, validation: str, warnings: list[str]) -> dict:
    """The object as its type holds it: unknown fields refused (Strict), reported (Warn) or dropped (Ignore).

    Built-in kinds are checked against the type table, custom resources against their CRD's schema
    (which also defaults them and may find them Invalid).
    """
    prefix = f'{r.kind} in version "{r.version}" cannot be handled as a {r.kind}: '
    causes: list = []
    if r.extra.get("crd"):
        obj, unknown, causes = crds.validate(r, copy.deepcopy(obj))
    elif (short := kind_type(r)) is not None:
        obj = copy.deepcopy(obj)
        try:
            unknown = prune(short, obj)
        except TypeError_ as err:
            raise bad_request(prefix + str(err)) from None
    else:
        return obj
    if unknown and validation == "Strict":
        raise bad_request(prefix + "strict decoding error: " + ", ".join(f'unknown field "{p}"' for p in unknown))
    if validation != "Ignore":
        warnings += [f'unknown field "{p}"' for p in unknown]
    if causes:
        raise invalid(r.kind, r.group, (obj.get("metadata") or {}).get("name", ""), causes)
    return obj


def _same(old: dict, new: dict) -> bool:
    """Equal but for resourceVersion and ownership timestamps: such a write is a no-op."""
    def strip(o: dict) -> dict:
        meta = {k: v for k, v in o.get("metadata", {}).items() if k not in ("resourceVersion", "managedFields")}
        owners = [{k: v for k, v in e.items() if k != "time"} for e in o.get("metadata", {}).get("managedFields") or []]
        return {**o, "metadata": meta, "owners": owners}

    return strip(old) == strip(new)


class Objects:
    """The API's object semantics on top of a Store."""

    def __init__(self, store: Store, registry: Registry) -> None:
        self.store, self.registry = store, registry
        # kube-apiserver's admission: mutating plugins before validation, validating ones after it
        self.mutating: list[Callable[[Resource, str | None, dict, dict | None, WriteOptions], None]] = []
        self.admission: list[Callable[[Resource, str | None, dict, dict | None, WriteOptions], None]] = []
        self.hooks = Hooks()  # dynamic admission (webhooks, policies), set by the API server
        # validating plugins run last, after the webhooks, with nothing awaited between them and the store's
        # write: ResourceQuota, whose count must not change under it while a slow webhook answers
        self.last: list[Callable[[Resource, str | None, dict, dict | None, WriteOptions], None]] = []

    def _admit(self, r: Resource, namespace: str | None, new: dict, old: dict | None, opts: WriteOptions,
               plugins: list | None = None) -> None:
        for admit in self.admission if plugins is None else plugins:
            admit(r, namespace, new, old, opts)

    # reads

    def get(self, r: Resource, namespace: str | None, name: str) -> dict:
        obj = self.store.get(r.key(namespace, name))
        if obj is None:
            raise not_found(r.plural, r.group, name)
        return obj

    def list(self, r: Resource, namespace: str | None, labels: str | None = None, fields: str | None = None,
             limit: int = 0, cont: str = "") -> tuple[list[dict], dict]:
        """Matching objects and the list metadata (resourceVersion, continue)."""
        match_labels = label_selector(labels)
        match_fields = field_selector(fields, allowed_fields(r.plural))
        start_key = ""
        if cont:
            try:
                state = json.loads(base64.urlsafe_b64decode(cont.encode()))
                start_key = state["start"]
            except (ValueError, KeyError, TypeError):
                raise bad_request("continue key is not valid: illegal base64 data") from None
        objects, revision = self.store.list(r.key(namespace))
        out, meta = [], {"resourceVersion": str(revision)}
        for obj in objects:
            key = r.key(obj["metadata"].get("namespace"), obj["metadata"]["name"])
            if start_key and key <= start_key:
                continue
            if not match_labels(obj["metadata"].get("labels") or {}) or not match_fields(obj):
                continue
            if limit and len(out) == limit:
                token = {"start": r.key(out[-1]["metadata"].get("namespace"), out[-1]["metadata"]["name"])}
                meta["continue"] = base64.urlsafe_b64encode(json.dumps(token).encode()).decode()
                break
            out.append(obj)
        return out, meta

    # writes

    def _namespace_exists(self, r: Resource, namespace: str | None) -> None:
        if not r.namespaced:
            return
        ns = self.store.get(self.registry.get("", "v1", "namespaces").key(None, namespace))
        if ns is None:
            raise not_found("namespaces", "", namespace or "")
        if ns["metadata"].get("deletionTimestamp") and r.plural != "events":
            raise APIError(403, "Forbidden", f"{r.plural} \"\" is forbidden: unable to create new content in "
                           f"namespace {namespace} because it is being terminated",
                           {"kind": r.plural, "causes": [{"reason": "NamespaceTerminating",
                                                          "message": f"namespace {namespace} is being terminated",
                                                          "field": "metadata.namespace"}]})

    def _check_type(self, r: Resource, obj: dict) -> None:
        if not isinstance(obj, dict):
            raise bad_request("the body of the request was in an unknown format")
        api_version, kind = obj.get("apiVersion"), obj.get("kind")
        if api_version and api_version != r.group_version:
            raise bad_request(f"the API version in the data ({api_version}) does not match the expected API "
                              f"version ({r.group_version})")
        if kind and kind != r.kind:
            raise bad_request(f"the kind in the data ({kind}) does not match the expected kind ({r.kind})")

    async def create(self, r: Resource, namespace: str | None, obj: dict, opts: WriteOptions | None = None,
               operation: str = "Update") -> dict:
        opts = opts or WriteOptions()
        self._check_type(r, obj)
        applied = obj
        obj = decode(r, obj, opts.validation, opts.warnings)
        meta = dict(obj.get("metadata") or {})
        if r.namespaced:
            if meta.get("namespace") and namespace and meta["namespace"] != namespace:
                raise bad_request("the namespace of the provided object does not match the namespace sent on "
                                  "the request")
            meta["namespace"] = namespace
        else:
            meta.pop("namespace", None)
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + uuid.uuid4().hex[:5]
        meta.update({"uid": str(uuid.uuid4()), "creationTimestamp": now()})
        for key in ("resourceVersion", "deletionTimestamp", "managedFields"):
            meta.pop(key, None)
        if "spec" in obj or r.plural in ("deployments", "replicasets", "daemonsets", "statefulsets"):
            meta["generation"] = 1
        new = with_type(r, {**obj, "metadata": meta})
        if "status" in r.subresources:  # status is the system's to write, through its own subresource
            new.pop("status", None)
            if r.extra.get("crd") and (status := crds.status_default(r)) is not None:
                new["status"] = status
        request = Request(r, "CREATE", namespace, meta["name"], opts)
        new = await self._mutate(request, new, None)
        validate(r, new)
        self._namespace_exists(r, namespace)
        self._admit(r, namespace, new, None, opts)
        await self.hooks.validate(request, new, None)
        self._admit(r, namespace, new, None, opts, self.last)
        if operation == "Apply":
            new = managedfields.apply({}, applied, new, opts.manager, r.group_version, opts.force)
        else:
            new = managedfields.update(None, new, opts.manager, r.group_version)
        if opts.dry_run:
            if self.store.get(r.key(namespace, meta["name"])) is not None:
                raise already_exists(r.plural, r.group, meta["name"])
            return new
        try:
            created = self.store.create(r.key(namespace, meta["name"]), new)
        except Exists:
            raise already_exists(r.plural, r.group, meta["name"]) from None
        except TooLarge:
            raise too_large() from None
        return self._after_write(r, created)

    async def _mutate(self, request: Request, new: dict, old: dict | None) -> dict:
        """Defaults, the built-in mutating plugins, then the mutating webhooks; an object a webhook changed is
        decoded and defaulted again, as kube-apiserver decodes a patched object."""
        r, opts = request.resource, request.opts
        self._default(r, new, old)
        for mutate in self.mutating:
            mutate(r, request.namespace, new, old, opts)
        mutated = await self.hooks.mutate(request, new, old)
        if mutated is not new:
            new = decode(r, mutated, "Ignore", opts.warnings)
            self._default(r, new, old)
        return new

    def _default(self, r: Resource, obj: dict, old: dict | None) -> None:
        """Built-in kinds get kube-apiserver's defaults; Services their ClusterIP and node ports."""
        if r.extra.get("crd") or kind_type(r) is None:
            return
        defaults.apply(r.kind, obj)
        if r.kind == "Service" and not r.group:
            defaults.allocate_service(obj, self.store.list(r.key(None))[0], old)

    def _after_write(self, r: Resource, obj: dict) -> dict:
        """A CRD written: serve what it defines now, and mark it established."""
        if r.plural != "customresourcedefinitions" or r.group != "apiextensions.k8s.io":
            return obj
        crds.install(self.registry, obj)
        apiservices.sync(self.store, self.registry)
        status = crds.accepted_status(obj, now())
        if obj.get("status") == status:
            return obj
        return self.store.update(r.key(None, obj["metadata"]["name"]), {**obj, "status": status})

    def load_crds(self) -> None:
        """Serve the CRDs already stored (after a restart)."""
        r = self.registry.get("apiextensions.k8s.io", "v1", "customresourcedefinitions")
        for crd in self.store.list(r.key(None))[0]:
            crds.install(self.registry, crd)

    async def update(self, r: Resource, namespace: str | None, name: str, obj: dict, subresource: str = "",
               opts: WriteOptions | None = None) -> dict:
        opts = opts or WriteOptions()
        self._check_type(r, obj)
        obj = decode(r, obj, opts.validation, opts.warnings)
        meta = obj.get("metadata") or {}
        if meta.get("name") and meta["name"] != name:
            raise bad_request(f'the name of the object ({meta["name"]}) does not match the name on the URL ({name})')
        old = self.get(r, namespace, name)
        expect = meta.get("resourceVersion")
        if expect and expect != old["metadata"]["resourceVersion"]:
            raise conflict(r.plural, r.group, name)
        return await self._write(r, namespace, name, old, self._merge_update(r, old, obj, subresource), subresource,
                           opts)

    async def _write(self, r: Resource, namespace: str | None, name: str, old: dict, new: dict, subresource: str,
               opts: WriteOptions, applied: dict | None = None) -> dict:
        """Validate, record field ownership and store, unless nothing changed (then no new revision)."""
        request = Request(r, "UPDATE", namespace, name, opts, subresource)
        new = await self._mutate(request, new, old)
        validate(r, new, old, subresource)
        self._admit(r, namespace, new, old, opts)
        await self.hooks.validate(request, new, old)
        self._admit(r, namespace, new, old, opts, self.last)
        if applied is not None:
            new = managedfields.apply(old, applied, new, opts.manager, r.group_version, opts.force)
        if _same(old, new):
            return old
        if applied is None:
            new = managedfields.update(old, new, opts.manager, r.group_version, subresource)
        if opts.dry_run:
            return new
        return self._store_update(r, namespace, name, new, int(old["metadata"]["resourceVersion"]))

    def _merge_update(self, r: Resource, old: dict, obj: dict, subresource: str) -> dict:
        """The object as stored after an update: immutable metadata kept, status by its own subresource."""
        keep = {k: old["metadata"][k] for k in ("uid", "creationTimestamp", "namespace", "name", "generation",
                                                "deletionTimestamp", "managedFields") if k in old["metadata"]}
        if subresource == "status":
            meta = dict(old["metadata"])
            if r.kind == "Node":  # kube-apiserver's node status strategy keeps only the spec: labels and
                for key in ("labels", "annotations"):  # annotations change here too (flannel's do)
                    if key in (obj.get("metadata") or {}):
                        meta[key] = obj["metadata"][key]
            new = {**old, "metadata": meta, "status": obj.get("status", {})}
        elif subresource == "approval":  # a signing request's approval: its conditions, never its certificate
            status = {**(old.get("status") or {}), "conditions": (obj.get("status") or {}).get("conditions") or []}
            new = {**old, "metadata": dict(old["metadata"]), "status": status}
        elif r.kind == "CertificateSigningRequest":  # the request itself never changes once made
            new = {**with_type(r, {**obj, "metadata": {**(obj.get("metadata") or {}), **keep}}),
                   "spec": old.get("spec"), **({"status": old["status"]} if "status" in old else {})}
        elif subresource == "ephemeralcontainers":  # only the running pod's ephemeral containers change
            spec = {**old.get("spec", {}), "ephemeralContainers": (obj.get("spec") or {}).get("ephemeralContainers")}
            new = {**old, "metadata": dict(old["metadata"]), "spec": {k: v for k, v in spec.items() if v is not None}}
        else:
            new = with_type(r, {**obj, "metadata": {**(obj.get("metadata") or {}), **keep}})
            if "status" in r.subresources:
                if "status" in old:
                    new["status"] = old["status"]
                else:
                    new.pop("status", None)
            if "generation" in keep and new.get("spec") != old.get("spec"):
                new["metadata"]["generation"] = keep["generation"] + 1
        new["metadata"].pop("resourceVersion", None)
        return new

    def _store_update(self, r: Resource, namespace: str | None, name: str, new: dict, rv: int) -> dict:
        meta = new["metadata"]
        if meta.get("deletionTimestamp") and not meta.get("finalizers"):
            return self._remove(r, namespace, name, rv)
        try:
            return self._after_write(r, self.store.update(r.key(namespace, name), new, rv))
        except Conflict:
            raise conflict(r.plural, r.group, name) from None
        except Missing:
            raise not_found(r.plural, r.group, name) from None
        except TooLarge:
            raise too_large() from None

    async def patch(self, r: Resource, namespace: str | None, name: str, content_type: str, body: object,
              subresource: str = "", opts: WriteOptions | None = None) -> tuple[dict, bool]:
        """Apply a patch; returns the object and whether it was created (server-side apply)."""
        opts = opts or WriteOptions()
        kind = content_type.split(";")[0].strip()
        old = self.store.get(r.key(namespace, name))
        applied = None
        if kind == "application/apply-patch+yaml":
            if not isinstance(body, dict):
                raise bad_request("the body of an apply patch must be an object")
            applied = {**body, "metadata": {**(body.get("metadata") or {}), "name": name}}
            if old is None:
                return await self.create(r, namespace, applied, opts, operation="Apply"), True
            merged = patches.strategic_merge(old, body)
        elif old is None:
            raise not_found(r.plural, r.group, name)
        elif kind == "application/json-patch+json":
            merged = patches.json_patch(old, body)
        elif kind == "application/merge-patch+json":
            merged = patches.merge_patch(old, body)
        elif kind == "application/strategic-merge-patch+json":
            if r.extra.get("crd"):
                raise APIError(415, "UnsupportedMediaType", "strategic merge patch is not supported for custom "
                               "resources; use a merge patch")
            merged = patches.strategic_merge(old, body)
        else:
            raise APIError(415, "UnsupportedMediaType", "the body of the request was in an unknown format - "
                           "accepted media types include: application/json-patch+json, application/merge-patch"
                           "+json, application/apply-patch+yaml")
        if not isinstance(merged, dict):
            raise bad_request("the patch did not produce an object")
        merged = decode(r, merged, opts.validation, opts.warnings)
        expect = (merged.get("metadata") or {}).get("resourceVersion")
        if expect and expect != old["metadata"]["resourceVersion"]:
            raise conflict(r.plural, r.group, name)
        new = self._merge_update(r, old, merged, subresource)
        return await self._write(r, namespace, name, old, new, subresource, opts, applied), False

    async def bind(self, r: Resource, namespace: str | None, name: str, binding: dict, opts: WriteOptions) -> dict:
        """pods/binding: what the scheduler posts to put a pod on a node (once)."""
        target = (binding or {}).get("target") or {}
        if not target.get("name"):
            raise invalid("Binding", "", name, [("target.name", "FieldValueRequired", "Required value")])
        pod = self.get(r, namespace, name)
        node = pod.get("spec", {}).get("nodeName")
        if node:
            raise APIError(409, "Conflict", f'Operation cannot be fulfilled on pods/binding "{name}": pod {name} is '
                           f"already assigned to node \"{node}\"", {"name": name, "kind": "pods/binding"})
        bound = copy.deepcopy(pod)
        bound["spec"]["nodeName"] = target["name"]
        await self._write(r, namespace, name, pod, bound, "binding", opts)
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}

    async def evict(self, r: Resource, namespace: str, name: str, options: dict, opts: WriteOptions) -> dict:
        """pods/eviction: delete the pod unless the disruption budget selecting it allows no disruption now (429),
        spending one of its allowed disruptions as kube-apiserver's eviction REST does."""
        pod = self.get(r, namespace, name)
        budgets = self.registry.get("policy", "v1", "poddisruptionbudgets")
        selected = [b for b in self.store.list(budgets.key(namespace))[0]
                    if selector_matches((b.get("spec") or {}).get("selector"), pod["metadata"].get("labels") or {})]
        if len(selected) > 1:
            raise APIError(500, "InternalError", "This pod has more than one PodDisruptionBudget, which the eviction "
                           "subresource does not support.")
        running = (pod.get("status") or {}).get("phase") == "Running" and not pod["metadata"].get("deletionTimestamp")
        ready = any(c.get("type") == "Ready" and c.get("status") == "True"
                    for c in (pod.get("status") or {}).get("conditions") or [])
        if selected and running:
            pdb = selected[0]
            status = dict(pdb.get("status") or {})
            always = (pdb.get("spec") or {}).get("unhealthyPodEvictionPolicy") == "AlwaysAllow"
            if not (always and not ready):
                if status.get("observedGeneration") != pdb["metadata"].get("generation", 1):
                    cause = f"The disruption budget {pdb['metadata']['name']} is still being processed by the server."
                    raise _too_many(cause)
                if status.get("disruptionsAllowed", 0) <= 0:
                    raise _too_many(f"The disruption budget {pdb['metadata']['name']} needs "
                                    f"{status.get('desiredHealthy', 0)} healthy pods and has "
                                    f"{status.get('currentHealthy', 0)} currently")
                status["disruptionsAllowed"] -= 1
                status["disruptedPods"] = {**(status.get("disruptedPods") or {}), name: now()}
                try:
                    if not opts.dry_run:  # a dry run spends nothing
                        self.store.update(budgets.key(namespace, pdb["metadata"]["name"]), {**pdb, "status": status},
                                          int(pdb["metadata"]["resourceVersion"]))
                except Conflict:
                    raise conflict("poddisruptionbudgets", "policy", pdb["metadata"]["name"]) from None
        await self.delete(r, namespace, name, options, opts)
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}

    async def delete(self, r: Resource, namespace: str | None, name: str, options: dict | None = None,
                     opts: WriteOptions | None = None) -> dict:
        options, opts = options or {}, opts or WriteOptions()
        old = self.get(r, namespace, name)
        pre = (options.get("preconditions") or {})
        if pre.get("resourceVersion") and pre["resourceVersion"] != old["metadata"]["resourceVersion"]:
            raise conflict(r.plural, r.group, name)
        if pre.get("uid") and pre["uid"] != old["metadata"]["uid"]:
            raise conflict(r.plural, r.group, name)
        policy = options.get("propagationPolicy") or ("Orphan" if options.get("orphanDependents") else "")
        if policy not in ("", *PROPAGATION):
            raise invalid("DeleteOptions", "", "", [("propagationPolicy", "FieldValueNotSupported",
                                                     f'Unsupported value: "{policy}": supported values: "Foreground", '
                                                     '"Background", "Orphan", "nil"')])
        await self.hooks.validate(Request(r, "DELETE", namespace, name, opts, options=options), None, old)
        if opts.dry_run:
            return old
        rv = int(old["metadata"]["resourceVersion"])
        bound_pod = r.plural == "pods" and not r.group and old.get("spec", {}).get("nodeName")
        if PROPAGATION.get(policy) and not bound_pod and r.plural != "namespaces":
            # the garbage collector orphans or deletes the dependents, then lifts its finalizer
            finalizers = old["metadata"].get("finalizers") or []
            if old["metadata"].get("deletionTimestamp") and PROPAGATION[policy] in finalizers:
                return old
            marked = {**old, "metadata": {**old["metadata"], "finalizers": [*finalizers, PROPAGATION[policy]],
                                          "deletionTimestamp": old["metadata"].get("deletionTimestamp") or now(),
                                          "deletionGracePeriodSeconds": 0}}
            return self.store.update(r.key(namespace, name), marked, rv)
        if bound_pod:
            grace = options.get("gracePeriodSeconds")
            grace = old["spec"].get("terminationGracePeriodSeconds", 30) if grace is None else int(grace)
            if grace > 0 and not old["metadata"].get("deletionTimestamp"):
                # graceful: the kubelet stops the containers, then deletes with grace 0
                when = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=grace)
                marked = {**old, "metadata": {**old["metadata"], "deletionGracePeriodSeconds": grace,
                                              "deletionTimestamp": format_time(when)}}
                return self.store.update(r.key(namespace, name), marked, rv)
            if grace > 0:
                return old
        if old["metadata"].get("finalizers"):
            if old["metadata"].get("deletionTimestamp"):
                return old
            marked = {**old, "metadata": {**old["metadata"], "deletionTimestamp": now(),
                                          "deletionGracePeriodSeconds": 0}}
            return self.store.update(r.key(namespace, name), marked, rv)
        if r.plural == "namespaces":
            if name in PROTECTED_NAMESPACES:
                raise APIError(403, "Forbidden", f'namespaces "{name}" is forbidden: this namespace may not be '
                               "deleted", {"name": name, "kind": "namespaces"})
            if (old.get("spec") or {}).get("finalizers"):  # the namespace controller empties it, then it goes
                if old["metadata"].get("deletionTimestamp"):
                    return old
                marked = {**old, "metadata": {**old["metadata"], "deletionTimestamp": now(),
                                              "deletionGracePeriodSeconds": 0},
                          "status": {**(old.get("status") or {}), "phase": "Terminating"}}
                return self.store.update(r.key(namespace, name), marked, rv)
        return self._remove(r, namespace, name, rv)

    def _remove(self, r: Resource, namespace: str | None, name: str, rv: int) -> dict:
        try:
            gone = self.store.delete(r.key(namespace, name), rv)
        except Conflict:
            raise conflict(r.plural, r.group, name) from None
        except Missing:
            raise not_found(r.plural, r.group, name) from None
        if r.plural == "customresourcedefinitions" and r.group == "apiextensions.k8s.io":
            for served in crds.resources_of(gone):
                for obj in self.store.list(served.key(None))[0]:
                    self.store.delete(served.key(obj["metadata"].get("namespace"), obj["metadata"]["name"]))
            crds.uninstall(self.registry, gone)
            apiservices.sync(self.store, self.registry)
        return gone
