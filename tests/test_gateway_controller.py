"""The Gateway controller over an API in memory: data planes provisioned and removed, statuses as NGINX Gateway
Fabric writes them, Routes attached or refused."""

import asyncio

from fakes import FakeAPI, settle
from kinns.ingress.gateway import api as gwapi
from kinns.ingress.gateway.controller import Controller

GROUP = gwapi.GROUP


def conditions(obj: dict) -> dict[str, tuple[str, str]]:
    """(status, reason) by type, of an object's status conditions (or of a listener's own)."""
    held = obj["conditions"] if "conditions" in obj else (obj.get("status") or {}).get("conditions") or []
    return {c["type"]: (c["status"], c["reason"]) for c in held}


def world(api: FakeAPI) -> None:
    api.add("customresourcedefinitions", {"metadata": {"name": f"gateways.{GROUP}",
                                                       "annotations": {f"{GROUP}/bundle-version": "v1.2.1"}}})
    api.add("gatewayclasses", {"metadata": {"name": "nginx", "generation": 1},
                               "spec": {"controllerName": gwapi.CONTROLLER_NAME}})
    api.add("namespaces", {"metadata": {"name": "default", "labels": {"kubernetes.io/metadata.name": "default"}}})
    api.add("gateways", {"metadata": {"name": "shop", "namespace": "default", "generation": 1},
                         "spec": {"gatewayClassName": "nginx", "listeners": [
                             {"name": "http", "port": 80, "protocol": "HTTP",
                              "allowedRoutes": {"namespaces": {"from": "Same"}}}]}})
    api.add("services", {"metadata": {"name": "web", "namespace": "default"},
                         "spec": {"ports": [{"name": "http", "port": 80, "targetPort": 3000}]}})
    api.add("endpointslices", {"metadata": {"name": "web-x", "namespace": "default",
                                            "labels": {"kubernetes.io/service-name": "web"}},
                               "ports": [{"name": "http", "port": 3000}], "endpoints": [{"addresses": ["10.244.1.5"]}]})


def route(name: str, parent: str = "shop", backend: str = "web") -> dict:
    return {"metadata": {"name": name, "namespace": "default", "generation": 1,
                         "creationTimestamp": "2026-01-01T00:00:00Z"},
            "spec": {"parentRefs": [{"group": GROUP, "kind": "Gateway", "name": parent}], "hostnames": ["web.example"],
                     "rules": [{"matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                                "backendRefs": [{"group": "", "kind": "Service", "name": backend, "port": 80,
                                                 "weight": 1}]}]}}


def reconcile(api: FakeAPI, tmp_path) -> None:
    asyncio.run(settle(Controller(api.client, tmp_path), api, quiet=0.3))


def test_a_gateway_gets_a_data_plane_and_reports_it_is_not_programmed_until_it_has_an_address(tmp_path):
    api = FakeAPI()
    world(api)
    api.add("httproutes", route("web"))
    reconcile(api, tmp_path)
    config = api.get("configmaps", "default", "shop-nginx")["data"]["nginx.conf"]
    assert "web.example" in config and "10.244.1.5:3000" in config
    deployment = api.get("deployments", "default", "shop-nginx")
    assert deployment["spec"]["template"]["spec"]["containers"][0]["args"][:2] == ["--config", "default/shop-nginx"]
    service = api.get("services", "default", "shop-nginx")
    assert service["spec"]["type"] == "LoadBalancer" and [p["port"] for p in service["spec"]["ports"]] == [80]
    assert all(o["metadata"]["ownerReferences"][0]["kind"] == "Gateway" for o in (deployment, service))
    assert conditions(api.get("gatewayclasses", None, "nginx"))["Accepted"] == ("True", "Accepted")
    gateway = conditions(api.get("gateways", "default", "shop"))
    assert gateway["Accepted"] == ("True", "Accepted") and gateway["Programmed"] == ("False", "AddressNotAssigned")
    [parent] = api.get("httproutes", "default", "web")["status"]["parents"]
    assert parent["controllerName"] == gwapi.CONTROLLER_NAME
    assert {c["type"]: c["status"] for c in parent["conditions"]} == {"Accepted": "True", "ResolvedRefs": "True"}


def test_the_gateway_is_programmed_once_its_service_has_an_address_and_its_nginx_is_ready(tmp_path):
    api = FakeAPI()
    world(api)
    reconcile(api, tmp_path)
    service = api.get("services", "default", "shop-nginx")
    api.add("services", {**service, "status": {"loadBalancer": {"ingress": [{"ip": "172.30.0.200"}]}}})
    api.add("deployments", {**api.get("deployments", "default", "shop-nginx"), "status": {"readyReplicas": 1}})
    reconcile(api, tmp_path)
    gateway = api.get("gateways", "default", "shop")
    assert conditions(gateway)["Programmed"] == ("True", "Programmed")
    assert gateway["status"]["addresses"] == [{"type": "IPAddress", "value": "172.30.0.200"}]
    [listener] = gateway["status"]["listeners"]
    assert listener["attachedRoutes"] == 0 and conditions(listener)["Programmed"] == ("True", "Programmed")


def test_routes_to_a_missing_gateway_or_service_say_so(tmp_path):
    api = FakeAPI()
    world(api)
    api.add("httproutes", route("lost", parent="nope"))
    api.add("httproutes", route("broken", backend="missing"))
    reconcile(api, tmp_path)
    assert (api.get("httproutes", "default", "lost").get("status") or {}).get("parents") in (None, [])
    [parent] = api.get("httproutes", "default", "broken")["status"]["parents"]
    resolved = next(c for c in parent["conditions"] if c["type"] == "ResolvedRefs")
    assert (resolved["status"], resolved["reason"]) == ("False", "BackendNotFound")
    assert "return 500" in api.get("configmaps", "default", "shop-nginx")["data"]["nginx.conf"]


def test_a_deleted_gateway_takes_its_data_plane_with_it(tmp_path):
    api = FakeAPI()
    world(api)
    reconcile(api, tmp_path)
    assert api.get("deployments", "default", "shop-nginx") is not None
    del api.objects[("gateways", "default", "shop")]
    reconcile(api, tmp_path)
    for plural in ("deployments", "services", "configmaps", "secrets"):
        assert api.get(plural, "default", "shop-nginx") is None, plural
