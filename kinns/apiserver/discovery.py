"""Discovery documents: /api, /apis, /apis/GROUP and the APIResourceList of each group/version, from the
registry of served resources (what kubectl api-resources and every client's RESTMapper read)."""

from ..apimachinery.errors import not_found
from ..apimachinery.version import KUBERNETES, MAJOR, MINOR
from .resources import Registry

VERSION = {"major": str(MAJOR), "minor": str(MINOR), "gitVersion": f"{KUBERNETES}-kinns",
           "gitCommit": "kinns",
           "gitTreeState": "clean", "buildDate": "2026-11-22T00:00:00Z", "goVersion": "go1.25.0",
           "compiler": "gc", "platform": "linux/amd64"}


SUBRESOURCE_KINDS = {  # subresource -> the group, version and kind its requests carry
    "eviction": ("policy", "v1", "Eviction"), "binding": ("", "v1", "Binding"),
    "scale": ("autoscaling", "v1", "Scale"), "token": ("authentication.k8s.io", "v1", "TokenRequest"),
    "exec": ("", "v1", "PodExecOptions"), "attach": ("", "v1", "PodAttachOptions"),
    "portforward": ("", "v1", "PodPortForwardOptions"),
}


def versions(address: str) -> dict:
    return {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
        {"clientCIDR": "0.0.0.0/0", "serverAddress": address}]}


def group(registry: Registry, name: str) -> dict:
    found = registry.group_versions().get(name)
    if not found or not name:
        raise not_found("", "", f"/apis/{name}")
    entries = [{"groupVersion": f"{name}/{v}", "version": v} for v in found]
    return {"kind": "APIGroup", "apiVersion": "v1", "name": name, "versions": entries, "preferredVersion": entries[0]}


def group_list(registry: Registry) -> dict:
    groups = [group(registry, g) for g in registry.group_versions() if g]
    for g in groups:
        del g["kind"], g["apiVersion"]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def resource_list(registry: Registry, group_name: str, version: str) -> dict:
    found = registry.in_group_version(group_name, version)
    if not found:
        raise not_found("", "", f"{group_name}/{version}")
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
            verbs = ["get", "patch", "update"] if sub in ("status", "scale", "finalize", "ephemeralcontainers") \
                else ["create", "get"]
            entry = {"name": f"{r.plural}/{sub}", "singularName": "", "namespaced": r.namespaced, "kind": r.kind,
                     "verbs": verbs}
            kinds = {**SUBRESOURCE_KINDS, "proxy": ("", "v1", f"{r.kind}ProxyOptions")}
            if sub in kinds:  # a subresource of a kind of its own says so (kubectl drain reads it)
                own_group, own_version, kind = kinds[sub]
                # a kind of another group names its group and version; one of the core group names neither
                entry.update({"kind": kind, **({"group": own_group, "version": own_version} if own_group else {})})
            resources.append(entry)
    gv = f"{group_name}/{version}" if group_name else version
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources}
