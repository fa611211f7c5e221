"""The PersistentVolume controller and kinns's local-path provisioner.

A claim binds to an Available volume of its class that has its access modes,
volume mode and at least its size (the smallest such), or, for a class whose
provisioner is kinns.io/local-path, to a volume made for it: a directory on the
machine under the cluster's state (`--volumes`), which every node sees, so the
volume follows its pod to any node (kind's local-path volumes are tied to one).
A claim of a WaitForFirstConsumer class stays Pending until the scheduler has
chosen a node for a pod that uses it (volume.kubernetes.io/selected-node). A
volume whose claim is gone is Released, and deleted with its directory when
its reclaimPolicy is Delete.
"""

import shutil
from pathlib import Path

from ..apimachinery import quantity
from ..apimachinery.labels import selector_matches
from ..apimachinery.meta import key
from .base import CLAIMS, CLASSES, VOLUMES, Controller

PROVISIONER = "kinns.io/local-path"
SELECTED_NODE = "volume.kubernetes.io/selected-node"  # set by the scheduler on a WaitForFirstConsumer claim


def size(value: str | int | None) -> int:
    return int(quantity.parse(value or 0))


def _claim_keys(claim: dict) -> list[tuple[str, str, str]]:
    """A claim, and the volume it is bound to (which a deleted claim releases)."""
    bound = (claim.get("spec") or {}).get("volumeName")
    return [("pvc", *key(claim))] + ([("pv", "", bound)] if bound else [])


def _volume_keys(volume: dict) -> list[tuple[str, str, str]]:
    """A volume, and the claim it names."""
    ref = (volume.get("spec") or {}).get("claimRef") or {}
    return [("pv", "", volume["metadata"]["name"])] + (
        [("pvc", ref.get("namespace", ""), ref.get("name", ""))] if ref else [])


