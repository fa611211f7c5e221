"""The HTTPS front of the API server: authentication, routing, tables, watch.

A request is authenticated, then routed by its path: the public health and
version paths, OpenAPI, discovery, and the resources; a subresource with
handling of its own (pods/log, pods/exec, scale, serviceaccounts/token, ...)
goes to its entry in one table, everything else to the object storage
(storage.py).
"""

import asyncio
import dataclasses
import json
import logging
import ssl
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import unquote

from aiohttp import web

from ..apimachinery.errors import (APIError, admission_forbidden, bad_request, gone, invalid, method_not_allowed,
                                   not_found, unauthorized)
from ..apimachinery.labels import label_selector
from ..store import Gone, Store
from . import apiservices, body, bootstrap, discovery, openapi, openapi_v2, query, tables
from . import patch as patches
from .admission import limits, plugins, priority, quota
from .admission.chain import DynamicAdmission
from .auth import Authenticator, User
from .authz import Authorizer, attributes, escalation, reviews
from .authz.impersonation import impersonate
from .relay import KubeletRelay, log_query
from .resources import Registry, Resource
from .selectors import allowed_fields, field_selector
from .admission.request import Request
from .storage import Objects, WriteOptions, with_type

PUBLIC = {"/healthz", "/livez", "/readyz", "/version"}
REVIEWS = ("subjectaccessreviews", "selfsubjectaccessreviews", "localsubjectaccessreviews", "selfsubjectrulesreviews",
           "selfsubjectreviews", "tokenreviews")
STREAMS = ("exec", "attach", "portforward")  # asked as `create` whatever the method, as WebSocket upgrades are GETs
log = logging.getLogger("kinns.apiserver")
BOOKMARK_INTERVAL = 60.0
Subresource = Callable[[web.Request, Resource, "str | None", str], Awaitable[web.StreamResponse]]


def _json(data: dict, status: int = 200) -> web.Response:
    return web.Response(status=status, body=json.dumps(data).encode(), content_type="application/json")


def _warn(response: web.Response, warnings: list[str]) -> web.Response:
    """Warnings as kube-apiserver sends them: one `Warning: 299 - "text"` header each."""
    for text in warnings:
        response.headers.add("Warning", '299 - "' + text.replace('"', '\\"') + '"')
    return response


def _scale_of(obj: dict) -> dict:
    meta = obj["metadata"]
    chosen = obj.get("spec", {}).get("selector") or {}
    matching = chosen.get("matchLabels") or {} if "matchLabels" in chosen or "matchExpressions" in chosen else chosen
    selector = ",".join(f"{k}={v}" for k, v in matching.items())  # a ReplicationController's is a plain map
    return {"kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                         if k in meta},
            "spec": {"replicas": obj.get("spec", {}).get("replicas", 0)},
            "status": {"replicas": obj.get("status", {}).get("replicas", 0), "selector": selector}}


def _agent(request: web.Request) -> str:
    """The field manager of a request without one: its user agent's program name, as kube-apiserver does."""
    return request.headers.get("User-Agent", "unknown").split("/", 1)[0] or "unknown"


def _route(request: web.Request) -> str:
    """The path as routed: a trailing slash names the same thing (`/version/`, `/api/v1/pods/`)."""
    return request.path.rstrip("/") or "/"


def _wants_table(request: web.Request) -> bool:
    return "as=Table" in request.headers.get("Accept", "")


CONNECT_KINDS = {"exec": "PodExecOptions", "attach": "PodAttachOptions", "portforward": "PodPortForwardOptions"}


def _options(request: web.Request) -> WriteOptions:
    q = request.query
    return WriteOptions(dry_run=q.get("dryRun") == "All", validation=q.get("fieldValidation") or "Warn",
                        manager=q.get("fieldManager") or _agent(request), force=bool(query.flag(q, "force")),
                        user=request.get("user"))


