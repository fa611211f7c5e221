"""Authorization: what RBAC costs a request with 1,000 RoleBindings in the store, beside the same decisions with
none, and ConfigMap creates per minute through the whole API server by a service account that RBAC authorizes,
beside the admin (system:masters, which skips RBAC) in the same cluster.

The per-decision figures time the API server's own Authorizer in this process, over a store holding the
bootstrap policy and 1,000 RoleBindings (one per namespace, each binding a different service account to the
`edit` ClusterRole). The end-to-end figures start a one-node cluster, create the same 1,000 RoleBindings, and
post 1,000 ConfigMaps over one kept-alive HTTPS connection each way.
"""

import http.client
import json
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kinns import cluster as lifecycle  # noqa: E402
from kinns.apiserver.auth import User  # noqa: E402
from kinns.apiserver.authz import Authorizer, policy  # noqa: E402
from kinns.apiserver.authz.attributes import Attributes  # noqa: E402
from kinns.store import SQLiteStore  # noqa: E402

BINDINGS, DECISIONS, CREATES = 1000, 20000, 1000
RBAC = "/registry/rbac.authorization.k8s.io"


def binding(i: int) -> dict:
    return {"metadata": {"name": f"edit-{i}", "namespace": f"ns-{i}"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"},
            "subjects": [{"kind": "ServiceAccount", "name": f"sa-{i}", "namespace": f"ns-{i}"}]}


def store_with(bindings: int, directory: Path) -> SQLiteStore:
    store = SQLiteStore(directory / f"state-{bindings}.db")
    for role in policy.cluster_roles():
        store.create(f"{RBAC}/clusterroles/{role['metadata']['name']}", role)
    edit = policy.EDIT + policy.VIEW  # what the aggregation controller gives `edit`
    store.update(f"{RBAC}/clusterroles/edit", {**store.get(f"{RBAC}/clusterroles/edit"), "rules": edit})
    for b in policy.cluster_role_bindings():
        store.create(f"{RBAC}/clusterrolebindings/{b['metadata']['name']}", b)
    for i in range(bindings):
        store.create(f"{RBAC}/rolebindings/ns-{i}/edit-{i}", binding(i))
    return store


def timings(authorizer: Authorizer, attrs: Attributes) -> tuple[float, float, bool]:
    samples = []
    for _ in range(DECISIONS):
        t = time.perf_counter_ns()
        allowed, _ = authorizer.decide(attrs)
        samples.append(time.perf_counter_ns() - t)
    samples.sort()
    return samples[len(samples) // 2] / 1000, samples[int(len(samples) * 0.99)] / 1000, allowed


def in_process() -> None:
    sa = User("system:serviceaccount:ns-999:sa-999", ("system:serviceaccounts", "system:serviceaccounts:ns-999",
                                                      "system:authenticated"))
    cases = {"allowed (its RoleBinding)": Attributes(sa, "create", True, "", "v1", "configmaps", "", "ns-999"),
             "denied (another namespace)": Attributes(sa, "create", True, "", "v1", "configmaps", "", "ns-1"),
             "system:masters": Attributes(User("admin", ("system:masters",)), "create", True, "", "v1",
                                          "configmaps", "", "ns-1")}
    with tempfile.TemporaryDirectory() as tmp:
        with_bindings = Authorizer(store_with(BINDINGS, Path(tmp)))
        without = Authorizer(store_with(0, Path(tmp)))
        for label, attrs in cases.items():
            p50, p99, allowed = timings(with_bindings, attrs)
            r50, r99, _ = timings(without, attrs)
            print(f"decision {label:28s} {'yes' if allowed else 'no ':3s}  with {BINDINGS} RoleBindings: p50 "
                  f"{p50:5.1f} µs  p99 {p99:5.1f} µs   (with none: p50 {r50:5.1f} µs  p99 {r99:5.1f} µs)")


def connect(address: str, ca: Path, cert: Path | None = None, key: Path | None = None) -> http.client.HTTPSConnection:
    ctx = ssl.create_default_context(cafile=str(ca))
    if cert is not None:
        ctx.load_cert_chain(str(cert), str(key))
    return http.client.HTTPSConnection(address, 6443, context=ctx)


def post(conn: http.client.HTTPSConnection, path: str, body: dict, token: str = "") -> None:
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    conn.request("POST", path, body=json.dumps(body), headers=headers)
    response = conn.getresponse()
    data = response.read()
    if response.status >= 300:
        raise SystemExit(f"POST {path}: {response.status} {data[:300]!r}")


def creates_per_minute(conn: http.client.HTTPSConnection, namespace: str, prefix: str, token: str = "") -> float:
    started = time.perf_counter()
    for i in range(CREATES):
        post(conn, f"/api/v1/namespaces/{namespace}/configmaps", {"metadata": {"name": f"{prefix}-{i:04d}"},
                                                                  "data": {"k": str(i)}}, token)
    return CREATES / (time.perf_counter() - started) * 60


def end_to_end() -> None:
    cluster = lifecycle.up("kbenchrbac", nodes=1, dns_upstream="controlplane")  # DNS never leaves the machine
    try:
        node = cluster.node("controlplane")
        pki = node.file("/etc/kubernetes/pki")
        admin = connect(node.ip, pki / "ca.crt", pki / "admin.crt", pki / "admin.key")
        for i in range(BINDINGS):
            post(admin, "/api/v1/namespaces", {"metadata": {"name": f"ns-{i}"}})
            post(admin, f"/apis/rbac.authorization.k8s.io/v1/namespaces/ns-{i}/rolebindings", binding(i))
        post(admin, "/api/v1/namespaces/ns-999/serviceaccounts", {"metadata": {"name": "sa-999"}})
        kubeconfig = str(cluster.state_dir / "kubeconfig")
        token = subprocess.run(["kubectl", "--kubeconfig", kubeconfig, "-n", "ns-999", "create", "token", "sa-999"],
                               capture_output=True, text=True, check=True).stdout.strip()
        account = connect(node.ip, pki / "ca.crt")
        rbac = creates_per_minute(account, "ns-999", "sa", token)
        masters = creates_per_minute(admin, "ns-999", "admin")
        print(f"{CREATES} ConfigMap creates by a service account (RBAC, {BINDINGS} RoleBindings): {rbac:8.0f}/min   "
              f"(the admin, system:masters, same cluster: {masters:.0f}/min)")
    finally:
        lifecycle.down(cluster)


if __name__ == "__main__":
    in_process()
    end_to_end()
