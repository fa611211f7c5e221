"""Pod volumes, made on the node before the containers start.

emptyDir is a directory of the pod's own; hostPath a path as the node sees
it (the node's own /etc, /opt, /var/lib and /var/log, the machine's other
existing paths; a path to be created elsewhere is kept with the node, so no
pod ever adds files to the machine's tree);
configMap, secret, downwardAPI and projected (serviceAccountToken, configMap,
secret, downwardAPI) volumes are files written from the API with their modes — the
service-account token through the TokenRequest API, bound to the pod. Each
container then gets bind mounts at its volumeMounts (see launch.py).

A pod's fsGroup owns its volumes (not hostPath ones) as the kubelet's
SetVolumeOwnership makes it: every file and directory in the group,
directories setgid so new files join it, and the group may read (and in an
emptyDir write) what the owner may.
"""

import base64
import json
import os
import stat
import time
from pathlib import Path

from ...client import Client
from ...kernel.files import Escape, safe_join
from .podconfig import ConfigError, _field


async def _source_files(client: Client, pod: dict, kind: str, spec: dict) -> dict[str, bytes]:
    """Files a configMap or secret source contributes: key -> content (items pick and rename keys)."""
    namespace = pod["metadata"]["namespace"]
    name = spec.get("name") or spec.get("secretName", "")
    plural = "configmaps" if kind == "configMap" else "secrets"
    obj = await client.get(f"/api/v1/namespaces/{namespace}/{plural}/{name}")
    if obj is None:
        if spec.get("optional"):
            return {}
        raise MountPending(f'{kind.lower()} "{name}" not found')  # the pod waits for it, as for a claim
    if kind == "configMap":
        data = {k: v.encode() for k, v in (obj.get("data") or {}).items()}
        data.update({k: base64.b64decode(v) for k, v in (obj.get("binaryData") or {}).items()})
    else:
        data = {k: base64.b64decode(v) for k, v in (obj.get("data") or {}).items()}
    items = spec.get("items")
    if not items:
        return data
    out = {}
    for item in items:
        if item["key"] not in data:
            if spec.get("optional"):
                continue
            raise ConfigError(f"configmap references non-existent config key: {item['key']}")
        out[item["path"]] = data[item["key"]]
    return out


def _write(directory: Path, files: dict[str, bytes], mode: int, group: int | None) -> bool:
    """Make `directory` hold `files`; each changed file is replaced by a rename, so readers never see half a
    file (in `group`, the pod's fsGroup, if it has one). True if anything changed."""
    directory.mkdir(parents=True, exist_ok=True)
    changed = False
    for rel, content in files.items():
        try:
            path = safe_join(directory, rel)
        except Escape as err:
            raise ConfigError(str(err)) from None
        try:
            if path.read_bytes() == content:
                continue
        except OSError:
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.kinns-new")
        tmp.write_bytes(content)
        os.chmod(tmp, mode)
        tmp.replace(path)
        changed = True
    if group is not None and (changed or directory.stat().st_gid != group):
        _own(directory, group, writable=False)
    return changed


def _own(directory: Path, group: int, writable: bool) -> None:
    """The fsGroup's ownership of a volume: group `group` on everything, setgid directories, and the group's
    read (and, `writable`, write) bits beside the owner's; symlinks are left alone, as the kubelet leaves them."""
    mask = 0o660 if writable else 0o440
    for root, dirs, names in os.walk(directory):
        for path in [Path(root)] + [Path(root, n) for n in dirs + names]:
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                continue
            os.chown(path, -1, group)
            bits = stat.S_IMODE(info.st_mode) | mask
            os.chmod(path, bits | stat.S_ISGID | 0o110 if stat.S_ISDIR(info.st_mode) else bits)


def _fs_group(pod: dict) -> int | None:
    return ((pod.get("spec") or {}).get("securityContext") or {}).get("fsGroup")