class APIServer:
    def __init__(self, store: Store, address: str, pki: Path, tokens: dict[str, User] | None = None) -> None:
        """`tokens`: fixed bearer tokens and whom they stand for (the control plane's own clients)."""
        self.store, self.address, self.pki = store, address, pki
        self.auth = Authenticator(pki, tokens)
        self.authz = Authorizer(store)
        self.registry = Registry()
        self.objects = Objects(store, self.registry)
        self.objects.mutating += [limits.default_limits(self.objects), priority.pod_priority(self.objects),
                                  plugins.default_ingress_class(self.objects),
                                  plugins.default_storage_class(self.objects), plugins.signing_requester(self.objects)]
        self.objects.admission += [self._no_escalation, limits.enforce_limits(self.objects),
                                   priority.one_default_class(self.objects)]
        self.objects.last.append(quota.resource_quota(self.objects))
        self.objects.load_crds()
        self.dynamic = DynamicAdmission(store, self.registry, self.authz.decide)
        self.relay = KubeletRelay(pki)
        # (plural or "*", subresource) -> its handler; other subresources (status, finalize) are storage's
        self.subresources: dict[tuple[str, str], Subresource] = {
            ("pods", "log"): self._logs, ("pods", "exec"): self._exec, ("pods", "attach"): self._attach,
            ("pods", "portforward"): self._port_forward, ("pods", "eviction"): self._evict,
            ("pods", "binding"): self._bind, ("serviceaccounts", "token"): self._token, ("*", "scale"): self._scale,
            ("certificatesigningrequests", "approval"): self._signing,
            ("certificatesigningrequests", "status"): self._signing,
            **{(plural, ""): self._review for plural in REVIEWS}}

    async def start(self) -> None:
        """What kube-apiserver makes of itself at start (written before any webhook or policy applies, so a
        broken one cannot stop the server coming up), then dynamic admission for every later write."""
        await bootstrap.run(self.objects, self.address)
        apiservices.sync(self.store, self.registry)
        self.objects.hooks = self.dynamic

    async def stop(self) -> None:
        await self.dynamic.close()

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._errors], client_max_size=body.MAX_BODY)
        app.router.add_route("*", "/{tail:.*}", self.dispatch)
        return app

    @web.middleware
    async def _errors(self, request: web.Request, handler) -> web.StreamResponse:
        """Authentication and authorization, and every failure answered as a Status (never a plain-text page)."""
        try:
            if _route(request) not in PUBLIC:
                self._authorize(request)
            return await handler(request)
        except APIError as err:
            return _json(err.to_status(), err.code)
        except web.HTTPException as err:
            reason = {413: "RequestEntityTooLarge", 404: "NotFound", 405: "MethodNotAllowed"}.get(err.status,
                                                                                                "BadRequest")
            message = body.too_large().message if err.status == 413 else err.reason
            return _json(APIError(err.status, reason, message).to_status(), err.status)
        except RecursionError:
            error = bad_request("the request is nested too deeply: json: exceeded max depth")
            return _json(error.to_status(), 400)
        except (ConnectionResetError, asyncio.CancelledError):
            raise
        except Exception as err:  # noqa: BLE001 (a bug answers as kube-apiserver's do: a 500 Status)
            log.exception("%s %s failed", request.method, request.path)
            error = APIError(500, "InternalError", f"Internal error occurred: {type(err).__name__}: {err}")
            return _json(error.to_status(), 500)

    def _authorize(self, request: web.Request) -> None:
        """Who asks (certificate, token, then impersonation) and whether they may: 401 or 403 otherwise."""
        user = self.auth.from_certificate(request.transport.get_extra_info("peercert")) or \
            self.auth.from_token(request.headers.get("Authorization", ""))
        if user is None:
            raise unauthorized()
        user = impersonate(self.authz, user, request.headers)
        request["user"] = user
        parts = [unquote(p) for p in _route(request).strip("/").split("/") if p]
        attrs = attributes.from_request(user, request.method, parts, request.query,
                                        bool(query.flag(request.query, "watch")))
        if attrs.subresource in STREAMS and attrs.resource == "pods":
            attrs = dataclasses.replace(attrs, verb="create")
        self.authz.check(attrs)

    def _no_escalation(self, r: Resource, namespace: str | None, new: dict, old: dict | None,
                       opts: WriteOptions) -> None:
        """Roles and bindings grant only what their author holds (or may escalate or bind)."""
        if r.group == "rbac.authorization.k8s.io":
            escalation.check(self.authz, opts.user, r.plural, namespace or "", new)

    # routing

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        path = _route(request)
        parts = [unquote(p) for p in path.strip("/").split("/") if p]
        if path in ("/healthz", "/livez", "/readyz"):
            return web.Response(text="ok")
        if path == "/version":
            return _json(discovery.VERSION)
        if parts == ["openapi", "v2"]:
            if "protobuf" in request.headers.get("Accept", ""):
                return web.Response(body=openapi_v2.as_protobuf(self.registry), content_type=openapi_v2.MEDIA_TYPE)
            return _json(openapi_v2.as_json(self.registry))
        if parts[:2] == ["openapi", "v3"]:
            if len(parts) == 2:
                return _json(openapi.index(self.registry))
            gv = parts[2:]
            group, version = ("", gv[1]) if gv[0] == "api" and len(gv) == 2 else (gv[1] if len(gv) == 3 else "",
                                                                                 gv[-1])
            if not self.registry.in_group_version(group, version):
                raise not_found("", "", request.path)
            return _json(openapi.document(self.registry, group, version))
        if parts == ["api"]:
            return _json(discovery.versions(self.address))
        if parts == ["apis"]:
            return _json(discovery.group_list(self.registry))
        if parts[:1] == ["api"] and len(parts) >= 2:
            group, version, rest = "", parts[1], parts[2:]
        elif parts[:1] == ["apis"] and len(parts) >= 3:
            group, version, rest = parts[1], parts[2], parts[3:]
        elif parts[:1] == ["apis"] and len(parts) == 2:
            return _json(discovery.group(self.registry, parts[1]))
        else:
            raise not_found("", "", request.path)
        if not rest:
            return _json(discovery.resource_list(self.registry, group, version))
        return await self._resource_request(request, group, version, rest)

    def _parse_rest(self, group: str, version: str, rest: list[str]) -> tuple[Resource, str | None, str, str]:
        """(resource, namespace, name, subresource) from the path after the group/version."""
        namespace = None
        if rest[0] == "namespaces" and len(rest) >= 3 and rest[2] not in ("status", "finalize"):
            namespace, rest = rest[1], rest[2:]
        r = self.registry.get(group, version, rest[0])
        if r is None:
            raise not_found("", "", "/".join(rest))
        name = rest[1] if len(rest) > 1 else ""
        sub = rest[2] if len(rest) > 2 else ""
        if sub and sub not in r.subresources:
            raise not_found(r.plural, r.group, name)
        if r.namespaced is False and namespace:
            raise not_found(r.plural, r.group, name)
        return r, namespace, name, sub

    async def _body(self, request: web.Request) -> object:
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            raise body.too_large() from None
        return body.parse(raw, request.content_type)

    async def _resource_request(self, request: web.Request, group: str, version: str,
                                rest: list[str]) -> web.StreamResponse:
        r, namespace, name, sub = self._parse_rest(group, version, rest)
        special = self.subresources.get((r.plural, sub)) or self.subresources.get(("*", sub))
        if special is not None:
            return await special(request, r, namespace, name)
        q = request.query
        method = request.method
        if method == "GET" and not name:
            if query.flag(q, "watch"):
                return await self._watch(request, r, namespace)
            listing = query.list_options(q, watch=False)
            items, meta = self.objects.list(r, namespace, q.get("labelSelector"), q.get("fieldSelector"),
                                            query.integer(q, "limit"), q.get("continue", ""))
            if listing.match == "Exact" and listing.resource_version != meta["resourceVersion"]:
                raise gone("The resourceVersion for the provided list is too old.")
            if _wants_table(request):
                return _json(tables.table(r.plural, items, meta, q.get("includeObject", "Metadata"),
                                          r.extra.get("printerColumns")))
            return _json({"kind": f"{r.kind}List", "apiVersion": r.group_version, "metadata": meta,
                          "items": [with_type(r, i) for i in items]})
        if method == "GET":
            obj = self.objects.get(r, namespace, name)
            if _wants_table(request):
                return _json(tables.table(r.plural, [obj], {"resourceVersion": obj["metadata"]["resourceVersion"]},
                                          q.get("includeObject", "Metadata"), r.extra.get("printerColumns")))
            return _json(obj)
        opts = _options(request)
        if method == "POST" and not name:
            created = await self.objects.create(r, namespace, await self._body(request), opts)
            return _warn(_json(created, 201), opts.warnings)
        if method == "PUT" and name:
            updated = await self.objects.update(r, namespace, name, await self._body(request), sub, opts)
            return _warn(_json(updated), opts.warnings)
        if method == "PATCH" and name:
            body = await self._body(request)
            obj, created = await self.objects.patch(r, namespace, name, request.headers.get("Content-Type", ""),
                                                    body, sub, opts)
            return _warn(_json(obj, 201 if created else 200), opts.warnings)
        if method == "DELETE" and name:
            options = await self._body(request) if (await request.read()).strip() else {}
            return _json(await self.objects.delete(r, namespace, name, options, opts))
        if method == "DELETE":
            items, meta = self.objects.list(r, namespace, q.get("labelSelector"), q.get("fieldSelector"))
            deleted = [await self.objects.delete(r, i["metadata"].get("namespace"), i["metadata"]["name"], None, opts)
                       for i in items]
            return _json({"kind": f"{r.kind}List", "apiVersion": r.group_version, "metadata": meta,
                          "items": deleted})
        raise method_not_allowed("the server does not allow this method on the requested resource")

    # subresources with handling of their own

    async def _review(self, request: web.Request, r: Resource, namespace: str | None, name: str) -> web.Response:
        """The review kinds: answered, never stored."""
        if request.method != "POST" or name:
            raise method_not_allowed("the server does not allow this method on the requested resource")
        body = await self._body(request)
        if not isinstance(body, dict):
            raise bad_request("the body of the request was in an unknown format")
        user = request["user"]
        if r.plural == "selfsubjectrulesreviews":
            answer = reviews.rules_review(self.authz, user, body)
        elif r.plural == "selfsubjectreviews":
            answer = reviews.self_review(user)
        elif r.plural == "tokenreviews":
            answer = reviews.token_review(self.auth, body)
        else:
            answer = reviews.access_review(self.authz, user, r.kind, body, namespace or "")
        return _json(answer, 201)

    async def _bind(self, request: web.Request, r: Resource, namespace: str | None, name: str) -> web.Response:
        """pods/binding: what the scheduler posts to put a pod on a node."""
        if request.method != "POST":
            raise method_not_allowed("the server does not allow this method on the requested resource")
        return _json(await self.objects.bind(r, namespace, name, await self._body(request), _options(request)), 201)

    async def _evict(self, request: web.Request, r: Resource, namespace: str | None, name: str) -> web.Response:
        """pods/eviction: what kubectl drain posts; refused (429) while the pod's disruption budget allows none."""
        if request.method != "POST":
            raise method_not_allowed("the server does not allow this method on the requested resource")
        body = await self._body(request)
        options = (body.get("deleteOptions") if isinstance(body, dict) else None) or {}
        answer = await self.objects.evict(r, namespace or "", name, options, _options(request))
        return _json(answer, 201)

    def _may_on_signer(self, user: User, verb: str, r: Resource, obj: dict) -> None:
        """`verb` (approve, sign) on the request's signer, by its name or its domain's `<domain>/*`, as the
        CertificateApproval and CertificateSigning plugins require."""
        signer = (obj.get("spec") or {}).get("signerName", "")
        if not any(self.authz.decide(attributes.Attributes(user, verb, api_group=r.group, resource="signers",
                                                           name=name))[0]
                   for name in (signer, signer.split("/", 1)[0] + "/*")):
            raise admission_forbidden(r.plural, r.group, obj["metadata"]["name"], f"user not permitted to {verb} "
                                      f'requests with signerName "{signer}"')

    async def _signing(self, request: web.Request, r: Resource, namespace: str | None, name: str) -> web.Response:
        """certificatesigningrequests/approval and /status: approving or denying takes `approve` on the signer;
        writing a new certificate takes `sign`."""
        obj = self.objects.get(r, None, name)
        if request.method == "GET":
            return _json(obj)
        if request.method != "PUT":
            raise method_not_allowed("the server does not allow this method on the requested resource")
        body = await self._body(request)
        sub = request.path.rstrip("/").rsplit("/", 1)[-1]
        certificate = ((body if isinstance(body, dict) else {}).get("status") or {}).get("certificate")
        if sub == "approval":
            self._may_on_signer(request["user"], "approve", r, obj)
        elif certificate and certificate != (obj.get("status") or {}).get("certificate"):
            self._may_on_signer(request["user"], "sign", r, obj)
        opts = _options(request)
        return _warn(_json(await self.objects.update(r, None, name, body, sub, opts)), opts.warnings)

    async def _scale(self, request: web.Request, r: Resource, namespace: str | None, name: str) -> web.Response:
        """The scale subresource (autoscaling/v1 Scale) of deployments and replicasets."""
        obj = self.objects.get(r, namespace, name)
        if request.method in ("PUT", "PATCH"):
            body = await self._body(request)
            current = _scale_of(obj)
            if request.method == "PATCH":
                kind = request.headers.get("Content-Type", "").split(";")[0]
                current = patches.json_patch(current, body) if kind == "application/json-patch+json" else \
                    patches.merge_patch(current, body)
            else:
                current = body
            replicas = (current.get("spec") or {}).get("replicas")
            if not isinstance(replicas, int) or replicas < 0:
                raise invalid("Scale", "autoscaling", name, [("spec.replicas", "FieldValueInvalid",
                                                              f"Invalid value: {replicas}: must be greater than or "
                                                              "equal to 0")])
            opts = _options(request)
            obj = await self.objects.update(r, namespace, name, {**obj, "spec": {**obj["spec"], "replicas": replicas}},
                                            "scale", opts)
            return _warn(_json(_scale_of(obj)), opts.warnings)
        return _json(_scale_of(obj))

    async def _logs(self, request: web.Request, r: Resource, namespace: str | None, name: str) -> web.StreamResponse:
        """pods/log: the container's output, streamed from the kubelet of the pod's node."""
        if request.method != "GET":
            raise method_not_allowed("the server does not allow this method on the requested resource")
        query = log_query(request.query, name)
        pod = self.objects.get(r, namespace, name)
        container = self._container(pod, request)
        return await self.relay.logs(request, self._kubelet(pod, container) +
                                     f"/containerLogs/{namespace}/{name}/{container}", query)

    def _kubelet(self, pod: dict, container: str) -> str:
        """https://<node InternalIP>:10250 of the pod's node; BadRequest while the pod has none."""
        node_name = pod.get("spec", {}).get("nodeName")
        node = self.store.get(self.registry.get("", "v1", "nodes").key(None, node_name)) if node_name else None
        address = next((a["address"] for a in (node or {}).get("status", {}).get("addresses") or []
                        if a.get("type") == "InternalIP"), None)
        if not address:
            raise bad_request(f'container "{container}" in pod "{pod["metadata"]["name"]}" is waiting to start: '
                              "ContainerCreating")
        return f"https://{address}:10250"

    def _container(self, pod: dict, request: web.Request) -> str:
        name = pod["metadata"]["name"]
        spec = pod.get("spec", {})
        containers = [c["name"] for c in spec.get("containers") or []]
        others = [c["name"] for g in ("initContainers", "ephemeralContainers") for c in spec.get(g) or []]
        container = request.query.get("container") or (containers[0] if len(containers) == 1 else "")
        if not container:
            raise bad_request(f"a container name must be specified for pod {name}, choose one of: "
                              f"[{' '.join(containers)}]")
        if container not in containers + others:
            raise bad_request(f"container {container} is not valid for pod {name}")
        return container

    async def _connect(self, request: web.Request, r: Resource, namespace: str | None, name: str,
                       subresource: str, container: str) -> None:
        """Admission of a CONNECT (exec, attach, port-forward), as kube-apiserver runs it: the webhooks and policies
        whose rules name the operation see the request's options object (PodExecOptions, ...), and may refuse it.
        The options are the request's own: a mutating webhook's patch to them is refused rather than dropped."""
        q = request.query
        kind = CONNECT_KINDS[subresource]
        options: dict = {"kind": kind, "apiVersion": "v1"}
        if subresource == "portforward":
            options["ports"] = [int(p) for p in q.getall("ports", []) if p.isdigit()]
        else:
            options.update(container=container, stdin=bool(query.flag(q, "stdin")),
                           stdout=bool(query.flag(q, "stdout")), stderr=bool(query.flag(q, "stderr")),
                           tty=bool(query.flag(q, "tty")))
            if subresource == "exec":
                options["command"] = q.getall("command", [])
        connect = Request(r, "CONNECT", namespace, name, _options(request), subresource, None,
                          {"group": "", "version": "v1", "kind": kind})
        if await self.objects.hooks.mutate(connect, options, None) != options:
            raise APIError(500, "InternalError", f"Internal error occurred: {kind} may not be changed by a "
                           "mutating admission webhook in kinns")
        await self.objects.hooks.validate(connect, options, None)

    async def _exec(self, request: web.Request, r: Resource, namespace: str | None, name: str) -> web.StreamResponse:
        """pods/exec over WebSocket (channel.k8s.io), relayed frame by frame to the node's kubelet."""
        pod = self.objects.get(r, namespace, name)
        container = self._container(pod, request)
        await self._connect(request, r, namespace, name, "exec", container)
        return await self.relay.stream(request, self._kubelet(pod, container) +
                                       f"/exec/{namespace}/{name}/{container}",
                                       ("v5.channel.k8s.io", "v4.channel.k8s.io"))

    async def _attach(self, request: web.Request, r: Resource, namespace: str | None,
                      name: str) -> web.StreamResponse:
        """pods/attach: the container's own stdin and output, relayed from the node's kubelet."""
        pod = self.objects.get(r, namespace, name)
        container = self._container(pod, request)
        await self._connect(request, r, namespace, name, "attach", container)
        return await self.relay.stream(request, self._kubelet(pod, container) +
                                       f"/attach/{namespace}/{name}/{container}",
                                       ("v5.channel.k8s.io", "v4.channel.k8s.io"))

    async def _port_forward(self, request: web.Request, r: Resource, namespace: str | None,
                            name: str) -> web.StreamResponse:
        """pods/portforward: kubectl's SPDY/3.1 streams in a WebSocket, or the WebSocket channel protocol of client
        libraries, relayed to the kubelet."""
        pod = self.objects.get(r, namespace, name)
        if pod.get("status", {}).get("phase") != "Running":
            raise bad_request(f"pod {name} is not running")
        await self._connect(request, r, namespace, name, "portforward", "")
        return await self.relay.stream(request, self._kubelet(pod, "") + f"/portForward/{namespace}/{name}",
                                       ("SPDY/3.1+portforward.k8s.io", "v4.channel.k8s.io", "portforward.k8s.io"))

    async def _token(self, request: web.Request, r: Resource, namespace: str | None, name: str) -> web.Response:
        """serviceaccounts/token: a TokenRequest answered with a signed token."""
        if request.method != "POST":
            raise method_not_allowed("the server does not allow this method on the requested resource")
        account = self.objects.get(r, namespace, name)
        spec = ((await self._body(request)) or {}).get("spec") or {}
        seconds = int(spec.get("expirationSeconds") or 3600)
        if seconds < 600:
            raise invalid("TokenRequest", "authentication.k8s.io", name, [
                ("spec.expirationSeconds", "FieldValueInvalid",
                 f"Invalid value: {seconds}: may not specify a duration less than 10 minutes")])
        token, expires = self.auth.issue(namespace or "", account, spec.get("audiences"), seconds,
                                         spec.get("boundObjectRef"))
        return _json({"kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1",
                      "metadata": {"name": name, "namespace": namespace, "creationTimestamp": None},
                      "spec": {**spec, "expirationSeconds": seconds},
                      "status": {"token": token, "expirationTimestamp": expires}}, 201)

    # watch

    async def _watch(self, request: web.Request, r: Resource, namespace: str | None) -> web.StreamResponse:
        """A watch: the current objects first where asked (as ADDED events; with watch-list, closed by the
        `k8s.io/initial-events-end` bookmark), then every change, with bookmarks where allowed."""
        q = request.query
        opts = query.list_options(q, watch=True)
        rv = opts.resource_version
        labels, fields = q.get("labelSelector"), q.get("fieldSelector")
        timeout = float(query.integer(q, "timeoutSeconds", 1800))
        as_table = _wants_table(request)
        by_label, by_field = label_selector(labels), field_selector(fields, allowed_fields(r.plural))
        try:
            start = None if opts.initial_events or rv in ("", "0") else int(rv)
            watch = self.store.watch(r.key(namespace), start)
        except Gone:
            raise gone(f"too old resource version: {rv} ({self.store.revision})") from None
        except ValueError:
            raise bad_request(f"invalid resourceVersion {rv!r}") from None
        response = web.StreamResponse(headers={"Content-Type": "application/json",
                                               "Transfer-Encoding": "chunked"})
        await response.prepare(request)

        async def send(kind: str, obj: dict) -> None:
            if as_table and kind != "BOOKMARK":
                obj = tables.table(r.plural, [obj], {"resourceVersion": obj["metadata"].get("resourceVersion")},
                                   q.get("includeObject", "Metadata"), r.extra.get("printerColumns"))
            await response.write(json.dumps({"type": kind, "object": obj}).encode() + b"\n")

        def bookmark(revision: int, initial_end: bool = False) -> dict:
            meta: dict = {"resourceVersion": str(revision)}
            if initial_end:
                meta["annotations"] = {"k8s.io/initial-events-end": "true"}
            return {"kind": r.kind, "apiVersion": r.group_version, "metadata": meta}

        try:
            listed = 0  # events the initial list already holds are not sent again
            if opts.initial_events:
                items, meta = self.objects.list(r, namespace, labels, fields)
                listed = int(meta["resourceVersion"])
                for item in items:
                    await send("ADDED", item)
                if opts.send_initial:
                    await send("BOOKMARK", bookmark(listed, initial_end=True))
            deadline = asyncio.get_running_loop().time() + timeout
            while (left := deadline - asyncio.get_running_loop().time()) > 0:
                events = await watch.batch(min(left, BOOKMARK_INTERVAL))
                if events is None:
                    log.warning("closing the watch of %s: it fell %d events behind", r.key(namespace),
                                watch.MAX_PENDING)
                    break
                if not events and opts.bookmarks:
                    await send("BOOKMARK", bookmark(self.store.revision))
                for event in events:
                    meta = event.object.get("metadata", {})
                    if listed and int(meta.get("resourceVersion") or 0) <= listed:
                        continue
                    if by_label(meta.get("labels") or {}) and by_field(event.object):
                        await send(event.type, event.object)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            watch.close()
        return response


def ssl_context(pki: Path) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(pki / "ca.crt"))
    ctx.load_cert_chain(str(pki / "apiserver.crt"), str(pki / "apiserver.key"))
    ctx.verify_mode = ssl.CERT_OPTIONAL  # no certificate: anonymous, which only sees the public paths
    return ctx
