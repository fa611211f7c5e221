"""Executing a node's CNI configuration as a container runtime does (libcni's job).

The first config file of the node's /etc/cni/net.d names the network; each
plugin of the list is executed inside the node, in order for ADD and CHECK
and in reverse for DEL, each fed the previous result. The ADD result and the
config it was made with are cached under /var/lib/cni/results so DEL and
CHECK later use exactly what ADD used, even if the file has changed since.
"""

import json
from pathlib import Path

from ..kernel.node import Node

BIN_DIR = "/opt/cni/bin"
CONF_DIR = "/etc/cni/net.d"
CACHE_DIR = "/var/lib/cni/results"
# the pod's `lo`, brought up by the reference `loopback` plugin as containerd does it (the kubernetes-cni
# package puts it on every node, bare ones included); 1.0.0 is the newest version Debian's plugins speak
LOOPBACK = {"cniVersion": "1.0.0", "name": "cni-loopback", "plugins": [{"type": "loopback"}]}


class CNIFailure(Exception):
    """A plugin's error JSON, or the runtime's own reason, as the kubelet reports it."""

    def __init__(self, msg: str, code: int = 0) -> None:
        super().__init__(msg)
        self.code = code


class NoNetworkConfig(CNIFailure):
    pass


def load_conflist(node: Node) -> dict:
    """The node's network: its first .conflist/.conf/.json file in lexical order."""
    directory = node.file(CONF_DIR)
    files = sorted(p for p in directory.glob("*") if p.suffix in (".conflist", ".conf", ".json")) \
        if directory.is_dir() else []
    if not files:
        raise NoNetworkConfig(f"network plugin is not ready: cni config uninitialized (no network config "
                              f"found in {CONF_DIR})")
    data = json.loads(files[0].read_text())
    if "plugins" not in data:  # a single .conf is a list of one
        data = {"cniVersion": data.get("cniVersion"), "name": data.get("name"), "plugins": [data]}
    return data


def _plugin_conf(conflist: dict, plugin: dict, runtime_config: dict, prev: dict | None) -> dict:
    conf = {**plugin, "cniVersion": conflist["cniVersion"], "name": conflist["name"]}
    caps = {k: v for k, v in runtime_config.items() if (plugin.get("capabilities") or {}).get(k)}
    if caps:
        conf["runtimeConfig"] = caps
    if prev is not None:
        conf["prevResult"] = prev
    return conf


def _exec(node: Node, plugin: dict, command: str, conf: dict, env: dict) -> dict:
    environ = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "CNI_COMMAND": command, "CNI_PATH": BIN_DIR, **env}
    proc = node.run([f"{BIN_DIR}/{plugin['type']}"], input=json.dumps(conf).encode(), env=environ,
                    capture_output=True, timeout=60)
    out = proc.stdout.decode().strip()
    if proc.returncode:
        try:
            err = json.loads(out)
            raise CNIFailure(f"plugin type=\"{plugin['type']}\" failed ({command.lower()}): "
                             f"{err.get('msg')}{': ' + err['details'] if err.get('details') else ''}",
                             err.get("code", 0))
        except (ValueError, AttributeError):
            raise CNIFailure(f"plugin type=\"{plugin['type']}\" failed ({command.lower()}): "
                             f"{out or proc.stderr.decode().strip()}") from None
    return json.loads(out) if out else {}


def _run_list(node: Node, conflist: dict, command: str, env: dict, runtime_config: dict,
              cached: dict | None) -> dict | None:
    plugins = conflist["plugins"] if command != "DEL" else list(reversed(conflist["plugins"]))
    prev = cached if command != "ADD" else None
    for plugin in plugins:
        result = _exec(node, plugin, command, _plugin_conf(conflist, plugin, runtime_config, prev), env)
        if command == "ADD":
            prev = result
    return prev


def _cache_path(node: Node, network: str, container_id: str, ifname: str) -> Path:
    return node.file(CACHE_DIR) / f"{network}-{container_id}-{ifname}"


def add(node: Node, container_id: str, netns: str, ifname: str = "eth0",
        runtime_config: dict | None = None, conflist: dict | None = None) -> dict:
    """ADD the pod to the node's network; on failure DEL what was started, then raise."""
    conflist = conflist or load_conflist(node)
    env = {"CNI_CONTAINERID": container_id, "CNI_NETNS": netns, "CNI_IFNAME": ifname}
    try:
        result = _run_list(node, conflist, "ADD", env, runtime_config or {}, None) or {}
    except CNIFailure:
        try:
            _run_list(node, conflist, "DEL", env, runtime_config or {}, None)
        except CNIFailure:
            pass
        raise
    cache = _cache_path(node, conflist["name"], container_id, ifname)
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps({"kind": "cniCacheV1", "containerId": container_id, "ifName": ifname,
                                 "networkName": conflist["name"], "config": conflist,
                                 "runtimeConfig": runtime_config or {}, "result": result}))
    return result


def _cached(node: Node, network: str, container_id: str, ifname: str) -> dict | None:
    try:
        return json.loads(_cache_path(node, network, container_id, ifname).read_text())
    except FileNotFoundError:
        return None


def delete(node: Node, container_id: str, netns: str, ifname: str = "eth0", network: str | None = None,
           conflist: dict | None = None) -> None:
    """DEL with the config and result ADD used; without a cache (a runtime that died before it wrote one),
    with `conflist` when the attachment is to a fixed network (the loopback), else the node's current config."""
    network = conflist["name"] if conflist else network
    cached = _cached(node, network, container_id, ifname) if network else None
    conflist = cached["config"] if cached else (conflist or load_conflist(node))
    if not cached:
        cached = _cached(node, conflist["name"], container_id, ifname)
    env = {"CNI_CONTAINERID": container_id, "CNI_NETNS": netns, "CNI_IFNAME": ifname}
    _run_list(node, conflist, "DEL", env, (cached or {}).get("runtimeConfig", {}),
              (cached or {}).get("result"))
    _cache_path(node, conflist["name"], container_id, ifname).unlink(missing_ok=True)


def check(node: Node, container_id: str, netns: str, ifname: str = "eth0", network: str = "") -> None:
    cached = _cached(node, network, container_id, ifname)
    if cached is None:
        raise CNIFailure(f"no cached result for {container_id}/{ifname} in network {network!r}")
    env = {"CNI_CONTAINERID": container_id, "CNI_NETNS": netns, "CNI_IFNAME": ifname}
    _run_list(node, cached["config"], "CHECK", env, cached.get("runtimeConfig", {}), cached["result"])


def status(node: Node) -> None:
    conflist = load_conflist(node)
    for plugin in conflist["plugins"]:
        _exec(node, plugin, "STATUS", _plugin_conf(conflist, plugin, {}, None), {})


def gc(node: Node, valid: list[tuple[str, str]]) -> None:
    """Release what belongs to attachments not in `valid` ((container ID, ifname) pairs)."""
    conflist = load_conflist(node)
    attachments = [{"containerID": c, "ifname": i} for c, i in valid]
    for plugin in conflist["plugins"]:
        conf = {**_plugin_conf(conflist, plugin, {}, None), "cni.dev/valid-attachments": attachments}
        _exec(node, plugin, "GC", conf, {})