async def refresh(client: Client, pod: dict, pod_dir: Path) -> bool:
    """Bring a running pod's configMap and secret volumes up to date and renew its service-account tokens, as
    the kubelet's periodic sync does (this is how an edited ConfigMap reaches a mounted Corefile, and why
    kube-proxy and CoreDNS still authenticate after the first token's hour). True if a file changed."""
    changed = False
    for volume in pod.get("spec", {}).get("volumes") or []:
        for source in (volume.get("projected") or {}).get("sources") or []:
            token = source.get("serviceAccountToken")
            if token is not None:  # renewed at 80% of its life, as the kubelet does
                path = pod_dir / "volumes" / volume["name"] / token.get("path", "token")
                try:
                    age = time.time() - path.stat().st_mtime
                except OSError:
                    continue
                if age > 0.8 * token.get("expirationSeconds", 3607):
                    changed |= _write(path.parent, {path.name: await _token(client, pod, token)},
                                      volume["projected"].get("defaultMode", 0o644), _fs_group(pod))
        if "downwardAPI" in volume:  # labels and annotations may have changed
            try:
                files = downward_files(pod, volume["downwardAPI"].get("items"))
            except ConfigError:
                continue
            changed |= _write(pod_dir / "volumes" / volume["name"], files,
                              volume["downwardAPI"].get("defaultMode", 0o644), _fs_group(pod))
        for kind in ("configMap", "secret"):
            if kind in volume:
                spec = volume[kind]
                try:
                    files = await _source_files(client, pod, kind, spec)
                except ConfigError:
                    continue
                changed |= _write(pod_dir / "volumes" / volume["name"], files, spec.get("defaultMode", 0o644),
                                  _fs_group(pod))
    return changed


def downward_files(pod: dict, items: list[dict] | None) -> dict[str, bytes]:
    """The files of a downwardAPI volume (or projection): each item's pod field; the whole label or annotation
    map as the kubelet writes it, one `key="value"` line per entry in key order."""
    files = {}
    for item in items or []:
        if "fieldRef" not in item:
            raise ConfigError(f'downwardAPI item "{item.get("path", "")}": only fieldRef is provided by kinns')
        field = item["fieldRef"].get("fieldPath", "")
        if field in ("metadata.labels", "metadata.annotations"):
            entries = pod["metadata"].get(field.split(".")[1]) or {}
            text = "\n".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in sorted(entries.items()))
        else:
            text = _field(pod, field)
        files[item["path"]] = text.encode()
    return files


async def materialize(client: Client, node, pod: dict, pod_dir: Path) -> dict[str, str]:
    """Make every volume of the pod; return volume name -> path on the machine."""
    out: dict[str, str] = {}
    group = _fs_group(pod)
    for volume in pod.get("spec", {}).get("volumes") or []:
        name = volume["name"]
        target = pod_dir / "volumes" / name
        if "emptyDir" in volume:
            target.mkdir(parents=True, exist_ok=True)
            os.chmod(target, 0o777)  # as the kubelet makes it, whatever this process's umask
            if group is not None:
                _own(target, group, writable=True)
        elif "hostPath" in volume:
            path = node.host_path(volume["hostPath"]["path"])
            kind = volume["hostPath"].get("type", "")
            if kind == "DirectoryOrCreate" or (not kind and not path.exists()):  # a runtime makes a missing one
                path.mkdir(parents=True, exist_ok=True)
            elif kind == "FileOrCreate" and not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.touch()
            elif kind in ("Directory", "File", "Socket") and not path.exists():
                raise ConfigError(f"hostPath type check failed: {path} is not a {kind.lower()}")
            target = path
        elif "persistentVolumeClaim" in volume:
            target = await _claimed(client, node, pod, volume["persistentVolumeClaim"].get("claimName", ""))
        elif "configMap" in volume or "secret" in volume:
            kind = "configMap" if "configMap" in volume else "secret"
            spec = volume[kind]
            _write(target, await _source_files(client, pod, kind, spec), spec.get("defaultMode", 0o644), group)
        elif "projected" in volume:
            files: dict[str, bytes] = {}
            for source in volume["projected"].get("sources") or []:
                if "serviceAccountToken" in source:
                    files[source["serviceAccountToken"].get("path", "token")] = await _token(
                        client, pod, source["serviceAccountToken"])
                for kind in ("configMap", "secret"):
                    if kind in source:
                        files.update(await _source_files(client, pod, kind, source[kind]))
                if "downwardAPI" in source:
                    files.update(downward_files(pod, source["downwardAPI"].get("items")))
            _write(target, files, volume["projected"].get("defaultMode", 0o644), group)
        elif "downwardAPI" in volume:
            _write(target, downward_files(pod, volume["downwardAPI"].get("items")),
                   volume["downwardAPI"].get("defaultMode", 0o644), group)
        else:
            raise ConfigError(f'volume "{name}" is of a kind kinns does not provide')
        out[name] = str(target)
    return out