class PersistentVolumeController(Controller):
    name = "persistentvolume-controller"

    def setup(self, volumes_dir: Path) -> None:
        self.directory = volumes_dir
        self.claims = self.watch(CLAIMS, _claim_keys)
        self.volumes = self.watch(VOLUMES, _volume_keys)
        self.classes = self.watch(CLASSES)
        self.told: set[str] = set()  # uids of the waiting claims whose event is written

    async def reconcile(self, item: tuple[str, str, str] | None) -> None:
        if item is None:  # a StorageClass changed: every pending claim is looked at again
            for claim in self.claims.values():
                if (claim.get("status") or {}).get("phase") != "Bound":
                    self.enqueue(("pvc", *key(claim)))
            return
        kind, namespace, name = item
        if kind == "pv":
            await self._volume(name)
        else:
            await self._claim(namespace, name)

    async def _claim(self, namespace: str, name: str) -> None:
        claim = self.live(self.claims, (namespace, name))
        if claim is None:
            return
        spec = claim.get("spec") or {}
        bound = self.volumes.get(None, spec["volumeName"]) if spec.get("volumeName") else None
        if bound is None:
            cls = self.classes.get(None, spec.get("storageClassName") or "") if spec.get("storageClassName") else None
            waiting = (cls or {}).get("volumeBindingMode") == "WaitForFirstConsumer" and \
                SELECTED_NODE not in (claim["metadata"].get("annotations") or {})
            if waiting:  # until the scheduler has placed a pod that uses it
                if (claim.get("status") or {}).get("phase") != "Pending":
                    await self._claim_status(claim, {"phase": "Pending"})
                if claim["metadata"]["uid"] not in self.told:
                    self.told.add(claim["metadata"]["uid"])
                    self.events.record(claim, "Normal", "WaitForFirstConsumer",
                                       "waiting for first consumer to be created before binding")
                return
            self.told.discard(claim["metadata"]["uid"])
            bound = self._match(claim) or await self._provision(claim)
            if bound is None:
                if (claim.get("status") or {}).get("phase") != "Pending":
                    await self._claim_status(claim, {"phase": "Pending"})
                return
            bound = await self.client.patch(f"{VOLUMES}/{bound['metadata']['name']}", {"spec": {"claimRef": {
                "kind": "PersistentVolumeClaim", "namespace": namespace, "name": name, "apiVersion": "v1",
                "uid": claim["metadata"]["uid"], "resourceVersion": claim["metadata"]["resourceVersion"]}}})
            await self.client.patch(f"/api/v1/namespaces/{namespace}/persistentvolumeclaims/{name}", {
                "metadata": {"annotations": {"pv.kubernetes.io/bind-completed": "yes",
                                             "pv.kubernetes.io/bound-by-controller": "yes"}},
                "spec": {"volumeName": bound["metadata"]["name"]}})
        if (bound.get("status") or {}).get("phase") != "Bound":
            await self.client.patch(f"{VOLUMES}/{bound['metadata']['name']}/status", {"status": {"phase": "Bound"}})
        want = {"phase": "Bound", "accessModes": bound["spec"].get("accessModes"),
                "capacity": bound["spec"].get("capacity")}
        if {k: (claim.get("status") or {}).get(k) for k in want} != want:
            await self._claim_status(claim, want)
            self.events.record(claim, "Normal", "Bound", f"Successfully bound to {bound['metadata']['name']}")

    async def _claim_status(self, claim: dict, status: dict) -> None:
        meta = claim["metadata"]
        await self.client.patch(f"/api/v1/namespaces/{meta['namespace']}/persistentvolumeclaims/{meta['name']}"
                                "/status", {"status": status})

    def _match(self, claim: dict) -> dict | None:
        """The smallest Available volume that satisfies the claim (pre-bound ones only to their claim)."""
        spec = claim.get("spec") or {}
        want = size(((spec.get("resources") or {}).get("requests") or {}).get("storage"))
        fits = []
        for volume in self.volumes.values():
            vspec = volume.get("spec") or {}
            ref = vspec.get("claimRef")
            if ref and (ref.get("namespace"), ref.get("name")) != key(claim):
                continue
            if ref is None and (volume.get("status") or {}).get("phase") not in (None, "Pending", "Available"):
                continue
            if (vspec.get("storageClassName") or "") != (spec.get("storageClassName") or ""):
                continue
            if not set(spec.get("accessModes") or []) <= set(vspec.get("accessModes") or []):
                continue
            if vspec.get("volumeMode", "Filesystem") != spec.get("volumeMode", "Filesystem"):
                continue
            if spec.get("selector") is not None and not selector_matches(spec["selector"],
                                                                        volume["metadata"].get("labels") or {}):
                continue
            capacity = size((vspec.get("capacity") or {}).get("storage"))
            if capacity >= want:
                fits.append((capacity, volume["metadata"]["name"], volume))
        return min(fits)[2] if fits else None

    async def _provision(self, claim: dict) -> dict | None:
        spec = claim.get("spec") or {}
        cls = self.classes.get(None, spec.get("storageClassName") or "") if spec.get("storageClassName") else None
        if cls is None:
            return None
        if cls.get("provisioner") != PROVISIONER:
            return None  # another provisioner's (none runs here): the claim stays Pending
        name = f"pvc-{claim['metadata']['uid']}"
        directory = self.directory / name
        directory.mkdir(parents=True, exist_ok=True)
        directory.chmod(0o777)  # as local-path-provisioner makes them: any pod user may write
        volume = {"metadata": {"name": name, "annotations": {"pv.kubernetes.io/provisioned-by": PROVISIONER},
                               "labels": {}},
                  "spec": {"capacity": {"storage": ((spec.get("resources") or {}).get("requests") or {})
                                        .get("storage", "1Gi")},
                           "accessModes": spec.get("accessModes") or ["ReadWriteOnce"],
                           "persistentVolumeReclaimPolicy": cls.get("reclaimPolicy", "Delete"),
                           "storageClassName": cls["metadata"]["name"], "volumeMode": spec.get("volumeMode",
                                                                                            "Filesystem"),
                           "hostPath": {"path": str(directory), "type": "DirectoryOrCreate"}}}
        made = await self.client.create(VOLUMES, volume)
        self.events.record(claim, "Normal", "ProvisioningSucceeded",
                           f"Successfully provisioned volume {name}")
        return made

    async def _volume(self, name: str) -> None:
        volume = self.volumes.get(None, name)
        if volume is None or volume["metadata"].get("deletionTimestamp"):
            return
        spec, phase = volume.get("spec") or {}, (volume.get("status") or {}).get("phase")
        ref = spec.get("claimRef")
        if ref is None:
            if phase != "Available":
                await self.client.patch(f"{VOLUMES}/{name}/status", {"status": {"phase": "Available"}})
            return
        claim = self.claims.get(ref.get("namespace"), ref.get("name", ""))
        if claim is not None and (not ref.get("uid") or claim["metadata"]["uid"] == ref.get("uid")):
            return
        if phase == "Bound" or phase in (None, "Pending", "Available") and ref.get("uid"):
            # its claim is gone
            if spec.get("persistentVolumeReclaimPolicy") == "Delete":
                where = Path(spec.get("hostPath", {}).get("path", "/"))
                if (volume["metadata"].get("annotations") or {}).get("pv.kubernetes.io/provisioned-by") == \
                        PROVISIONER and where.parent == self.directory:  # only what this provisioner made
                    shutil.rmtree(where, ignore_errors=True)
                await self.client.delete(f"{VOLUMES}/{name}")
            elif phase != "Released":
                await self.client.patch(f"{VOLUMES}/{name}/status", {"status": {"phase": "Released"}})
