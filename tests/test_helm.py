"""Helm 4 from .venv/bin, unmodified, against kinns: a local chart installed with --wait, tested, upgraded, rolled
back and uninstalled. The chart has what charts usually hold: a Deployment, a Service, a ConfigMap, a Secret, a
ServiceAccount with a Role and RoleBinding, hook Jobs (post-install/upgrade, pre-delete) and a test hook pod."""

import json
import subprocess
import textwrap
from pathlib import Path

import pytest
from conftest import kube_cluster, unique

pytestmark = pytest.mark.kernel

TEMPLATES = {
    "configmap.yaml": """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: "{{ .Release.Name }}-settings"}
        data: {greeting: "{{ .Values.greeting }}"}
        """,
    "secret.yaml": """
        apiVersion: v1
        kind: Secret
        metadata: {name: "{{ .Release.Name }}-keys"}
        stringData: {token: "s3cret"}
        """,
    "rbac.yaml": """
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: "{{ .Release.Name }}"}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata: {name: "{{ .Release.Name }}-reader"}
        rules:
        - {apiGroups: [""], resources: [configmaps], verbs: [get, list, watch]}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: "{{ .Release.Name }}-reader"}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: "{{ .Release.Name }}-reader"}
        subjects:
        - {kind: ServiceAccount, name: "{{ .Release.Name }}", namespace: "{{ .Release.Namespace }}"}
        """,
    "deployment.yaml": """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: "{{ .Release.Name }}-web"}
        spec:
          replicas: {{ .Values.replicas }}
          selector: {matchLabels: {app: "{{ .Release.Name }}-web"}}
          template:
            metadata: {labels: {app: "{{ .Release.Name }}-web"}}
            spec:
              serviceAccountName: "{{ .Release.Name }}"
              containers:
              - name: web
                image: kinns/echo
                env:
                - {name: GREETING, valueFrom: {configMapKeyRef: {name: "{{ .Release.Name }}-settings", key: greeting}}}
                readinessProbe: {httpGet: {path: /, port: 8080}, periodSeconds: 1}
        """,
    "service.yaml": """
        apiVersion: v1
        kind: Service
        metadata: {name: "{{ .Release.Name }}-web"}
        spec:
          selector: {app: "{{ .Release.Name }}-web"}
          ports: [{port: 80, targetPort: 8080}]
        """,
    "hooks.yaml": """
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: "{{ .Release.Name }}-migrate"
          annotations: {"helm.sh/hook": "post-install,post-upgrade", "helm.sh/hook-delete-policy": before-hook-creation}
        spec:
          backoffLimit: 0
          template:
            spec:
              restartPolicy: Never
              containers: [{name: migrate, image: busybox, command: [sh, -c, "sleep 1; echo migrated"]}]
        ---
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: "{{ .Release.Name }}-farewell"
          annotations: {"helm.sh/hook": pre-delete, "helm.sh/hook-delete-policy": hook-succeeded}
        spec:
          backoffLimit: 0
          template:
            spec:
              restartPolicy: Never
              containers: [{name: farewell, image: busybox, command: [sh, -c, "echo bye"]}]
        """,
    "tests/test-connection.yaml": """
        apiVersion: v1
        kind: Pod
        metadata:
          name: "{{ .Release.Name }}-test"
          annotations: {"helm.sh/hook": test, "helm.sh/hook-delete-policy": before-hook-creation}
        spec:
          restartPolicy: Never
          containers:
          - name: wget
            image: busybox
            # the Service's endpoints may trail the readiness helm waited for by a moment
            command: [sh, -c, "for i in 1 2 3 4 5; do wget -qO- http://{{ .Release.Name }}-web/ && exit 0; sleep 1; done;
                      exit 1"]
        """,
}


@pytest.fixture(scope="module")
def cluster():
    with kube_cluster(nodes=2) as kubectl:
        yield kubectl


def chart(directory: Path) -> Path:
    root = directory / "web"
    (root / "templates" / "tests").mkdir(parents=True)
    (root / "Chart.yaml").write_text("apiVersion: v2\nname: web\nversion: 0.1.0\nappVersion: '1.0'\n")
    (root / "values.yaml").write_text("replicas: 2\ngreeting: hello\n")
    for name, text in TEMPLATES.items():
        (root / "templates" / name).write_text(textwrap.dedent(text).lstrip())
    return root


def test_install_test_upgrade_rollback_uninstall(cluster, tmp_path):
    root, release, ns = chart(tmp_path), unique("hr"), unique("hn")
    env = {**cluster.env, "HELM_CACHE_HOME": str(tmp_path / "cache"), "HELM_CONFIG_HOME": str(tmp_path / "config"),
           "HELM_DATA_HOME": str(tmp_path / "data")}

    def helm(*args: str) -> subprocess.CompletedProcess:
        proc = subprocess.run(["helm", *args], capture_output=True, text=True, env=env, timeout=180)
        assert proc.returncode == 0, f"helm {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"
        return proc

    helm("install", release, str(root), "-n", ns, "--create-namespace", "--wait", "--timeout=120s")
    # helm waited for its post-install hook Job to complete before it called the release deployed
    migrate = json.loads(cluster("-n", ns, "get", "job", f"{release}-migrate", "-o", "json").stdout)
    held = {c["type"] for c in migrate["status"]["conditions"] if c["status"] == "True"}
    assert "Complete" in held and "Failed" not in held
    assert cluster("-n", ns, "logs", f"job/{release}-migrate").stdout.strip() == "migrated"
    assert "STATUS: deployed" in helm("status", release, "-n", ns).stdout
    deploy = json.loads(cluster("-n", ns, "get", "deployment", f"{release}-web", "-o", "json").stdout)
    assert deploy["status"]["readyReplicas"] == 2
    assert cluster("-n", ns, "auth", "can-i", "list", "configmaps", f"--as=system:serviceaccount:{ns}:{release}",
                   check=False).stdout.strip() == "yes"
    tested = helm("test", release, "-n", ns, "--logs", "--timeout=120s")
    assert "Phase:          Succeeded" in tested.stdout
    helm("upgrade", release, str(root), "-n", ns, "--set", "replicas=3", "--wait", "--timeout=120s")
    assert json.loads(cluster("-n", ns, "get", "deployment", f"{release}-web", "-o", "json").stdout)["spec"][
        "replicas"] == 3
    helm("rollback", release, "1", "-n", ns, "--wait", "--timeout=120s")
    assert json.loads(cluster("-n", ns, "get", "deployment", f"{release}-web", "-o", "json").stdout)["spec"][
        "replicas"] == 2
    history = helm("history", release, "-n", ns).stdout
    assert len(history.strip().splitlines()) == 4  # header and three revisions
    helm("uninstall", release, "-n", ns, "--wait", "--timeout=120s")
    # the pre-delete hook ran to completion and, succeeded, was deleted by helm
    assert cluster("-n", ns, "get", "job", f"{release}-farewell", "--ignore-not-found", "-o", "name").stdout == ""
    assert any(e["reason"] == "Completed" and e["involvedObject"]["name"] == f"{release}-farewell" for e in json.loads(
        cluster("-n", ns, "get", "events", "-o", "json").stdout)["items"])
    left = cluster("-n", ns, "get", "deployments,services,configmaps,secrets,roles,rolebindings,serviceaccounts",
                   "-o", "name").stdout.split()
    assert [x for x in left if release in x] == []
    cluster("delete", "namespace", ns, "--wait=false")