class MountPending(ConfigError):
    """A volume that cannot be mounted yet (its claim is not bound): the pod waits in ContainerCreating."""

    reason = "ContainerCreating"


async def _claimed(client: Client, node, pod: dict, claim_name: str) -> Path:
    """The directory of the PersistentVolume a claim is bound to; a ConfigError (retried) until it is bound."""
    namespace = pod["metadata"]["namespace"]
    claim = await client.get(f"/api/v1/namespaces/{namespace}/persistentvolumeclaims/{claim_name}")
    if claim is None:
        raise MountPending(f'persistentvolumeclaim "{claim_name}" not found')
    volume_name = (claim.get("spec") or {}).get("volumeName")
    if (claim.get("status") or {}).get("phase") != "Bound" or not volume_name:
        raise MountPending(f'persistentvolumeclaim "{claim_name}" is not bound')
    volume = await client.get(f"/api/v1/persistentvolumes/{volume_name}")
    spec = (volume or {}).get("spec") or {}
    where = (spec.get("hostPath") or spec.get("local") or {}).get("path")
    if not where:
        raise ConfigError(f'persistentvolume "{volume_name}" is of a kind kinns does not mount')
    target = node.host_path(where)
    target.mkdir(parents=True, exist_ok=True)
    return target


async def _token(client: Client, pod: dict, spec: dict) -> bytes:
    meta = pod["metadata"]
    account = pod.get("spec", {}).get("serviceAccountName") or "default"
    request = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
               "spec": {"audiences": [spec["audience"]] if spec.get("audience") else None,
                        "expirationSeconds": spec.get("expirationSeconds", 3607),
                        "boundObjectRef": {"kind": "Pod", "apiVersion": "v1", "name": meta["name"],
                                           "uid": meta["uid"]}}}
    reply = await client.request("POST", f"/api/v1/namespaces/{meta['namespace']}/serviceaccounts/{account}/token",
                                 request)
    return reply["status"]["token"].encode()


def read_only(pod: dict) -> set[str]:
    """The volumes the pod itself mounts read-only everywhere (a claim with readOnly: true)."""
    return {v["name"] for v in pod.get("spec", {}).get("volumes") or []
            if (v.get("persistentVolumeClaim") or {}).get("readOnly")}


def mounts(container: dict, paths: dict[str, str], forced: set[str] = frozenset()) -> list[dict]:
    """The bind mounts a container gets: source on the machine, target in the container (read-only where the
    mount asks for it or the volume is in `forced`)."""
    out = []
    for m in container.get("volumeMounts") or []:
        if m["name"] not in paths:
            raise ConfigError(f'volume "{m["name"]}" not found in the pod\'s volumes')
        source = paths[m["name"]]
        if m.get("subPath"):
            try:
                source = str(safe_join(Path(source), m["subPath"]))
            except Escape as err:
                raise ConfigError(f'subPath of volume "{m["name"]}": {err}') from None
        out.append({"source": source, "target": m["mountPath"],
                    "readOnly": bool(m.get("readOnly")) or m["name"] in forced})
    return out
