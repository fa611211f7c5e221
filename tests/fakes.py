"""Fakes for unit tests of pure logic: a kernel command runner and an API server behind a MockTransport."""

import asyncio
import copy
import json
import uuid
from collections.abc import Callable

from kinns.apimachinery.labels import label_selector
from kinns.client import Client, MockTransport, Request, Response
from kinns.kernel.command import CommandFailed, Result


class FakeRunner:
    """Records every command; answers from `outputs` (argv[0] -> stdout, or a function of the argv and input)."""

    def __init__(self, outputs: dict[str, str | Callable[[list[str], str | None], Result]] | None = None) -> None:
        self.calls: list[tuple[list[str], str | None]] = []
        self.outputs = outputs or {}
        self.fail: dict[str, str] = {}  # argv[0] -> stderr of a failure

    def __call__(self, argv: list[str], input: str | None = None, check: bool = True) -> Result:
        self.calls.append((argv, input))
        if argv[0] in self.fail:
            if check:
                raise CommandFailed(argv, 1, self.fail[argv[0]])
            return Result(1, "", self.fail[argv[0]])
        out = self.outputs.get(argv[0], "")
        return out(argv, input) if callable(out) else Result(0, out, "")

    def inputs(self, tool: str) -> list[str]:
        return [i for argv, i in self.calls if argv[0] == tool and i is not None]


KINDS = {  # plural -> (apiVersion, kind, namespaced)
    "pods": ("v1", "Pod", True), "nodes": ("v1", "Node", False), "namespaces": ("v1", "Namespace", False),
    "services": ("v1", "Service", True), "endpoints": ("v1", "Endpoints", True),
    "configmaps": ("v1", "ConfigMap", True), "serviceaccounts": ("v1", "ServiceAccount", True),
    "events": ("v1", "Event", True), "secrets": ("v1", "Secret", True),
    "deployments": ("apps/v1", "Deployment", True), "replicasets": ("apps/v1", "ReplicaSet", True),
    "daemonsets": ("apps/v1", "DaemonSet", True), "endpointslices": ("discovery.k8s.io/v1", "EndpointSlice", True),
    "ingresses": ("networking.k8s.io/v1", "Ingress", True), "ingressclasses": ("networking.k8s.io/v1", "IngressClass", False),
    "customresourcedefinitions": ("apiextensions.k8s.io/v1", "CustomResourceDefinition", False),
    "gatewayclasses": ("gateway.networking.k8s.io/v1", "GatewayClass", False),
    "gateways": ("gateway.networking.k8s.io/v1", "Gateway", True),
    "httproutes": ("gateway.networking.k8s.io/v1", "HTTPRoute", True),
    "referencegrants": ("gateway.networking.k8s.io/v1beta1", "ReferenceGrant", True),
    "leases": ("coordination.k8s.io/v1", "Lease", True),
    "jobs": ("batch/v1", "Job", True),
    "statefulsets": ("apps/v1", "StatefulSet", True),
    "controllerrevisions": ("apps/v1", "ControllerRevision", True),
    "replicationcontrollers": ("v1", "ReplicationController", True),
    "persistentvolumeclaims": ("v1", "PersistentVolumeClaim", True),
    "persistentvolumes": ("v1", "PersistentVolume", False),
    "storageclasses": ("storage.k8s.io/v1", "StorageClass", False),
    "cronjobs": ("batch/v1", "CronJob", True),
    "poddisruptionbudgets": ("policy/v1", "PodDisruptionBudget", True),
    "roles": ("rbac.authorization.k8s.io/v1", "Role", True),
    "rolebindings": ("rbac.authorization.k8s.io/v1", "RoleBinding", True),
    "clusterroles": ("rbac.authorization.k8s.io/v1", "ClusterRole", False),
}


def _merge(target: dict, patch: dict) -> dict:
    out = dict(target)
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        elif isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


