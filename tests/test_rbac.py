"""RBAC with the real kubectl: identities (service-account tokens, client certificates, kubelets) against verbs,
resources and namespaces, asked with `auth can-i` and tried with real requests; escalation, impersonation,
aggregation and the Node authorizer's limits; certificates signed through CertificateSigningRequests. One cluster for
all."""

import base64
import json
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from conftest import kube_cluster, unique, wait
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kinns.apiserver.certs import client_certificate

pytestmark = pytest.mark.kernel


@pytest.fixture(scope="module")
def cluster():
    with kube_cluster(nodes=2) as kubectl:
        yield kubectl


def _kubeconfig(cluster, directory: Path, name: str, user: dict) -> Path:
    """A kubeconfig for `user` (token or certificate files) against the cluster's API server."""
    admin = yaml.safe_load(Path(cluster.state / "kubeconfig").read_text())
    server = admin["clusters"][0]["cluster"]
    config = {"apiVersion": "v1", "kind": "Config", "current-context": name,
              "clusters": [{"name": name, "cluster": server}], "users": [{"name": name, "user": user}],
              "contexts": [{"name": name, "context": {"cluster": name, "user": name}}]}
    path = directory / f"{name}.kubeconfig"
    path.write_text(yaml.safe_dump(config))
    return path


