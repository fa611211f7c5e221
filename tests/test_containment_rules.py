"""The security settings a container runs with, from its pod's and its own securityContext (pure)."""

import pytest

from kinns.kernel import security as kernel_security
from kinns.node.kubelet.podconfig import ConfigError
from kinns.node.kubelet.security import effective


def settings(pod: dict | None = None, own: dict | None = None) -> dict:
    return effective({"securityContext": pod or {}}, {"name": "c", "securityContext": own or {}})


def test_a_default_container_gets_the_runtime_defaults():
    s = settings()
    assert set(s["capabilities"]) == kernel_security.DEFAULT_CAPABILITIES and len(s["capabilities"]) == 14
    assert (s["seccomp"], s["noNewPrivs"], s["privileged"], s["uid"], s["readOnlyRoot"]) == (
        "RuntimeDefault", True, False, None, False)


def test_privileged_gets_everything_and_no_filter():
    s = settings(own={"privileged": True})
    assert set(s["capabilities"]) == set(kernel_security.CAPABILITIES)
    assert (s["seccomp"], s["noNewPrivs"]) == ("Unconfined", False)


@pytest.mark.parametrize("caps, expected", [
    ({"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}, {"NET_BIND_SERVICE"}),
    ({"add": ["CAP_NET_ADMIN"]}, kernel_security.DEFAULT_CAPABILITIES | {"NET_ADMIN"}),
    ({"drop": ["NET_RAW", "chown"]}, kernel_security.DEFAULT_CAPABILITIES - {"NET_RAW", "CHOWN"}),
])
def test_capabilities_are_added_and_dropped(caps, expected):
    assert set(settings(own={"capabilities": caps})["capabilities"]) == expected


def test_users_groups_and_the_container_s_own_settings_win_over_the_pod_s():
    s = settings({"runAsUser": 1000, "runAsGroup": 2000, "fsGroup": 3000, "supplementalGroups": [4000]},
                 {"runAsUser": 1001, "allowPrivilegeEscalation": True, "readOnlyRootFilesystem": True})
    assert (s["uid"], s["gid"], sorted(s["groups"])) == (1001, 2000, [3000, 4000])
    assert (s["noNewPrivs"], s["readOnlyRoot"]) == (False, True)
    assert settings({"seccompProfile": {"type": "Unconfined"}})["seccomp"] == "Unconfined"
    assert settings({"runAsUser": 5})["gid"] == 0  # no runAsGroup: the root group, as runtimes do
    assert settings({"appArmorProfile": {"type": "Unconfined"}})["seccomp"] == "RuntimeDefault"
    with pytest.raises(ConfigError, match="asked for runtime/default"):
        effective({}, {"name": "c"}, {"container.apparmor.security.beta.kubernetes.io/c": "runtime/default"})


@pytest.mark.parametrize("pod, own, message", [
    ({"runAsNonRoot": True}, {}, "container has runAsNonRoot and image will run as root"),
    ({"runAsNonRoot": True}, {"runAsUser": 0}, "container's runAsUser breaks non-root policy"),
    ({}, {"seccompProfile": {"type": "Localhost", "localhostProfile": "x.json"}}, "Localhost is not supported"),
    ({"appArmorProfile": {"type": "RuntimeDefault"}}, {}, "Cannot enforce AppArmor"),
])
def test_settings_a_container_cannot_run_with_are_a_config_error(pod, own, message):
    with pytest.raises(ConfigError, match=message):
        settings(pod, own)


def test_the_default_seccomp_program_refuses_what_it_must():
    import platform
    import struct

    program = kernel_security._filter()
    ops = [struct.unpack("HBBI", program[i:i + 8]) for i in range(0, len(program), 8)]
    refused = kernel_security._NUMBERS[platform.machine()][3]
    compared = {k for code, _, _, k in ops if code == 0x15}
    assert {refused["mount"], refused["setns"], refused["unshare"], refused["pivot_root"]} <= compared
    assert ops[-1] == (0x06, 0, 0, 0x7FFF0000)  # everything else is allowed
