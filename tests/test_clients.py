"""Client libraries from PyPI, unmodified, in .venv-clients: the official kubernetes client, lightkube and kr8s
drive kinns as they drive a kubeadm cluster (the scripts are in tests/clients/)."""

import json
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, kube_cluster, unique

pytestmark = pytest.mark.kernel
PYTHON = ROOT / ".venv-clients" / "bin" / "python"
SCRIPTS = Path(__file__).with_name("clients")


@pytest.fixture(scope="module")
def cluster():
    with kube_cluster(nodes=2) as kubectl:
        ns = unique("cl")
        kubectl("create", "namespace", ns)
        kubectl("-n", ns, "run", "shell", "--image=busybox", "--", "sleep", "3600")
        kubectl("-n", ns, "run", "web", "--image=kinns/echo")
        kubectl("-n", ns, "wait", "--for=condition=Ready", "pod/shell", "pod/web", "--timeout=60s")
        kubectl.namespace = ns
        yield kubectl


def run(cluster, script: str, *args: str) -> dict:
    proc = subprocess.run([str(PYTHON), str(SCRIPTS / script), *args], capture_output=True, text=True, timeout=120,
                          env={**cluster.env, "PYTHONPATH": ""})
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


def test_the_official_client(cluster):
    seen = run(cluster, "official.py", cluster.namespace, "shell", "web")
    assert seen["pods"] == ["shell", "web"] and seen["patched"] == "2" and seen["deleted"]
    assert ["ADDED", "py"] in seen["watched"] and seen["watched"][-1] == ["ADDED", "py2"]
    assert seen["after_list"] == ["ADDED", "py3"]  # a watch from the list's resourceVersion: only what came after
    assert seen["exec"] == "got hello"
    assert seen["portforward"] == "HTTP/1.1 200 OK"


def test_lightkube(cluster):
    seen = run(cluster, "lightkube_client.py", cluster.namespace)
    assert seen == {"patched": "2", "pods": ["shell", "web"], "watched": ["ADDED", "lk"], "deleted": True}


def test_kr8s(cluster):
    seen = run(cluster, "kr8s_client.py", cluster.namespace)
    assert seen["version"].startswith("v1.37.") and seen["pods"] == ["shell", "web"]
    assert seen["patched"] == "2" and seen["deleted"]
