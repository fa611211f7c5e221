"""The HTTPS front of the API server: authentication, routing, discovery, tables, watch."""

import asyncio
import json
import ssl
from pathlib import Path
from urllib.parse import unquote

import aiohttp
import yaml
from aiohttp import web

from ..store import Gone, Store
from . import openapi, tables
from . import patch as patches
from .schema import protobuf
from .auth import Authenticator
from .errors import APIError, bad_request, gone, invalid, method_not_allowed, not_found, unauthorized
from .handlers import Objects, WriteOptions, with_type
from .resources import Registry, Resource
from .selectors import allowed_fields, field_selector, label_selector

VERSION = {"major": "1", "minor": "32", "gitVersion": "v1.32.0-kinns", "gitCommit": "kinns",
           "gitTreeState": "clean", "buildDate": "2026-11-22T00:00:00Z", "goVersion": "go1.23.0",
           "compiler": "gc", "platform": "linux/amd64"}
PUBLIC = {"/healthz", "/livez", "/readyz", "/version"}
BOOKMARK_INTERVAL = 60.0


def _json(data: dict, status: int = 200) -> web.Response:
    return web.Response(status=status, body=json.dumps(data).encode(), content_type="application/json")


def _warn(response: web.Response, warnings: list[str]) -> web.Response:
    """Warnings as kube-apiserver sends them: one `Warning: 299 - "text"` header each."""
    for text in warnings:
        response.headers.add("Warning", '299 - "' + text.replace('"', '\\"') + '"')
    return response


def _scale_of(obj: dict) -> dict:
    meta = obj["metadata"]
    selector = ",".join(f"{k}={v}" for k, v in
                        ((obj.get("spec", {}).get("selector") or {}).get("matchLabels") or {}).items())
    return {"kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                         if k in meta},
            "spec": {"replicas": obj.get("spec", {}).get("replicas", 0)},
            "status": {"replicas": obj.get("status", {}).get("replicas", 0), "selector": selector}}


def _agent(request: web.Request) -> str:
    """The field manager of a request without one: its user agent's program name, as kube-apiserver does."""
    return request.headers.get("User-Agent", "unknown").split("/", 1)[0] or "unknown"


def _wants_table(request: web.Request) -> bool:
    return "as=Table" in request.headers.get("Accept", "")


