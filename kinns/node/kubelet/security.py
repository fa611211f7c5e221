"""A container's security settings, as the kubelet passes them to the runtime: the pod's and the container's
securityContext merged, then applied to the container's first process (and to every exec into it).

By default a container gets the OCI runtimes' default capabilities, the
default seccomp profile (RuntimeDefault) and no_new_privs; privileged ones
get every capability and neither filter. `effective` is pure; `apply` acts
on the calling process and is the last thing it does before exec.
"""

from ...kernel import security
from .podconfig import ConfigError

DEFAULTS = {"privileged": False, "capabilities": sorted(security.DEFAULT_CAPABILITIES), "uid": None, "gid": None,
            "groups": [], "noNewPrivs": True, "seccomp": "RuntimeDefault", "readOnlyRoot": False}


APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"


def effective(pod_spec: dict, container: dict, annotations: dict | None = None) -> dict:
    """The settings the container runs with; ConfigError (CreateContainerConfigError) for one that cannot run
    (runAsNonRoot without a non-root user, as the kubelet refuses it; an AppArmor profile, which kinns cannot
    enforce, refused as the kubelet refuses one on a node without AppArmor rather than run it unconfined)."""
    pod = pod_spec.get("securityContext") or {}
    own = container.get("securityContext") or {}

    def pick(name: str) -> object:
        return own[name] if own.get(name) is not None else pod.get(name)

    privileged = bool(own.get("privileged"))
    caps = own.get("capabilities") or {}
    uid, gid = pick("runAsUser"), pick("runAsGroup")
    if pick("runAsNonRoot") and (uid is None or uid == 0):
        raise ConfigError("container has runAsNonRoot and image will run as root" if uid is None else
                          "container's runAsUser breaks non-root policy")
    groups = list(pod.get("supplementalGroups") or []) + ([pod["fsGroup"]] if pod.get("fsGroup") is not None else [])
    seccomp = (pick("seccompProfile") or {}).get("type") or "RuntimeDefault"
    if seccomp == "Localhost":
        raise ConfigError("seccomp profile type Localhost is not supported on kinns; use RuntimeDefault or "
                          "Unconfined")
    apparmor = (pick("appArmorProfile") or {}).get("type") or (annotations or {}).get(
        APPARMOR_ANNOTATION + str(container.get("name")), "unconfined")
    if apparmor.lower() != "unconfined":
        raise ConfigError(f"Cannot enforce AppArmor: kinns does not load AppArmor profiles (asked for {apparmor})")
    escalation = own.get("allowPrivilegeEscalation")
    return {"privileged": privileged,
            "capabilities": sorted(security.capability_set(caps.get("add"), caps.get("drop"), privileged)),
            "uid": uid, "gid": gid if gid is not None else (0 if uid is not None else None), "groups": groups,
            "noNewPrivs": not privileged and escalation is not True,
            "seccomp": "Unconfined" if privileged else seccomp,
            "readOnlyRoot": bool(own.get("readOnlyRootFilesystem"))}


def apply(settings: dict) -> None:
    """Contain the calling process as `settings` say; it keeps only what they give it."""
    caps = set(settings["capabilities"])
    if not settings["privileged"]:
        security.limit_bounding_set(caps)
    if settings["seccomp"] == "RuntimeDefault":
        security.seccomp_default()
    if settings["noNewPrivs"]:
        security.no_new_privileges()
    root = settings["uid"] in (None, 0)
    ambient = set(settings.get("ambient") or []) & caps  # the image's file capabilities the container may hold
    if not root:
        security.own_stdio(settings["uid"], settings["gid"] or 0)
        if ambient:
            security.keep_capabilities()
    security.set_identity(settings["uid"], settings["gid"], settings["groups"])
    if root:
        security.set_capabilities(caps)
    elif ambient:
        security.raise_ambient(ambient)
