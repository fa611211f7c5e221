"""The cluster add-ons the API server installs at start, as kubeadm's addon phase and k3s's manifests do.

Each manifest in `manifests/` is created when its objects are missing and
left alone when present, so a user's edits (the kube-proxy ConfigMap's mode)
survive restarts; deleting an object and restarting the control plane brings
the shipped one back.
"""

from pathlib import Path
from string import Template

import yaml

from ..apiserver.errors import APIError
from ..apiserver.handlers import Objects, WriteOptions

MANIFESTS = Path(__file__).with_name("manifests")


def install(objects: Objects, address: str) -> None:
    opts = WriteOptions(manager="kinns-addons")
    for path in sorted(MANIFESTS.glob("*.yaml")):
        for doc in yaml.safe_load_all(Template(path.read_text()).safe_substitute(APISERVER=address)):
            group, _, version = doc["apiVersion"].rpartition("/")
            r = objects.registry.by_kind(group, doc["kind"])
            namespace = doc["metadata"].get("namespace")
            if objects.store.get(r.key(namespace, doc["metadata"]["name"])) is not None:
                continue
            try:
                objects.create(r, namespace, doc, opts)
            except APIError as err:
                if err.code != 409:
                    raise
