"""The CNI execution protocol, shared by every kinns plugin.

A plugin module defines `add`, `delete`, `check`, `status` and `gc` taking an
`Args`, and calls `run(module)`. This module reads the environment and stdin as
the CNI specification (1.1) says, refuses what it must refuse with the
specification's error JSON, converts results to the configuration's version,
and executes delegated (IPAM) plugins.
"""

import os
import sys

from . import codec

SUPPORTED = ("0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0")
LATEST = SUPPORTED[-1]

# Well-known error codes of the specification.
ERR_INCOMPATIBLE_VERSION = 1
ERR_UNSUPPORTED_FIELD = 2
ERR_UNKNOWN_CONTAINER = 3
ERR_INVALID_ENV = 4
ERR_IO = 5
ERR_DECODE = 6
ERR_INVALID_CONFIG = 7
ERR_TRY_AGAIN = 11
ERR_NOT_AVAILABLE = 50
ERR_LIMITED_CONNECTIVITY = 51
ERR_INTERNAL = 999  # what the reference plugins report for failures without a code

_REQUIRED_ENV = {
    "ADD": ("CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_PATH"),
    "CHECK": ("CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_PATH"),
    "DEL": ("CNI_CONTAINERID", "CNI_IFNAME", "CNI_PATH"),
    "GC": ("CNI_PATH",),
    "STATUS": ("CNI_PATH",),
    "VERSION": (),
}
# The first specification version that defines each command.
_SINCE = {"CHECK": "0.4.0", "GC": "1.1.0", "STATUS": "1.1.0"}


class CNIError(Exception):
    """A failure reported to the runtime as the specification's error JSON."""

    def __init__(self, code: int, msg: str, details: str = "") -> None:
        super().__init__(msg)
        self.code, self.msg, self.details = code, msg, details

    def to_json(self, version: str) -> dict:
        out = {"cniVersion": version, "code": self.code, "msg": self.msg}
        if self.details:
            out["details"] = self.details
        return out


def version_tuple(version: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in version.split("."))
    except (ValueError, AttributeError):
        raise CNIError(ERR_INCOMPATIBLE_VERSION, f"invalid cniVersion {version!r}") from None


class Args:
    """One invocation: the CNI_* environment plus the parsed configuration."""

    def __init__(self, command: str, env: dict, conf: dict, raw: bytes) -> None:
        self.command = command
        self.container_id: str = env.get("CNI_CONTAINERID", "")
        self.netns: str = env.get("CNI_NETNS", "")
        self.ifname: str = env.get("CNI_IFNAME", "")
        self.path: list[str] = [p for p in env.get("CNI_PATH", "").split(":") if p]
        self.cni_args: dict[str, str] = parse_cni_args(env.get("CNI_ARGS", ""))
        self.conf = conf
        self.raw = raw
        self.version: str = conf.get("cniVersion", "")
        self.name: str = conf.get("name", "")

    @property
    def runtime_config(self) -> dict:
        value = self.conf.get("runtimeConfig") or {}
        if not isinstance(value, dict):
            raise CNIError(ERR_INVALID_CONFIG, "runtimeConfig must be an object")
        return value


def parse_cni_args(text: str) -> dict[str, str]:
    out = {}
    for item in filter(None, text.split(";")):
        key, sep, value = item.partition("=")
        if not sep:
            raise CNIError(ERR_INVALID_ENV, f"CNI_ARGS: invalid pair {item!r}")
        out[key] = value
    return out


def _check_identifiers(command: str, env: dict, conf: dict) -> None:
    """The naming rules the specification sets for IDs, interfaces and networks."""
    cid = env.get("CNI_CONTAINERID", "")
    if command in ("ADD", "DEL", "CHECK"):
        if not cid[:1].isalnum() or not all(c.isalnum() or c in "_.-" for c in cid):
            raise CNIError(ERR_INVALID_ENV, f"invalid characters in container id {cid!r}")
        ifname = env.get("CNI_IFNAME", "")
        if len(ifname) > 15 or ifname in (".", "..") or any(c in "/:" or c.isspace() for c in ifname):
            raise CNIError(ERR_INVALID_ENV, f"invalid interface name {ifname!r}")
    name = conf.get("name")
    if command != "VERSION":
        if not isinstance(name, str) or not name[:1].isalnum() or not all(
                c.isalnum() or c in "_.-" for c in name):
            raise CNIError(ERR_INVALID_CONFIG, f"invalid network name {name!r}")