class FakeAPI:
    """An API server in memory, enough for controllers: list (label and field selectors), watch, get, create
    (generateName), replace, merge patch, delete, pods/binding, discovery. Every request is recorded."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str, str], dict] = {}  # (plural, namespace, name) -> object
        self.revision = 0
        self.requests: list[tuple[str, str, dict | None]] = []  # (method, path, body)
        self.watchers: list[tuple[str, str | None, asyncio.Queue]] = []
        self.history: list[tuple[int, str, str, dict]] = []  # (revision, plural, event, object), for watches
        self.client = Client(MockTransport(self.handle))

    # the test's side

    def add(self, plural: str, obj: dict) -> dict:
        """Store an object as if someone had created it (no request recorded)."""
        return self._store(plural, copy.deepcopy(obj), "ADDED")

    def get(self, plural: str, namespace: str | None, name: str) -> dict | None:
        return self.objects.get((plural, namespace or "", name))

    def all(self, plural: str) -> list[dict]:
        return [o for (p, _, _), o in sorted(self.objects.items()) if p == plural]

    def writes(self, method: str | None = None) -> list[tuple[str, str, dict | None]]:
        return [r for r in self.requests if r[0] != "GET" and (method is None or r[0] == method)]

    # the server's side

    def _store(self, plural: str, obj: dict, event: str) -> dict:
        api_version, kind, namespaced = KINDS[plural]
        meta = obj.setdefault("metadata", {})
        meta.setdefault("uid", str(uuid.uuid4()))
        meta.setdefault("creationTimestamp", f"2026-01-01T00:00:{len(self.objects):02d}Z")
        if not namespaced:
            meta.pop("namespace", None)
        self.revision += 1
        meta["resourceVersion"] = str(self.revision)
        obj.update({"apiVersion": api_version, "kind": kind})
        self.objects[(plural, meta.get("namespace") or "", meta["name"])] = obj
        self._notify(plural, event, obj)
        return obj

    def _notify(self, plural: str, event: str, obj: dict) -> None:
        self.history.append((self.revision, plural, event, obj))
        for watched, namespace, queue in self.watchers:
            if watched == plural and namespace in (None, obj["metadata"].get("namespace")):
                queue.put_nowait(json.dumps({"type": event, "object": obj}).encode() + b"\n")

    @staticmethod
    def _parse(path: str) -> tuple[str, str | None, str, str]:
        parts = path.strip("/").split("/")
        parts = parts[2:] if parts[0] == "api" else parts[3:]
        namespace = None
        if parts[0] == "namespaces" and len(parts) >= 3 and parts[2] not in ("status", "finalize"):
            namespace, parts = parts[1], parts[2:]
        return parts[0], namespace, parts[1] if len(parts) > 1 else "", parts[2] if len(parts) > 2 else ""

    def _answer(self, code: int, body: object) -> Response:
        return Response(code, json.dumps(body).encode())

    def _missing(self, plural: str, name: str) -> Response:
        return self._answer(404, {"kind": "Status", "code": 404, "reason": "NotFound",
                                  "message": f'{plural} "{name}" not found'})

    async def handle(self, request: Request) -> Response:
        body = json.loads(request.body) if request.body else None
        self.requests.append((request.method, request.path, body))
        if request.path == "/apis" or request.path in {"/api/" + v if v == "v1" else "/apis/" + v
                                                       for v, _, _ in KINDS.values()}:
            return self._answer(200, self._discovery(request.path))
        plural, namespace, name, sub = self._parse(request.path)
        if plural not in KINDS:
            return self._missing(plural, name)
        key = (plural, namespace or "", name)
        if request.method == "GET" and not name:
            return self._list(plural, namespace, request)
        if request.method == "GET":
            return self._answer(200, self.objects[key]) if key in self.objects else self._missing(plural, name)
        if request.method == "POST" and sub == "binding":
            if key not in self.objects:
                return self._missing(plural, name)
            pod = copy.deepcopy(self.objects[key])
            pod["spec"]["nodeName"] = body["target"]["name"]
            self._store(plural, pod, "MODIFIED")
            return self._answer(201, {"kind": "Status", "status": "Success", "code": 201})
        if request.method == "POST":
            obj = copy.deepcopy(body)
            meta = obj.setdefault("metadata", {})
            if not meta.get("name"):
                meta["name"] = meta["generateName"] + uuid.uuid4().hex[:5]
            meta["namespace"] = namespace
            if (plural, namespace or "", meta["name"]) in self.objects:
                return self._answer(409, {"kind": "Status", "code": 409, "reason": "AlreadyExists",
                                          "message": f'{plural} "{meta["name"]}" already exists'})
            return self._answer(201, self._store(plural, obj, "ADDED"))
        if key not in self.objects:
            return self._missing(plural, name)
        if request.method == "PUT":
            return self._answer(200, self._store(plural, copy.deepcopy(body), "MODIFIED"))
        if request.method == "PATCH":
            return self._answer(200, self._store(plural, _merge(copy.deepcopy(self.objects[key]), body), "MODIFIED"))
        if request.method == "DELETE":
            gone = self.objects.pop(key)
            self.revision += 1
            gone = {**gone, "metadata": {**gone["metadata"], "resourceVersion": str(self.revision)}}
            self._notify(plural, "DELETED", gone)
            return self._answer(200, gone)
        return self._answer(405, {"kind": "Status", "code": 405, "reason": "MethodNotAllowed"})

    def _list(self, plural: str, namespace: str | None, request: Request) -> Response:
        query = request.query
        labels = label_selector(query.get("labelSelector"))
        fields = dict(term.split("=", 1) for term in (query.get("fieldSelector") or "").split(",") if term)
        items = [o for (p, ns, _), o in sorted(self.objects.items()) if p == plural and namespace in (None, ns)
                 and labels(o["metadata"].get("labels") or {})
                 and all(_field(o, f) == v for f, v in fields.items())]
        if query.get("watch") != "true":
            api_version, kind, _ = KINDS[plural]
            return self._answer(200, {"kind": f"{kind}List", "apiVersion": api_version,
                                      "metadata": {"resourceVersion": str(self.revision)}, "items": items})
        queue: asyncio.Queue = asyncio.Queue()
        since = int(query.get("resourceVersion") or 0)
        for revision, kind, event, obj in self.history:  # what happened between the list and this watch
            if revision > since and kind == plural and namespace in (None, obj["metadata"].get("namespace")):
                queue.put_nowait(json.dumps({"type": event, "object": obj}).encode() + b"\n")
        self.watchers.append((plural, namespace, queue))

        async def lines():
            while True:
                line = await queue.get()
                obj = json.loads(line)["object"]
                if labels(obj["metadata"].get("labels") or {}) and all(_field(obj, f) == v for f, v in fields.items()):
                    yield line

        return Response(200, lines=lines())

    def _discovery(self, path: str) -> dict:
        if path == "/apis":
            return {"groups": [{"versions": [{"groupVersion": v}]} for v in sorted({v for v, _, _ in KINDS.values()})
                               if v != "v1"]}
        gv = "v1" if path == "/api/v1" else path[len("/apis/"):]
        return {"resources": [{"name": p, "kind": k, "namespaced": n, "verbs": ["list", "delete", "get"]}
                              for p, (v, k, n) in KINDS.items() if v == gv]}


def _field(obj: dict, path: str) -> str:
    value: object = obj
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return "" if value is None else str(value)


async def settle(reconciler, api: FakeAPI, quiet: float = 0.1, limit: float = 5.0) -> None:
    """Run `reconciler` until its queue has stayed empty for `quiet` seconds (its own writes come back through
    its watches and may queue more), at most `limit` seconds."""
    task = asyncio.create_task(reconciler.run())
    try:
        idle = 0.0
        for _ in range(int(limit / 0.005)):
            await asyncio.sleep(0.005)
            busy = reconciler._queue.qsize() or reconciler._processing
            idle = 0.0 if busy or not reconciler.synced() else idle + 0.005
            if idle >= quiet:
                return
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await reconciler.informers.stop()
