"""Dynamic admission: what a ValidatingAdmissionPolicy and a validating webhook cost each create, beside the same
creates with neither, in the same cluster (a control plane and one worker for the webhook pod).

1,000 ConfigMap creates by the admin over one kept-alive HTTPS connection, timed one by one, four times: with no
webhook or policy configured; with a policy of two CEL validations bound to configmaps; with agnhost's webhook
(in a pod, over TLS, at its Service) validating every configmap; and with both.
"""

import base64
import http.client
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rbac import connect  # noqa: E402

from kinns import cluster as lifecycle  # noqa: E402
from kinns.apiserver.certs import create_pki, serving_certificate  # noqa: E402

CREATES = 1000
AGNHOST = "registry.k8s.io/e2e-test-images/agnhost:2.53"
RULES = [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["configmaps"]}]
SELECT = {"matchLabels": {"kubernetes.io/metadata.name": "bench"}}


def timed_creates(conn: http.client.HTTPSConnection, prefix: str) -> tuple[float, float, float]:
    """(creates per minute, p50 ms, p99 ms)."""
    samples = []
    started = time.perf_counter()
    for i in range(CREATES):
        body = json.dumps({"metadata": {"name": f"{prefix}-{i:04d}"}, "data": {"k": str(i)}})
        t = time.perf_counter()
        conn.request("POST", "/api/v1/namespaces/bench/configmaps", body=body,
                     headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        data = response.read()
        samples.append(time.perf_counter() - t)
        if response.status >= 300:
            raise SystemExit(f"create {prefix}-{i}: {response.status} {data[:300]!r}")
    rate = CREATES / (time.perf_counter() - started) * 60
    samples.sort()
    return rate, samples[len(samples) // 2] * 1000, samples[int(len(samples) * 0.99)] * 1000


def main() -> None:
    cluster = lifecycle.up("kbenchadm", nodes=2, dns_upstream="controlplane")
    kubeconfig = str(cluster.state_dir / "kubeconfig")

    def kubectl(*args: str, input: str | None = None) -> str:
        return subprocess.run(["kubectl", "--kubeconfig", kubeconfig, *args], input=input, capture_output=True,
                              text=True, check=True).stdout

    try:
        node = cluster.node("controlplane")
        pki = node.file("/etc/kubernetes/pki")
        conn = connect(node.ip, pki / "ca.crt", pki / "admin.crt", pki / "admin.key")
        kubectl("create", "namespace", "bench")
        with tempfile.TemporaryDirectory() as tmp:
            own = Path(tmp)
            create_pki(own, [])
            serving_certificate(own, own / "wh", "wh", ["wh.bench.svc"])
            kubectl("-n", "bench", "create", "secret", "tls", "wh", f"--cert={own / 'wh.crt'}",
                    f"--key={own / 'wh.key'}")
            ca = base64.b64encode((own / "ca.crt").read_bytes()).decode()
        container = {"name": "wh", "image": AGNHOST, "readinessProbe": {"tcpSocket": {"port": 8443}},
                     "args": ["webhook", "--tls-cert-file=/certs/tls.crt", "--tls-private-key-file=/certs/tls.key",
                              "--port=8443"], "volumeMounts": [{"name": "certs", "mountPath": "/certs"}]}
        kubectl("apply", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "List", "items": [
            {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "wh", "namespace": "bench"},
             "spec": {"selector": {"matchLabels": {"app": "wh"}}, "template": {
                 "metadata": {"labels": {"app": "wh"}},
                 "spec": {"containers": [container], "volumes": [{"name": "certs", "secret": {"secretName": "wh"}}]}}}},
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "wh", "namespace": "bench"},
             "spec": {"selector": {"app": "wh"}, "ports": [{"port": 443, "targetPort": 8443}]}}]}))
        try:
            kubectl("-n", "bench", "rollout", "status", "deployment/wh", "--timeout=90s")
        except subprocess.CalledProcessError:
            raise SystemExit("the webhook did not come up:\n" + kubectl("-n", "bench", "describe", "pods")) from None
        time.sleep(2)  # the control-plane node's proxy rules for the Service
        policy = {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicy",
                  "metadata": {"name": "bench"},
                  "spec": {"matchConstraints": {"resourceRules": RULES},
                           "validations": [{"expression": "!has(object.data) || size(object.data) < 10"},
                                           {"expression": "size(object.metadata.name) < 64",
                                            "messageExpression": "'name too long: ' + object.metadata.name"}]}}
        binding = {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicyBinding",
                   "metadata": {"name": "bench"},
                   "spec": {"policyName": "bench", "validationActions": ["Deny"],
                            "matchResources": {"namespaceSelector": SELECT}}}
        webhook = {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
                   "metadata": {"name": "bench"},
                   "webhooks": [{"name": "configmaps.bench.kinns.test", "admissionReviewVersions": ["v1"],
                                 "sideEffects": "None", "rules": RULES, "namespaceSelector": SELECT,
                                 "clientConfig": {"caBundle": ca, "service": {"name": "wh", "namespace": "bench",
                                                                              "path": "/configmaps"}}}]}
        results = {"none": timed_creates(conn, "none")}
        kubectl("apply", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "List", "items": [policy, binding]}))
        results["policy"] = timed_creates(conn, "policy")
        kubectl("delete", "validatingadmissionpolicybinding", "bench")
        kubectl("apply", "-f", "-", input=json.dumps(webhook))
        results["webhook"] = timed_creates(conn, "webhook")
        kubectl("apply", "-f", "-", input=json.dumps(binding))
        results["both"] = timed_creates(conn, "both")
        base = results["none"]
        for label, (rate, p50, p99) in results.items():
            print(f"{CREATES} ConfigMap creates, {label:8s}: {rate:7.0f}/min  p50 {p50:5.2f} ms  p99 {p99:6.2f} ms"
                  f"   (no dynamic admission, same cluster: {base[0]:.0f}/min, p50 {base[1]:.2f} ms)")
    finally:
        lifecycle.down(cluster)


if __name__ == "__main__":
    main()
