"""Shared fixtures: unique kernel-object names and a check that nothing leaks.

Every kernel object a test makes starts with PREFIX ("kt"). At the end of the
session `no_leaks` lists netns, host links, iptables rules, nftables tables and
kinns state directories with that prefix, and fails the run if any survive.
"""

import contextlib
import http.client
import json
import os
import secrets
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest

PREFIX = "kt"
ROOT = Path(__file__).resolve().parents[1]
# Test clusters merge their contexts here, never into the user's ~/.kube/config.
os.environ["KINNS_USER_KUBECONFIG"] = f"/tmp/kinns-test-kubeconfig-{os.getpid()}"
# The kubectl and helm the set-up pinned in .venv/bin, not whatever the machine has on its PATH.
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"


def unique(tag: str = "") -> str:
    """A short name no other test uses: 'kt' + tag + 6 hex digits (fits IFNAMSIZ)."""
    return f"{PREFIX}{tag}{secrets.token_hex(3)}"


def kinns(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    if args[:1] == ("up",) and "--dns-upstream" not in args:
        # cluster DNS sends outside names to the controlplane node's own address: never off the machine
        args = (*args, "--dns-upstream", "controlplane")
    proc = subprocess.run([sys.executable, "-m", "kinns.cli.main", *args], capture_output=True, text=True,
                          timeout=120)
    if check and proc.returncode:
        raise AssertionError(f"kinns {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def wait(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.2)


def wait_cni_installed(cluster: str, node: str, timeout: float = 60.0) -> None:
    """Until the kinns-cni DaemonSet pod on `node` has installed the plugins and the node's conflist: after that
    nothing rewrites /etc/cni/net.d behind a test's back."""
    pods = Path(f"/run/kinns/{cluster}/pods")

    def installed() -> bool:
        for pod_dir in pods.glob("kube-system_kinns-cni-*"):
            try:
                record = json.loads((pod_dir / "pod.json").read_text())
                if record["node"] == node and "installed " in (pod_dir / "install-cni.log").read_text():
                    return True
            except (OSError, ValueError, KeyError):
                continue
        return False

    wait(installed, timeout)


@contextlib.contextmanager
def kube_cluster(*up_args: str, nodes: int = 3):
    """A cluster of its own with all nodes Ready (registered, for a --bare one); yields `kubectl(*args)` bound to
    it (its `.name` is the cluster, its `.state` the state directory)."""
    name = unique()
    kinns("up", "--name", name, "--nodes", str(nodes), *up_args)
    env = {**os.environ, "KUBECONFIG": f"/run/kinns/{name}/kubeconfig"}

    def kubectl(*args: str, input: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run(["kubectl", *args], input=input, capture_output=True, text=True, env=env, timeout=90)
        if check and proc.returncode:
            raise AssertionError(f"kubectl {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}")
        return proc

    @contextlib.contextmanager
    def background(*args: str):
        """`kubectl ARGS` running while the block runs (its output, errors included, on .stdout); ended after."""
        proc = subprocess.Popen(["kubectl", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True)
        try:
            yield proc
        finally:
            proc.terminate()
            proc.wait()

    def rolled_out(namespace: str = "default", timeout: str = "90s") -> None:
        """Until every Deployment of `namespace` has its pods (made by the controllers after an apply returns)
        updated and available, then until every pod there is Ready."""
        names = kubectl("-n", namespace, "get", "deployments", "-o", "jsonpath={.items[*].metadata.name}").stdout
        for deployment in names.split():
            kubectl("-n", namespace, "rollout", "status", f"deployment/{deployment}", f"--timeout={timeout}")

        def ready() -> bool:  # the pods that stay (those of a scale-down go, Ready until then)
            pods = json.loads(kubectl("-n", namespace, "get", "pods", "-o", "json").stdout)["items"]
            return all(any(c["type"] == "Ready" and c["status"] == "True" for c in p["status"].get("conditions", []))
                       for p in pods if not p["metadata"].get("deletionTimestamp"))

        wait(ready, float(timeout.rstrip("s")))

    kubectl.name, kubectl.state, kubectl.background = name, Path(f"/run/kinns/{name}"), background
    kubectl.env = env
    kubectl.rolled_out = rolled_out
    try:
        if "--bare" not in up_args:
            wait(lambda: kubectl("get", "nodes", "-o", "jsonpath={.items[*].status.conditions[-1].status}").stdout
                 .split() == ["True"] * nodes)
            # a node is Ready before its DaemonSet pods run (kube-proxy among them), on any cluster
            daemonsets = kubectl("-n", "kube-system", "get", "ds", "-o", "jsonpath={.items[*].metadata.name}")
            for ds in daemonsets.stdout.split():
                kubectl("-n", "kube-system", "rollout", "status", f"ds/{ds}", "--timeout=60s")
        yield kubectl
    finally:
        kinns("down", "--name", name)


def api_request(cluster, method: str, path: str, body: bytes | None = None, content_type: str = "application/json",
                timeout: float = 30) -> tuple[int, dict, float]:
    """One request to `cluster` (a kube_cluster's kubectl) with the admin certificate, as curl would send it:
    (status, the JSON answer, seconds)."""
    pki = cluster.state / "nodes/controlplane/upper/etc/kubernetes/pki"
    ctx = ssl.create_default_context(cafile=str(pki / "ca.crt"))
    ctx.load_cert_chain(str(pki / "admin.crt"), str(pki / "admin.key"))
    address = json.loads((cluster.state / "cluster.json").read_text())["nodes"][0]["ip"]
    conn = http.client.HTTPSConnection(address, 6443, context=ctx, timeout=timeout)
    started = time.monotonic()
    try:
        conn.request(method, path, body=body, headers={"Content-Type": content_type})
        response = conn.getresponse()
        return response.status, json.loads(response.read()), time.monotonic() - started
    finally:
        conn.close()


def certificate(directory: Path, host: str) -> tuple[str, str]:
    """A self-signed certificate for `host` and its key, as files (tls.crt, tls.key) in `directory`."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .sign(key, hashes.SHA256()))
    crt, pem = directory / "tls.crt", directory / "tls.key"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    return str(crt), str(pem)


def leftovers() -> list[str]:
    found = []
    netns = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    found += [f"netns {line.split()[0]}" for line in netns.splitlines() if line.startswith(PREFIX)]
    links = subprocess.run(["ip", "-br", "link"], capture_output=True, text=True).stdout
    found += [f"link {line.split()[0]}" for line in links.splitlines() if line.startswith(PREFIX)]
    for tool in ("iptables-save", "ip6tables-save"):
        rules = subprocess.run([tool], capture_output=True, text=True).stdout
        found += [f"{tool}: {line}" for line in rules.splitlines() if f'"{PREFIX}' in line]
    tables = subprocess.run(["nft", "list", "tables"], capture_output=True, text=True).stdout
    found += [f"nft {line}" for line in tables.splitlines() if f" {PREFIX}" in line or f"-{PREFIX}" in line]
    mounts = Path("/proc/self/mountinfo").read_text().splitlines()
    found += [f"mount {line.split()[4]}" for line in mounts if f"/run/kinns/{PREFIX}" in line.split()[4]]
    for hierarchy in ("/sys/fs/cgroup", "/sys/fs/cgroup/unified"):
        if Path(hierarchy, "cgroup.procs").exists() and not Path(hierarchy, "cgroup.procs").is_dir():
            found += [f"cgroup {p}" for p in Path(hierarchy).glob(f"kinns-{PREFIX}*")]
    state = Path("/run/kinns")
    if state.is_dir():
        found += [f"state {p}" for p in state.iterdir() if p.name.startswith(PREFIX)]
    return found


@pytest.fixture(scope="session", autouse=True)
def no_leaks():
    before = set(leftovers())
    yield
    leaked = [item for item in leftovers() if item not in before]
    if leaked:
        pytest.fail("kernel objects left behind by the tests:\n  " + "\n  ".join(leaked), pytrace=False)


@pytest.fixture
def netns():
    """Factory: make a network namespace with a unique name; all are removed afterwards."""
    made: list[str] = []

    def make(tag: str = "") -> str:
        name = unique(tag)
        subprocess.run(["ip", "netns", "add", name], check=True)
        made.append(name)
        return name

    yield make
    for name in reversed(made):
        subprocess.run(["ip", "netns", "del", name], check=False)


@pytest.fixture(scope="session")
def kinns_cni_bin(tmp_path_factory) -> Path:
    """kinns's plugins installed under their own names and under the reference names."""
    from kinns.cni.install import install

    directory = tmp_path_factory.mktemp("cni-bin")
    install(directory)
    install(directory / "std", {"bridge": "bridge", "host-local": "host_local", "loopback": "loopback",
                                "portmap": "portmap"})
    return directory


class Plugin:
    """Runs CNI plugins the way a runtime on a node does: inside the node's netns."""

    def __init__(self, node: str, path: str) -> None:
        self.node, self.path = node, path

    def __call__(self, plugin: str, command: str, conf: dict | bytes | None, *, container_id: str = "",
                 netns: str = "", ifname: str = "eth0", env: dict | None = None) -> tuple[int, dict]:
        environ = {"PATH": os.environ["PATH"], "CNI_COMMAND": command, "CNI_PATH": self.path}
        if container_id:
            environ["CNI_CONTAINERID"] = container_id
        if netns:
            environ["CNI_NETNS"] = netns
        if ifname:
            environ["CNI_IFNAME"] = ifname
        environ.update(env or {})
        data = conf if isinstance(conf, bytes) else json.dumps(conf or {}).encode()
        binary = plugin if plugin.startswith("/") else next(
            f"{d}/{plugin}" for d in self.path.split(":") if os.path.exists(f"{d}/{plugin}"))
        proc = subprocess.run(["ip", "netns", "exec", self.node, binary], input=data, env=environ,
                              capture_output=True, timeout=30)
        out = proc.stdout.decode().strip()
        return proc.returncode, json.loads(out) if out else {}