def _as(path: Path):
    def run(*args: str, input: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(["kubectl", "--kubeconfig", str(path), *args], input=input, capture_output=True,
                              text=True, timeout=60)
    return run


def token_user(cluster, tmp: Path, namespace: str, account: str):
    token = cluster("create", "token", account, "-n", namespace).stdout.strip()
    return _as(_kubeconfig(cluster, tmp, f"{namespace}-{account}", {"token": token}))


def certificate_user(cluster, tmp: Path, name: str, group: str):
    pki = cluster.state / "nodes/controlplane/upper/etc/kubernetes/pki"
    client_certificate(pki, tmp / name, name, group)
    return _as(_kubeconfig(cluster, tmp, name, {"client-certificate": str(tmp / f"{name}.crt"),
                                                "client-key": str(tmp / f"{name}.key")}))


@pytest.fixture(scope="module")
def people(cluster, tmp_path_factory):
    """A namespace with a viewer, an editor and an admin service account, and `carol` (a certificate, group
    dev-team) who may view everything."""
    tmp = tmp_path_factory.mktemp("rbac")
    ns = unique("rb")
    cluster("create", "namespace", ns)
    for account, role in (("reader", "view"), ("editor", "edit"), ("ops", "admin")):
        cluster("-n", ns, "create", "serviceaccount", account)
        cluster("-n", ns, "create", "rolebinding", account, f"--clusterrole={role}", f"--serviceaccount={ns}:{account}")
    cluster("create", "clusterrolebinding", f"{ns}-dev-team", "--clusterrole=view", "--group=dev-team")
    cluster("-n", ns, "create", "secret", "generic", "keys", "--from-literal=k=v")
    users = {account: token_user(cluster, tmp, ns, account) for account in ("reader", "editor", "ops", "default")}
    users["carol"] = certificate_user(cluster, tmp, "carol", "dev-team")
    yield ns, users
    cluster("delete", "clusterrolebinding", f"{ns}-dev-team")
    cluster("delete", "namespace", ns, "--wait=false")


# (identity, verb, resource, namespace or "" for the cluster scope, allowed)
TABLE = [
    ("reader", "list", "pods", "NS", True), ("reader", "get", "configmaps", "NS", True),
    ("reader", "list", "pods", "default", False), ("reader", "get", "secrets", "NS", False),
    ("reader", "create", "configmaps", "NS", False), ("reader", "list", "nodes", "", False),
    ("editor", "create", "configmaps", "NS", True), ("editor", "get", "secrets", "NS", True),
    ("editor", "create", "rolebindings", "NS", False), ("editor", "delete", "nodes", "", False),
    ("editor", "create", "pods", "kube-system", False),
    ("ops", "create", "rolebindings", "NS", True), ("ops", "list", "secrets", "kube-system", False),
    ("default", "list", "pods", "NS", False), ("default", "list", "secrets", "kube-system", False),
    ("carol", "list", "pods", "kube-system", True), ("carol", "list", "secrets", "NS", False),
    ("carol", "delete", "pods", "NS", False),
]
ACCOUNTS = {"reader", "editor", "ops", "default"}


def test_identities_verbs_resources_and_namespaces(cluster, people):
    ns, users = people
    for who, verb, resource, namespace, allowed in TABLE:
        namespace = ns if namespace == "NS" else namespace
        scope = ["-n", namespace] if namespace else []
        identity = ["--as", f"system:serviceaccount:{ns}:{who}"] if who in ACCOUNTS else \
            ["--as", who, "--as-group", "dev-team"]
        asked = cluster("auth", "can-i", verb, resource, *scope, *identity, check=False)
        assert asked.stdout.strip() == ("yes" if allowed else "no"), (who, verb, resource, namespace)
        self_asked = users[who]("auth", "can-i", verb, resource, *scope)
        assert self_asked.stdout.strip() == ("yes" if allowed else "no"), (who, verb, resource, namespace)
        if verb in ("list", "get"):
            real = users[who](verb if verb == "get" else "get", resource, *scope,
                              *(["keys" if resource == "secrets" else "kube-root-ca.crt"] if verb == "get" else []))
            assert (real.returncode == 0) == allowed, (who, verb, resource, real.stderr)
            if not allowed:
                user = f"system:serviceaccount:{ns}:{who}" if who in ACCOUNTS else who
                where = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
                assert f'is forbidden: User "{user}" cannot {verb} resource "{resource}" in API group "" {where}' \
                    in real.stderr


def test_writes_are_refused_and_change_nothing(cluster, people):
    ns, users = people
    refused = users["reader"]("-n", ns, "create", "configmap", "nope", "--from-literal=a=b")
    assert refused.returncode != 0 and 'configmaps is forbidden: User "system:serviceaccount:' in refused.stderr
    assert cluster("-n", ns, "get", "configmap", "nope", check=False).returncode != 0
    denied = users["editor"]("delete", "node", "node01")
    assert f'nodes "node01" is forbidden: User "system:serviceaccount:{ns}:editor" cannot delete resource "nodes" ' \
           'in API group "" at the cluster scope' in denied.stderr
    assert cluster("get", "node", "node01").returncode == 0
    assert users["editor"]("-n", ns, "create", "configmap", "made", "--from-literal=a=b").returncode == 0


def test_whoami_and_can_i_list(cluster, people):
    ns, users = people
    who = users["carol"]("auth", "whoami", "-o", "json")
    info = json.loads(who.stdout)["status"]["userInfo"]
    assert info["username"] == "carol" and "dev-team" in info["groups"]
    listed = users["reader"]("auth", "can-i", "--list", "-n", ns).stdout
    assert "selfsubjectaccessreviews.authorization.k8s.io" in listed
    assert any(line.split()[:1] == ["pods"] and "[get list watch]" in line for line in listed.splitlines())
    assert not any(line.split()[:1] == ["secrets"] for line in listed.splitlines())


def test_escalation_is_refused_unless_the_author_may_bind(cluster, people):
    ns, users = people
    ops = users["ops"]
    assert ops("-n", ns, "create", "rolebinding", "viewers", "--clusterrole=view", "--group=viewers").returncode == 0
    refused = ops("-n", ns, "create", "rolebinding", "root", "--clusterrole=cluster-admin", "--group=viewers")
    assert f'rolebindings.rbac.authorization.k8s.io "root" is forbidden: user "system:serviceaccount:{ns}:ops" ' \
           "(groups=" in refused.stderr
    assert "is attempting to grant RBAC permissions not currently held:" in refused.stderr
    assert cluster("-n", ns, "get", "rolebinding", "root", check=False).returncode != 0
    role = ops("-n", ns, "create", "role", "nodes", "--verb=get", "--resource=nodes")
    assert 'roles.rbac.authorization.k8s.io "nodes" is forbidden' in role.stderr and \
        '{APIGroups:[""], Resources:["nodes"], Verbs:["get"]}' in role.stderr
    # the bind verb on the role lets ops grant what ops does not hold
    cluster("create", "clusterrole", f"{ns}-bind-admin", "--verb=bind", "--resource=clusterroles",
            "--resource-name=cluster-admin")
    cluster("-n", ns, "create", "rolebinding", "ops-bind", f"--clusterrole={ns}-bind-admin",
            f"--serviceaccount={ns}:ops")
    try:
        assert ops("-n", ns, "create", "rolebinding", "root", "--clusterrole=cluster-admin",
                   "--group=viewers").returncode == 0
    finally:
        cluster("delete", "clusterrole", f"{ns}-bind-admin")


def test_impersonation_needs_the_impersonate_verb(cluster, people):
    ns, users = people
    carol = users["carol"]
    refused = carol("--as", "bob", "get", "pods", "-n", ns)
    assert 'users "bob" is forbidden: User "carol" cannot impersonate resource "users" in API group "" at the ' \
           "cluster scope" in refused.stderr
    cluster("create", "clusterrole", f"{ns}-as-bob", "--verb=impersonate", "--resource=users", "--resource-name=bob")
    cluster("create", "clusterrolebinding", f"{ns}-as-bob", f"--clusterrole={ns}-as-bob", "--user=carol")
    try:
        who = json.loads(carol("--as", "bob", "auth", "whoami", "-o", "json").stdout)["status"]["userInfo"]
        assert who["username"] == "bob" and who["groups"] == ["system:authenticated"]
        assert "cannot list resource" in carol("--as", "bob", "get", "pods", "-n", ns).stderr
        group = carol("--as", "bob", "--as-group", "system:masters", "get", "pods")
        assert 'groups "system:masters" is forbidden: User "carol" cannot impersonate resource "groups"' in group.stderr
    finally:
        cluster("delete", "clusterrolebinding", f"{ns}-as-bob")
        cluster("delete", "clusterrole", f"{ns}-as-bob")


def test_aggregated_roles_gather_labelled_rules(cluster, people):
    ns, users = people
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": f"{ns}-widgets", "labels": {"rbac.authorization.k8s.io/aggregate-to-view": "true"}},
            "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}]}
    cluster("apply", "-f", "-", input=json.dumps(role))
    try:
        def gathered(name: str) -> bool:
            rules = json.loads(cluster("get", "clusterrole", name, "-o", "json").stdout)["rules"]
            return role["rules"][0] in rules
        for name in ("view", "edit", "admin"):  # view is gathered into edit, edit into admin
            wait(lambda: gathered(name), 15)
        assert users["reader"]("-n", ns, "get", "secret", "keys").returncode == 0
    finally:
        cluster("delete", "clusterrole", f"{ns}-widgets")
    wait(lambda: not gathered("view"), 15)
    assert users["reader"]("-n", ns, "get", "secret", "keys").returncode != 0


def test_kubelets_reach_only_their_own_node_s_objects(cluster, people, tmp_path):
    ns, _ = people
    for name in ("used", "unused"):
        cluster("-n", ns, "create", "secret", "generic", name, "--from-literal=k=v")
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "user", "namespace": ns},
           "spec": {"nodeName": "node01", "containers": [{"name": "c", "image": "busybox", "command": ["sleep", "3600"],
                                                          "env": [{"name": "K", "valueFrom": {"secretKeyRef": {
                                                              "name": "used", "key": "k"}}}]}]}}
    cluster("create", "-f", "-", input=json.dumps(pod))
    node_dir = cluster.state / "nodes/node01/upper/var/lib/kubelet/pki"
    kubelet = _as(_kubeconfig(cluster, tmp_path, "node01", {"client-certificate": str(node_dir / "kubelet-client.crt"),
                                                             "client-key": str(node_dir / "kubelet-client.key")}))
    assert kubelet("-n", ns, "get", "secret", "used").returncode == 0
    refused = kubelet("-n", ns, "get", "secret", "unused")
    assert 'User "system:node:node01" cannot get resource "secrets" in API group "" in the namespace ' \
           f'"{ns}": no relationship found between node \'node01\' and this object' in refused.stderr
    assert kubelet("-n", ns, "get", "secrets").returncode != 0
    assert kubelet("label", "node", "node01", f"{ns}=yes").returncode == 0
    other = kubelet("label", "node", "controlplane", f"{ns}=yes")
    assert other.returncode != 0 and "cannot patch resource \"nodes\"" in other.stderr
    cluster("label", "node", "node01", f"{ns}-")
    cluster("-n", ns, "delete", "pod", "user", "--grace-period=0", "--force")