def parse(command: str, env: dict, raw: bytes) -> Args:
    """Validate an invocation before the plugin touches anything."""
    if command not in _REQUIRED_ENV:
        raise CNIError(ERR_INVALID_ENV, f"unknown CNI_COMMAND {command!r}")
    missing = [k for k in _REQUIRED_ENV[command] if not env.get(k)]
    if missing:
        raise CNIError(ERR_INVALID_ENV, "required environment variables missing: " + ", ".join(missing))
    try:
        conf = codec.loads(raw) if raw.strip() else {}
    except (ValueError, UnicodeDecodeError) as err:
        raise CNIError(ERR_DECODE, "failed to decode network configuration", str(err)) from None
    if not isinstance(conf, dict):
        raise CNIError(ERR_DECODE, "network configuration must be a JSON object")
    if command != "VERSION":
        version = conf.get("cniVersion") or "0.1.0"
        if version not in SUPPORTED:
            raise CNIError(ERR_INCOMPATIBLE_VERSION, "incompatible CNI versions",
                           f"config is {version!r}, plugin supports {list(SUPPORTED)}")
        since = _SINCE.get(command)
        if since and version_tuple(version) < version_tuple(since):
            raise CNIError(ERR_INCOMPATIBLE_VERSION, f"config version does not allow {command}",
                           f"{command} needs cniVersion {since} or later")
    _check_identifiers(command, env, conf)
    return Args(command, env, conf, raw)


# Results


def normalize_result(result: dict) -> dict:
    """A result of any supported version in the shape of the latest (no 'version' keys)."""
    out = dict(result)
    out["ips"] = [{k: v for k, v in ip.items() if k != "version"} for ip in result.get("ips") or []]
    return out


def convert_result(result: dict, version: str) -> dict:
    """Render a result for the configuration's cniVersion, as the spec requires."""
    out: dict = {"cniVersion": version}
    legacy = version_tuple(version) < (1, 0, 0)
    modern = version_tuple(version) >= (1, 1, 0)
    if result.get("interfaces"):
        keep = ("name", "mac", "sandbox", "mtu", "socketPath", "pciID") if modern else ("name", "mac", "sandbox")
        out["interfaces"] = [{k: v for k, v in i.items() if k in keep} for i in result["interfaces"]]
    ips = []
    for ip in result.get("ips") or []:
        item = {k: v for k, v in ip.items() if k != "version"}
        if legacy:
            item = {"version": "6" if ":" in item["address"] else "4", **item}
        ips.append(item)
    if ips:
        out["ips"] = ips
    if result.get("routes"):
        keep = ("dst", "gw", "mtu", "advmss", "priority", "table", "scope") if modern else ("dst", "gw")
        out["routes"] = [{k: v for k, v in r.items() if k in keep} for r in result["routes"]]
    out["dns"] = result.get("dns") or {}
    return out


def prev_result(args: Args) -> dict | None:
    prev = args.conf.get("prevResult")
    if prev is None:
        return None
    if not isinstance(prev, dict):
        raise CNIError(ERR_INVALID_CONFIG, "prevResult must be an object")
    return normalize_result(prev)


# Delegation


def find_plugin(kind: str, path: list[str]) -> str:
    if not kind or "/" in kind:
        raise CNIError(ERR_INVALID_CONFIG, f"invalid plugin type {kind!r}")
    for directory in path:
        candidate = os.path.join(directory, kind)
        if os.access(candidate, os.X_OK) and os.path.isfile(candidate):
            return candidate
    raise CNIError(ERR_INVALID_CONFIG, f'failed to find plugin "{kind}" in path {path}')


