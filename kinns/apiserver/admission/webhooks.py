"""Admission webhooks: an AdmissionReview v1 POSTed over HTTPS to each matching webhook, as kube-apiserver sends it.

A webhook given by service is called at the Service's ClusterIP and port (kube-apiserver's default resolver), its
certificate checked against the caBundle for the name `<service>.<namespace>.svc`; one given by URL at that URL.
Each call has the webhook's timeout, and `?timeout=` tells the webhook what it is. A webhook that cannot be
called (refused, timed out, a bad answer) fails the request with an InternalError when its failurePolicy is Fail
and is passed over when it is Ignore; a webhook that answers `allowed: false` refuses it whatever the policy.
Mutating webhooks run one after another, each seeing the last one's patch (a JSONPatch); a webhook with
reinvocationPolicy IfNeeded runs once more when a later one changed the object. Validating webhooks run at once.
"""

import asyncio
import base64
import copy
import json
import logging
import ssl
import uuid
from urllib.parse import urlsplit

import aiohttp

from ...apimachinery.errors import APIError
from ...store import Store
from ..patch import json_patch
from .configurations import Configurations
from .matching import labels_of, namespace_of, rules_match, selectors_match
from .request import Request

log = logging.getLogger("kinns.apiserver.webhooks")
OPTIONS_KIND = {"CREATE": "CreateOptions", "UPDATE": "UpdateOptions", "DELETE": "DeleteOptions"}


class CallError(Exception):
    """The webhook could not be called or gave no usable answer (subject to its failurePolicy)."""


def review(request: Request, new: dict | None, old: dict | None, uid: str) -> dict:
    """The AdmissionReview v1 a webhook is sent."""
    r = request.resource
    kind = request.kind or {"group": r.group, "version": r.version, "kind": r.kind}
    resource = {"group": r.group, "version": r.version, "resource": r.plural}
    user = request.opts.user
    body = {"uid": uid, "kind": kind, "resource": resource, "requestKind": kind, "requestResource": resource,
            "name": request.name, "operation": request.operation,
            "userInfo": {"username": user.name, "groups": list(user.groups)} if user else
            {"username": "system:apiserver", "groups": ["system:masters"]},
            "object": new, "oldObject": old, "dryRun": request.opts.dry_run,
            "options": None if request.operation == "CONNECT" else {
                "kind": OPTIONS_KIND[request.operation], "apiVersion": "meta.k8s.io/v1",
                **({"fieldManager": request.opts.manager} if request.operation != "DELETE" else {}),
                **(request.options or {})}}
    if request.namespace:
        body["namespace"] = request.namespace
    if request.subresource:
        body["subResource"] = body["requestSubResource"] = request.subresource
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": body}


def _go_error(err: BaseException) -> str:
    """A call's failure in the words Go's net/http and crypto/tls give it (what kube-apiserver's message holds)."""
    if isinstance(err, asyncio.TimeoutError):
        return "context deadline exceeded"
    if isinstance(err, aiohttp.ClientConnectorCertificateError):
        text = str(err.certificate_error)
        if "Hostname mismatch" in text or "IP address mismatch" in text:
            return f"tls: failed to verify certificate: x509: certificate is not valid for this name ({text})"
        return "tls: failed to verify certificate: x509: certificate signed by unknown authority"
    if isinstance(err, aiohttp.ClientConnectorError):
        cause = err.os_error
        what = "connection refused" if isinstance(cause, ConnectionRefusedError) else \
            (cause.strerror or str(cause)).lower()
        return f"dial tcp {err.host}:{err.port}: connect: {what}"
    if isinstance(err, aiohttp.ClientSSLError):
        return f"remote error: tls: {err}"
    return str(err) or type(err).__name__