def test_components_hold_only_their_own_rights(cluster):
    for who, verb, resource, allowed in (
            ("system:serviceaccount:kube-system:kube-proxy", "list", "endpointslices.discovery.k8s.io", "yes"),
            ("system:serviceaccount:kube-system:kube-proxy", "list", "secrets", "no"),
            ("system:serviceaccount:kube-system:coredns", "watch", "services", "yes"),
            ("system:serviceaccount:kube-system:coredns", "get", "secrets", "no"),
            ("system:serviceaccount:kube-system:replicaset-controller", "create", "pods", "yes"),
            ("system:serviceaccount:kube-system:replicaset-controller", "delete", "nodes", "no"),
            ("system:kube-scheduler", "create", "pods --subresource=binding", "yes"),
            ("system:kube-scheduler", "get", "secrets", "no")):
        asked = cluster("auth", "can-i", verb, *resource.split(), "-A", "--as", who, check=False)
        assert asked.stdout.strip() == allowed, (who, verb, resource)


def test_rbac_objects_are_validated_and_role_refs_are_fixed(cluster, people):
    ns, _ = people
    bad = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "bad", "namespace": ns},
           "rules": [{"nonResourceURLs": ["/healthz"], "verbs": ["get"]}, {"verbs": [], "resources": ["pods"]}]}
    refused = cluster("create", "-f", "-", input=json.dumps(bad), check=False)
    for cause in ('rules[0].nonResourceURLs: Invalid value: []string{"/healthz"}: namespaced rules cannot apply to '
                  "non-resource URLs", "rules[1].verbs: Required value: verbs must contain at least one value",
                  "rules[1].apiGroups: Required value: resource rules must supply at least one api group"):
        assert cause in refused.stderr
    binding = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
               "metadata": {"name": "fixed", "namespace": ns},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
               "subjects": [{"kind": "Robot", "name": "r2"}]}
    refused = cluster("create", "-f", "-", input=json.dumps(binding), check=False)
    assert 'subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"' \
        in refused.stderr
    binding["subjects"] = [{"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "g"}]
    cluster("create", "-f", "-", input=json.dumps(binding))
    binding["roleRef"]["name"] = "edit"
    changed = cluster("apply", "-f", "-", input=json.dumps(binding), check=False)
    assert 'roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", ' \
           'Name:"view"}: cannot change roleRef' in changed.stderr
    assert json.loads(cluster("-n", ns, "get", "rolebinding", "fixed", "-o", "json").stdout)["roleRef"]["name"] == \
        "view"


def test_subject_access_review_answers_for_another_user(cluster, people):
    ns, _ = people
    review = {"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
              "spec": {"user": f"system:serviceaccount:{ns}:reader", "groups": ["system:authenticated"],
                       "resourceAttributes": {"namespace": ns, "verb": "list", "resource": "pods"}}}
    answer = json.loads(cluster("create", "-f", "-", "-o", "json", input=json.dumps(review)).stdout)
    assert answer["status"]["allowed"] is True
    review["spec"] = {"resourceAttributes": {"verb": "list", "resource": "pods"}}
    refused = cluster("create", "-f", "-", input=json.dumps(review), check=False)
    assert 'spec.user: Invalid value: "": at least one of user or group must be specified' in refused.stderr


def test_a_binding_authorizes_the_very_next_request(cluster, people, tmp_path):
    ns, _ = people
    cluster("-n", ns, "create", "serviceaccount", "late")
    late = token_user(cluster, tmp_path, ns, "late")
    assert late("-n", ns, "get", "pods").returncode != 0
    started = time.monotonic()
    cluster("-n", ns, "create", "rolebinding", "late", "--clusterrole=view", f"--serviceaccount={ns}:late")
    assert late("-n", ns, "get", "pods").returncode == 0 and time.monotonic() - started < 5


def _signing_request(name: str, subject: list[tuple], signer: str, usages: list[str], tmp: Path,
                     names: list[str] = ()) -> str:
    """A CertificateSigningRequest for a new key (written to tmp/<name>.key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    (tmp / f"{name}.key").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                        serialization.PrivateFormat.PKCS8,
                                                        serialization.NoEncryption()))
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(oid, value) for oid, value in subject]))
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), False)
    pem = builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)
    return json.dumps({"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
                       "metadata": {"name": name}, "spec": {"request": base64.b64encode(pem).decode(),
                                                            "signerName": signer, "expirationSeconds": 3600,
                                                            "usages": usages}})


def test_a_signing_request_approved_is_issued_and_authenticates(cluster, people, tmp_path):
    ns, users = people
    name = unique("csr")
    subject = [(NameOID.COMMON_NAME, name), (NameOID.ORGANIZATION_NAME, "dev-team")]
    cluster("create", "-f", "-", input=_signing_request(name, subject, "kubernetes.io/kube-apiserver-client",
                                                        ["client auth"], tmp_path))
    row = cluster("get", "csr", name).stdout.split("\n")[1].split()
    assert row[2:] == ["kubernetes.io/kube-apiserver-client", "kubernetes-admin", "60m", "Pending"]
    # an editor may not approve (no `approve` on the signer)
    editor = users["editor"]("certificate", "approve", name)
    assert editor.returncode == 1 and "forbidden" in editor.stderr
    cluster("certificate", "approve", name)
    wait(lambda: cluster("get", "csr", name, "-o", "jsonpath={.status.certificate}").stdout != "")
    assert cluster("get", "csr", name).stdout.split("\n")[1].split()[-1] == "Approved,Issued"
    pem = base64.b64decode(cluster("get", "csr", name, "-o", "jsonpath={.status.certificate}").stdout)
    (tmp_path / f"{name}.crt").write_bytes(pem)
    issued = x509.load_pem_x509_certificate(pem)
    assert 3500 < (issued.not_valid_after_utc - issued.not_valid_before_utc).total_seconds() <= 3600 + 300
    holder = _as(_kubeconfig(cluster, tmp_path, name, {"client-certificate": str(tmp_path / f"{name}.crt"),
                                                      "client-key": str(tmp_path / f"{name}.key")}))
    whoami = holder("auth", "whoami").stdout
    assert name in whoami and "dev-team" in whoami
    assert holder("-n", ns, "get", "pods").returncode == 0  # dev-team may view everything
    assert holder("-n", ns, "delete", "secret", "keys").returncode == 1
    cluster("delete", "csr", name)


def test_signers_refuse_what_they_may_not_sign_and_bad_requests_are_invalid(cluster, tmp_path):
    name = unique("csr")
    cluster("create", "-f", "-", input=_signing_request(
        name, [(NameOID.COMMON_NAME, "someone"), (NameOID.ORGANIZATION_NAME, "x")],
        "kubernetes.io/kubelet-serving", ["server auth", "digital signature"], tmp_path, ["node01"]))
    cluster("certificate", "approve", name)
    wait(lambda: "Failed" in cluster("get", "csr", name).stdout)
    failed = json.loads(cluster("get", "csr", name, "-o", "json").stdout)["status"]
    assert [(c["type"], c["reason"], c.get("message")) for c in failed["conditions"]][-1] == \
        ("Failed", "SignerValidationFailure", "subject organization is not system:nodes")
    assert "certificate" not in failed
    denied = unique("csr")
    cluster("create", "-f", "-", input=_signing_request(denied, [(NameOID.COMMON_NAME, "x")],
                                                        "kubernetes.io/kube-apiserver-client", ["client auth"],
                                                        tmp_path))
    cluster("certificate", "deny", denied)
    assert cluster("get", "csr", denied).stdout.split("\n")[1].split()[-1] == "Denied"
    both = json.loads(cluster("get", "csr", denied, "-o", "json").stdout)  # kubectl itself would not send this
    both["status"]["conditions"].append({"type": "Approved", "status": "True", "reason": "Sneaky"})
    again = cluster("replace", "--raw", f"/apis/certificates.k8s.io/v1/certificatesigningrequests/{denied}/approval",
                    "-f", "-", input=json.dumps(both), check=False)
    assert 'status.conditions[1].type: Invalid value: "Approved": Approved and Denied conditions are mutually ' \
        "exclusive" in again.stderr
    bad = json.loads(_signing_request(unique("csr"), [(NameOID.COMMON_NAME, "x")], "nodomain", ["flying"], tmp_path))
    bad["spec"]["request"] = base64.b64encode(b"not a request").decode()
    bad["spec"]["expirationSeconds"] = 60
    refused = cluster("create", "-f", "-", input=json.dumps(bad), check=False)
    for cause in ("spec.request: Invalid value: []byte{0x6e, 0x6f, 0x74, 0x20, 0x61, 0x20, 0x72, 0x65, 0x71, 0x75, "
                  "0x65, 0x73, 0x74}: PEM block type must be CERTIFICATE REQUEST",
                  "spec.signerName: Invalid value: \"nodomain\": must be a fully qualified domain and path of the "
                  "form 'example.com/signer-name'",
                  'spec.usages[0]: Unsupported value: "flying"',
                  "spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 600 seconds"):
        assert cause in refused.stderr, refused.stderr
    assert bad["metadata"]["name"] not in cluster("get", "csr", "-o", "name").stdout
    cluster("delete", "csr", name, denied)