class Delegate:
    """A delegated plugin started now and waited for later, so its start-up (most of its cost)
    overlaps with the caller's own kernel work."""

    def __init__(self, kind: str, command: str, stdin: bytes, path: list[str]) -> None:
        self.kind = kind
        binary = find_plugin(kind, path)
        env = dict(os.environ)
        env["CNI_COMMAND"] = command
        in_r, in_w = os.pipe()
        self.out, out_w = os.pipe()
        try:
            self.pid = os.posix_spawn(binary, [binary], env, file_actions=[
                (os.POSIX_SPAWN_DUP2, in_r, 0), (os.POSIX_SPAWN_DUP2, out_w, 1),
                (os.POSIX_SPAWN_CLOSE, in_w), (os.POSIX_SPAWN_CLOSE, self.out)])
        finally:
            os.close(in_r)
            os.close(out_w)
        try:
            _write_all(in_w, stdin)
        finally:
            os.close(in_w)

    def wait(self) -> dict:
        """The plugin's result (normalised), or its error raised as ours."""
        chunks = []
        while chunk := os.read(self.out, 65536):
            chunks.append(chunk)
        os.close(self.out)
        _, status = os.waitpid(self.pid, 0)
        output = b"".join(chunks)
        if os.waitstatus_to_exitcode(status) != 0:
            try:
                err = codec.loads(output)
                code, msg, details = int(err.get("code", ERR_INTERNAL)), str(err.get("msg", "")), \
                    str(err.get("details", ""))
            except (ValueError, AttributeError, TypeError):
                code, msg, details = ERR_INTERNAL, f"plugin {self.kind} failed", output.decode(errors="replace")
            raise CNIError(code, msg, details)
        if not output.strip():
            return {}
        try:
            result = codec.loads(output)
        except ValueError as err:
            raise CNIError(ERR_DECODE, f"plugin {self.kind} printed an invalid result", str(err)) from None
        return normalize_result(result) if isinstance(result, dict) else {}


def exec_plugin(kind: str, command: str, stdin: bytes, path: list[str]) -> dict:
    """Run a delegated plugin with our environment, CNI_COMMAND swapped; its error is ours."""
    return Delegate(kind, command, stdin, path).wait()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


# Entry point


def run(plugin: object) -> None:
    """Dispatch one invocation; print the result or error JSON and exit as the spec says."""
    env = os.environ
    command = env.get("CNI_COMMAND", "")
    version = LATEST
    try:
        if not command:
            sys.stderr.write(f"{getattr(plugin, 'ABOUT', 'kinns CNI plugin')}\n"
                             f"CNI protocol versions supported: {', '.join(SUPPORTED)}\n")
            return
        raw = sys.stdin.buffer.read() if command != "VERSION" or not sys.stdin.isatty() else b""
        args = parse(command, env, raw)
        version = args.version or LATEST
        if command == "VERSION":
            output: dict | None = {"cniVersion": LATEST, "supportedVersions": list(SUPPORTED)}
        else:
            handler = getattr(plugin, {"ADD": "add", "DEL": "delete", "CHECK": "check", "STATUS": "status",
                                       "GC": "gc"}[command], None)
            if handler is None:
                raise CNIError(ERR_INCOMPATIBLE_VERSION, f"plugin does not support {command}")
            result = handler(args)
            output = convert_result(result, version) if command == "ADD" else None
    except CNIError as err:
        sys.stdout.write(codec.dumps(err.to_json(version if version in SUPPORTED else LATEST)) + "\n")
        sys.stdout.flush()
        raise SystemExit(1) from None
    except OSError as err:
        sys.stdout.write(codec.dumps(CNIError(ERR_IO, str(err)).to_json(version)) + "\n")
        sys.stdout.flush()
        raise SystemExit(1) from None
    if output is not None:
        sys.stdout.write(codec.dumps(output) + "\n")
        sys.stdout.flush()
