"""The cluster add-ons the control plane installs at start, as kubeadm's addon phase and k3s's manifests do.

Each manifest in `manifests/` is created through the API when its objects are
missing and left alone when present, so a user's edits (the kube-proxy
ConfigMap's mode) survive restarts; deleting an object and restarting the
control plane brings the shipped one back. Files go in name order and the
objects of a file in their order, so a CRD is served before the objects of
its kind in a later file. A bare cluster gets only what kubeadm installs,
kube-proxy and CoreDNS; its users bring the CNI and the controllers.
"""

import asyncio
from pathlib import Path
from string import Template

import yaml

from ..apimachinery.errors import APIError
from ..client import Client
from ..client.discovery import Discovery

MANIFESTS = Path(__file__).with_name("manifests")
KUBEADM = ("coredns", "kube-proxy")  # the add-ons of `kubeadm init` (a bare cluster's only ones)


def documents(address: str, bare: bool = False) -> list[dict]:
    """The add-on objects, with the API server's address filled in."""
    return [doc for path in sorted(MANIFESTS.glob("*.yaml")) if not bare or path.stem in KUBEADM
            for doc in yaml.safe_load_all(Template(path.read_text()).safe_substitute(APISERVER=address)) if doc]


async def install(client: Client, address: str, bare: bool = False) -> None:
    discovery = Discovery(client)
    for doc in documents(address, bare):
        meta = doc["metadata"]
        for attempt in range(50):  # a kind whose CRD was created just before is served a moment later
            r = await discovery.find(doc["apiVersion"], doc["kind"])
            if r is not None or attempt == 49:
                break
            await asyncio.sleep(0.1)
        if r is None:
            raise RuntimeError(f"add-on {doc['kind']} {meta['name']}: the API does not serve {doc['apiVersion']}")
        if await client.get(r.path(meta.get("namespace"), meta["name"])) is not None:
            continue
        try:
            await client.create(r.path(meta.get("namespace")), doc)
        except APIError as err:
            if err.code != 409:
                raise