class Webhooks:
    def __init__(self, store: Store, configurations: Configurations) -> None:
        self.store, self.configurations = store, configurations
        self._session: aiohttp.ClientSession | None = None
        self._contexts: dict[str, ssl.SSLContext] = {}

    def _matching(self, mutating: bool, request: Request, new: dict | None, old: dict | None) -> list[dict]:
        namespace = namespace_of(self.store, request)
        labels = labels_of(namespace) if namespace else None
        return [hook for _, hook in self.configurations.webhooks(mutating)
                if rules_match(hook.get("rules") or [], request, hook.get("matchPolicy") != "Exact")
                and selectors_match(hook, request, new, old, labels)]

    def _target(self, hook: dict) -> tuple[str, str, str]:
        """(the URL as the webhook is known, the URL to connect to, the TLS server name)."""
        config = hook.get("clientConfig") or {}
        timeout = f"?timeout={hook.get('timeoutSeconds', 10)}s"
        if config.get("url"):
            url = config["url"]
            return url + timeout, url + timeout, urlsplit(url).hostname or ""
        service = config.get("service") or {}
        name, namespace, port = service.get("name", ""), service.get("namespace", ""), service.get("port", 443)
        host = f"{name}.{namespace}.svc"
        shown = f"https://{host}:{port}{service.get('path') or ''}{timeout}"
        svc = self.store.get(f"/registry/core/services/{namespace}/{name}")
        if svc is None:
            raise CallError(f'Post "{shown}": service "{name}" not found')
        ip = (svc.get("spec") or {}).get("clusterIP")
        if not ip or ip == "None":
            raise CallError(f'Post "{shown}": service "{namespace}/{name}" has no cluster IP')
        return shown, f"https://{ip}:{port}{service.get('path') or ''}{timeout}", host

    def _context(self, bundle: str) -> ssl.SSLContext:
        """The TLS context trusting `bundle` (the system's roots when empty), one per bundle so that calls to the
        same webhook reuse their kept-alive connections."""
        if bundle not in self._contexts:
            try:
                self._contexts[bundle] = ssl.create_default_context(
                    cadata=base64.b64decode(bundle).decode() if bundle else None)
            except (ValueError, ssl.SSLError) as err:
                raise CallError(f"could not get REST client: unable to load root certificates: {err}") from None
        return self._contexts[bundle]

    async def _post(self, hook: dict, body: dict) -> dict:
        shown, url, server_name = self._target(hook)
        context = self._context((hook.get("clientConfig") or {}).get("caBundle") or "")
        if self._session is None:
            self._session = aiohttp.ClientSession()
        try:
            async with asyncio.timeout(hook.get("timeoutSeconds", 10)):
                async with self._session.post(url, json=body, ssl=context, server_hostname=server_name,
                                              headers={"Accept": "application/json"}) as answer:
                    text = await answer.read()
                    if answer.status != 200:
                        raise CallError(f"received invalid webhook response: the server responded with the status "
                                        f"code {answer.status} but did not return more information "
                                        f"(post {shown})")
        except CallError:
            raise
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as err:
            raise CallError(f'Post "{shown}": {_go_error(err)}') from None
        try:
            reply = json.loads(text)
            response = reply["response"]
        except (ValueError, KeyError, TypeError):
            raise CallError("received invalid webhook response: the response is not an AdmissionReview with a "
                            "response") from None
        if not isinstance(response, dict):
            raise CallError("received invalid webhook response: response is not an object")
        if response.get("uid") != body["request"]["uid"]:
            raise CallError(f'expected response.uid="{body["request"]["uid"]}", got "{response.get("uid", "")}"')
        return response

    async def _call(self, hook: dict, request: Request, new: dict | None, old: dict | None) -> dict | None:
        """The webhook's response, or None when it could not be called and its failurePolicy is Ignore."""
        body = review(request, new, old, str(uuid.uuid4()))
        try:
            response = await self._post(hook, body)
        except CallError as err:
            message = f'failed calling webhook "{hook.get("name")}": failed to call webhook: {err}'
            if hook.get("failurePolicy") == "Ignore":
                log.warning("Failed calling webhook, failing open %s: %s", hook.get("name"), message)
                return None
            log.warning("Failed calling webhook, failing closed %s: %s", hook.get("name"), message)
            raise APIError(500, "InternalError", f"Internal error occurred: {message}") from None
        request.opts.warnings += [str(w) for w in response.get("warnings") or []]
        if not response.get("allowed"):
            raise denied(hook.get("name", ""), response.get("result") or response.get("status"))
        return response

    async def mutate(self, request: Request, new: dict, old: dict | None) -> dict:
        hooks = self._matching(True, request, new, old)
        current, changed_after = new, {}
        for i, hook in enumerate(hooks):
            current, changed = await self._mutate_one(hook, request, current, old)
            if changed:
                changed_after = {j: True for j in range(i)}
        for j, hook in enumerate(hooks):  # reinvocation: once, for IfNeeded webhooks a later one overtook
            if changed_after.get(j) and hook.get("reinvocationPolicy") == "IfNeeded":
                current, _ = await self._mutate_one(hook, request, current, old)
        return current

    async def _mutate_one(self, hook: dict, request: Request, current: dict, old: dict | None) -> tuple[dict, bool]:
        response = await self._call(hook, request, current, old)
        if response is None or not response.get("patch"):
            return current, False
        if response.get("patchType") != "JSONPatch":
            raise APIError(500, "InternalError", f'Internal error occurred: failed calling webhook "{hook.get("name")}"'
                           f': unsupported patch type "{response.get("patchType", "")}"')
        try:
            ops = json.loads(base64.b64decode(response["patch"]))
            patched = json_patch(copy.deepcopy(current), ops)
        except (ValueError, TypeError, APIError) as err:
            message = err.message if isinstance(err, APIError) else str(err)
            raise APIError(500, "InternalError", f"Internal error occurred: failed calling webhook "
                           f'"{hook.get("name")}": {message}') from None
        return patched, patched != current

    async def validate(self, request: Request, new: dict | None, old: dict | None) -> None:
        hooks = self._matching(False, request, new, old)
        results = await asyncio.gather(*(self._call(h, request, new, old) for h in hooks), return_exceptions=True)
        for result in results:  # the first refusal in the webhooks' order
            if isinstance(result, BaseException):
                raise result

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def denied(name: str, status: object) -> APIError:
    """A webhook's refusal as kube-apiserver returns it: its status, code at least 400, the message prefixed."""
    status = status if isinstance(status, dict) else {}
    prefix = f'admission webhook "{name}" denied the request'
    code = status.get("code") if isinstance(status.get("code"), int) and status["code"] >= 400 else 400
    if status.get("message"):
        message = f"{prefix}: {status['message']}"
    elif status.get("reason"):
        message = f"{prefix}: {status['reason']}"
    else:
        message = f"{prefix} without explanation"
    return APIError(code, status.get("reason") or "", message, status.get("details"))