class APIServer:
    def __init__(self, store: Store, address: str, pki: Path) -> None:
        self.store, self.address, self.pki = store, address, pki
        self.auth = Authenticator(pki)
        self.registry = Registry()
        self.objects = Objects(store, self.registry)
        self.objects.load_crds()
        for ns in ("default", "kube-system", "kube-public", "kube-node-lease"):
            self.objects.ensure(self.registry.get("", "v1", "namespaces"), None,
                                {"metadata": {"name": ns, "labels": {"kubernetes.io/metadata.name": ns}},
                                 "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}})

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._errors], client_max_size=8 << 20)
        app.router.add_route("*", "/{tail:.*}", self.dispatch)
        app.on_startup.append(self._start_controllers)
        return app

    async def _start_controllers(self, app: web.Application) -> None:
        from .. import controllers

        app["controllers"] = controllers.start(self.objects, self.address, (self.pki / "ca.crt").read_text())
        app["component_ports"] = await controllers.serve_health(ssl_context(self.pki))

    @web.middleware
    async def _errors(self, request: web.Request, handler) -> web.StreamResponse:
        try:
            if request.path not in PUBLIC:
                user = self.auth.from_certificate(request.transport.get_extra_info("peercert")) or \
                    self.auth.from_token(request.headers.get("Authorization", ""))
                if user is None:
                    raise unauthorized()
            return await handler(request)
        except APIError as err:
            return _json(err.status(), err.code)

    # routing

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        parts = [unquote(p) for p in request.path.strip("/").split("/") if p]
        if request.path in ("/healthz", "/livez", "/readyz"):
            return web.Response(text="ok")
        if request.path == "/version":
            return _json(VERSION)
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
            return _json({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": self.address}]})
        if parts == ["apis"]:
            return _json(self._group_list())
        if parts[:1] == ["api"] and len(parts) >= 2:
            group, version, rest = "", parts[1], parts[2:]
        elif parts[:1] == ["apis"] and len(parts) >= 3:
            group, version, rest = parts[1], parts[2], parts[3:]
        elif parts[:1] == ["apis"] and len(parts) == 2:
            return _json(self._group(parts[1]))
        else:
            raise not_found("", "", request.path)
        if not rest:
            return _json(self._resource_list(group, version))
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
        raw = await request.read()
        if "protobuf" in request.content_type:
            try:
                return protobuf.decode(raw)
            except (protobuf.ProtobufError, UnicodeDecodeError) as err:
                raise APIError(415, "UnsupportedMediaType", f"the protobuf body could not be decoded: {err}; send "
                               "it as application/json instead") from None
        try:
            if "yaml" in request.content_type:
                return yaml.safe_load(raw)
            return json.loads(raw)
        except (ValueError, yaml.YAMLError) as err:
            raise bad_request(f"the body of the request was in an unknown format: {err}") from None

    async def _resource_request(self, request: web.Request, group: str, version: str,
                                rest: list[str]) -> web.StreamResponse:
        r, namespace, name, sub = self._parse_rest(group, version, rest)
        q = request.query
        dry_run = q.get("dryRun") == "All"
        method = request.method
        if r.plural == "pods" and sub == "log" and request.method == "GET":
            return await self._logs(request, r, namespace, name)
        if r.plural == "pods" and sub == "exec":
            return await self._exec(request, r, namespace, name)
        if r.plural == "pods" and sub == "portforward":
            return await self._port_forward(request, r, namespace, name)
        if sub == "scale":
            return await self._scale(request, r, namespace, name)
        if method == "GET" and not name:
            if q.get("watch") in ("1", "true"):
                return await self._watch(request, r, namespace)
            items, meta = self.objects.list(r, namespace, q.get("labelSelector"), q.get("fieldSelector"),
                                            int(q.get("limit") or 0), q.get("continue", ""))
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
        opts = WriteOptions(dry_run=dry_run, validation=q.get("fieldValidation") or "Warn",
                            manager=q.get("fieldManager") or _agent(request), force=q.get("force") == "true")
        if method == "POST" and r.plural == "serviceaccounts" and sub == "token":
            return _json(self._token(r, namespace, name, await self._body(request)), 201)
        if method == "POST" and r.plural == "pods" and sub == "binding":
            return _json(self.objects.bind(r, namespace, name, await self._body(request), opts), 201)
        if method == "POST" and not name:
            created = self.objects.create(r, namespace, await self._body(request), opts)
            return _warn(_json(created, 201), opts.warnings)
        if method == "PUT" and name:
            updated = self.objects.update(r, namespace, name, await self._body(request), sub, opts)
            return _warn(_json(updated), opts.warnings)
        if method == "PATCH" and name:
            body = await self._body(request)
            obj, created = self.objects.patch(r, namespace, name, request.headers.get("Content-Type", ""), body,
                                              sub, opts)
            return _warn(_json(obj, 201 if created else 200), opts.warnings)
        if method == "DELETE" and name:
            raw = await request.read()
            options = json.loads(raw) if raw.strip() else {}
            return _json(self.objects.delete(r, namespace, name, options, dry_run))
        if method == "DELETE":
            items, meta = self.objects.list(r, namespace, q.get("labelSelector"), q.get("fieldSelector"))
            deleted = [self.objects.delete(r, i["metadata"].get("namespace"), i["metadata"]["name"], None, dry_run)
                       for i in items]
            return _json({"kind": f"{r.kind}List", "apiVersion": r.group_version, "metadata": meta,
                          "items": deleted})
        raise method_not_allowed("the server does not allow this method on the requested resource")

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
            obj = self.objects.update(r, namespace, name, {**obj, "spec": {**obj["spec"], "replicas": replicas}},
                                      "", WriteOptions(manager=_agent(request)))
        return _json(_scale_of(obj))

    async def _logs(self, request: web.Request, r: Resource, namespace: str | None, name: str) -> web.StreamResponse:
        """pods/log: the container's output, streamed from the kubelet of the pod's node."""
        pod = self.objects.get(r, namespace, name)
        container = self._container(pod, request)
        query = {k: v for k, v in request.query.items() if k in ("follow", "tailLines", "previous", "timestamps")}
        url = self._kubelet(pod, container) + f"/containerLogs/{namespace}/{name}/{container}"
        response = web.StreamResponse(headers={"Content-Type": "text/plain"})
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=self._kubelet_tls())) as session:
            try:
                async with session.get(url, params=query, timeout=aiohttp.ClientTimeout(total=None)) as upstream:
                    if upstream.status != 200:
                        raise bad_request((await upstream.text()).strip())
                    await response.prepare(request)
                    async for chunk in upstream.content.iter_any():
                        await response.write(chunk)
            except aiohttp.ClientError as err:
                raise APIError(500, "InternalError", f"Get \"{url}\": {err}") from None
        return response

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

    def _kubelet_tls(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=str(self.pki / "ca.crt"))
        ctx.load_cert_chain(str(self.pki / "apiserver-kubelet-client.crt"),
                            str(self.pki / "apiserver-kubelet-client.key"))
        return ctx

    def _container(self, pod: dict, request: web.Request) -> str:
        name = pod["metadata"]["name"]
        containers = [c["name"] for c in pod.get("spec", {}).get("containers") or []]
        container = request.query.get("container") or (containers[0] if len(containers) == 1 else "")
        if not container:
            raise bad_request(f"a container name must be specified for pod {name}, choose one of: "
                              f"[{' '.join(containers)}]")
        if container not in containers:
            raise bad_request(f"container {container} is not valid for pod {name}")
        return container

    async def _exec(self, request: web.Request, r: Resource, namespace: str | None, name: str) -> web.StreamResponse:
        """pods/exec over WebSocket (channel.k8s.io), relayed frame by frame to the node's kubelet."""
        pod = self.objects.get(r, namespace, name)
        container = self._container(pod, request)
        return await self._relay(request, self._kubelet(pod, container) + f"/exec/{namespace}/{name}/{container}",
                                 ("v5.channel.k8s.io", "v4.channel.k8s.io"))

    async def _port_forward(self, request: web.Request, r: Resource, namespace: str | None,
                            name: str) -> web.StreamResponse:
        """pods/portforward: kubectl's SPDY/3.1 streams tunnelled in a WebSocket, relayed to the kubelet."""
        pod = self.objects.get(r, namespace, name)
        if pod.get("status", {}).get("phase") != "Running":
            raise bad_request(f"pod {name} is not running")
        return await self._relay(request, self._kubelet(pod, None) + f"/portForward/{namespace}/{name}",
                                 ("SPDY/3.1+portforward.k8s.io",))

    async def _relay(self, request: web.Request, url: str, protocols: tuple[str, ...]) -> web.StreamResponse:
        """A WebSocket from the client, joined message by message to one to the kubelet."""
        if request.headers.get("Upgrade", "").lower() != "websocket":
            raise bad_request("Upgrade request required")
        client = web.WebSocketResponse(protocols=protocols, max_msg_size=0)
        await client.prepare(request)
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=self._kubelet_tls())) as session:
            try:
                upstream = await session.ws_connect(url, params=list(request.query.items()), max_msg_size=0,
                                                    protocols=[client.ws_protocol or protocols[-1]])
            except aiohttp.ClientError as err:
                if protocols[0].endswith("channel.k8s.io"):
                    await client.send_bytes(b"\x03" + json.dumps({"metadata": {}, "status": "Failure",
                                                                   "message": str(err)}).encode())
                await client.close()
                return client

            async def relay(source, sink) -> None:
                async for msg in source:
                    if msg.type == aiohttp.WSMsgType.BINARY:
                        await sink.send_bytes(msg.data)
                    elif msg.type == aiohttp.WSMsgType.TEXT:
                        await sink.send_str(msg.data)
                    else:
                        break

            down = asyncio.create_task(relay(upstream, client))
            up = asyncio.create_task(relay(client, upstream))
            await asyncio.wait([down, up], return_when=asyncio.FIRST_COMPLETED)
            if not down.done():  # the client went first: end the kubelet's side, let what it still sends drain
                await upstream.close()
                await asyncio.wait([down], timeout=5)
            up.cancel()
            down.cancel()
            await upstream.close()
        await client.close()
        return client

    def _token(self, r: Resource, namespace: str | None, name: str, request: dict) -> dict:
        """serviceaccounts/token: a TokenRequest answered with a signed token."""
        account = self.objects.get(r, namespace, name)
        spec = (request or {}).get("spec") or {}
        seconds = int(spec.get("expirationSeconds") or 3600)
        if seconds < 600:
            raise invalid("TokenRequest", "authentication.k8s.io", name, [
                ("spec.expirationSeconds", "FieldValueInvalid",
                 f"Invalid value: {seconds}: may not specify a duration less than 10 minutes")])
        token, expires = self.auth.issue(namespace or "", account, spec.get("audiences"), seconds,
                                         spec.get("boundObjectRef"))
        return {"kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1",
                "metadata": {"name": name, "namespace": namespace, "creationTimestamp": None},
                "spec": {**spec, "expirationSeconds": seconds},
                "status": {"token": token, "expirationTimestamp": expires}}

    # watch

    async def _watch(self, request: web.Request, r: Resource, namespace: str | None) -> web.StreamResponse:
        q = request.query
        rv = q.get("resourceVersion", "")
        labels, fields = q.get("labelSelector"), q.get("fieldSelector")
        timeout = float(q.get("timeoutSeconds") or 1800)
        bookmarks = q.get("allowWatchBookmarks") in ("1", "true")
        as_table = _wants_table(request)
        by_label, by_field = label_selector(labels), field_selector(fields, allowed_fields(r.plural))
        try:
            watch = self.store.watch(r.key(namespace), int(rv) if rv not in ("", "0") else None)
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

        try:
            if rv in ("", "0"):
                items, _ = self.objects.list(r, namespace, labels, fields)
                for item in items:
                    await send("ADDED", item)
            deadline = asyncio.get_running_loop().time() + timeout
            while (left := deadline - asyncio.get_running_loop().time()) > 0:
                event = await watch.next(min(left, BOOKMARK_INTERVAL))
                if event is None:
                    if bookmarks:
                        await send("BOOKMARK", {"kind": r.kind, "apiVersion": r.group_version,
                                                "metadata": {"resourceVersion": str(self.store.revision)}})
                    continue
                if by_label(event.object.get("metadata", {}).get("labels") or {}) and by_field(event.object):
                    await send(event.type, event.object)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            watch.close()
        return response

    # discovery

    def _group(self, name: str) -> dict:
        versions = self.registry.group_versions().get(name)
        if not versions or not name:
            raise not_found("", "", f"/apis/{name}")
        entries = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
        return {"kind": "APIGroup", "apiVersion": "v1", "name": name, "versions": entries,
                "preferredVersion": entries[0]}

    def _group_list(self) -> dict:
        groups = [self._group(g) for g in self.registry.group_versions() if g]
        for g in groups:
            del g["kind"], g["apiVersion"]
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}

    def _resource_list(self, group: str, version: str) -> dict:
        found = self.registry.in_group_version(group, version)
        if not found:
            raise not_found("", "", f"{group}/{version}")
        resources = []
        for r in found:
            item = {"name": r.plural, "singularName": r.name, "namespaced": r.namespaced, "kind": r.kind,
                    "verbs": list(r.verbs)}
            if r.short_names:
                item["shortNames"] = list(r.short_names)
            if r.categories:
                item["categories"] = list(r.categories)
            resources.append(item)
            for sub in r.subresources:
                verbs = ["get", "patch", "update"] if sub in ("status", "scale", "finalize") else ["create", "get"]
                resources.append({"name": f"{r.plural}/{sub}", "singularName": "", "namespaced": r.namespaced,
                                  "kind": r.kind, "verbs": verbs})
        gv = f"{group}/{version}" if group else version
        return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources}


def ssl_context(pki: Path) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(pki / "ca.crt"))
    ctx.load_cert_chain(str(pki / "apiserver.crt"), str(pki / "apiserver.key"))
    ctx.verify_mode = ssl.CERT_OPTIONAL  # no certificate: anonymous, which only sees the public paths
    return ctx
