"""ingress-nginx's validating admission webhook (`--validating-webhook=:8443`): AdmissionReviews over TLS, with the
certificate and key the flags name (kube-webhook-certgen's Secret, mounted), answered as the real webhook
answers them.

An Ingress of this controller is refused for what ingress-nginx refuses: an annotation whose value it does not
take, a host and path another Ingress already defines (`host "x" and path "/y" is already defined in ingress
ns/name`; canaries excepted), or, unless `--disable-full-test`, a configuration with the new Ingress merged in
that fails `nginx -t`. Ingresses of other controllers are allowed untouched.
"""

import json
import logging
import ssl
from collections.abc import Callable

from aiohttp import web

log = logging.getLogger("ingress-nginx.admission")
CANARY = "nginx.ingress.kubernetes.io/canary"


def _paths(ing: dict) -> list[tuple[str, str]]:
    return [(rule.get("host") or "_", p.get("path") or "/") for rule in (ing.get("spec") or {}).get("rules") or []
            for p in (rule.get("http") or {}).get("paths") or []]


def overlap(ing: dict, others: list[dict]) -> str:
    """Why `ing` clashes with an Ingress already defined ("" when it does not): the same host and path."""
    meta = ing["metadata"]
    if (meta.get("annotations") or {}).get(CANARY) == "true":
        return ""
    wanted = set(_paths(ing))
    for other in sorted(others, key=lambda o: o["metadata"].get("creationTimestamp", "")):
        om = other["metadata"]
        if (om.get("namespace"), om["name"]) == (meta.get("namespace"), meta["name"]):
            continue
        if (om.get("annotations") or {}).get(CANARY) == "true":
            continue
        for host, path in _paths(other):
            if (host, path) in wanted:
                return f'host "{host}" and path "{path}" is already defined in ingress {om["namespace"]}/{om["name"]}'
    return ""


def answer(review: dict, why: str) -> dict:
    uid = (review.get("request") or {}).get("uid", "")
    response: dict = {"uid": uid, "allowed": not why}
    if why:
        response["status"] = {"message": why, "code": 400, "status": "Failure", "reason": "BadRequest"}
    return {"apiVersion": review.get("apiVersion", "admission.k8s.io/v1"), "kind": "AdmissionReview",
            "response": response}


def tls_context(certificate: str, key: str) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(certificate, key)
    return ctx


def application(validate: Callable[[dict], str]) -> web.Application:
    """The webhook's HTTP side: any path takes a POSTed AdmissionReview (`validate(ingress)` says why it is
    refused, "" to allow it); anything else is a 400."""
    async def review(request: web.Request) -> web.Response:
        try:
            body = await request.json()
            obj = body["request"]["object"]
        except (ValueError, KeyError, TypeError):
            return web.Response(status=400, text="invalid AdmissionReview")
        if obj is None or obj.get("kind") not in (None, "Ingress"):
            return web.json_response(answer(body, ""))
        why = validate(obj)
        meta = obj.get("metadata") or {}
        if why:
            log.error("ingress %s/%s refused: %s", meta.get("namespace"), meta.get("name"), why)
        else:
            log.info("successfully validated configuration, accepting ingress %s in namespace %s",
                     meta.get("name"), meta.get("namespace"))
        return web.Response(text=json.dumps(answer(body, why)), content_type="application/json")

    app = web.Application(client_max_size=3 * 1024 * 1024)
    app.router.add_post("/{tail:.*}", review)
    return app
