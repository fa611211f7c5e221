"""Dynamic admission with the real kubectl: webhooks served by a pod over TLS (agnhost's e2e webhook, its
certificate from a CA of the test's own, given as caBundle), failure policies against an unreachable and a slow
webhook, and ValidatingAdmissionPolicies, the Gateway API's own among them. One cluster for all."""

import base64
import json
import time

import pytest
import yaml
from conftest import kube_cluster, unique, wait

from kinns.apiserver.certs import create_pki, serving_certificate

pytestmark = pytest.mark.kernel
AGNHOST = "registry.k8s.io/e2e-test-images/agnhost:2.53"
UPSTREAM = "../shared/fixtures/upstream"


@pytest.fixture(scope="module")
def cluster():
    with kube_cluster(nodes=2) as kubectl:
        yield kubectl


@pytest.fixture(scope="module")
def webhook(cluster, tmp_path_factory):
    """A namespace serving agnhost's webhook as Service `wh` (443 -> 8443) with a certificate for
    wh.<ns>.svc; yields (namespace, caBundle)."""
    ns = unique("wh")
    pki = tmp_path_factory.mktemp("webhook")
    create_pki(pki, [])
    serving_certificate(pki, pki / "wh", "wh", [f"wh.{ns}.svc"])
    cluster("create", "namespace", ns)
    cluster("-n", ns, "create", "secret", "tls", "wh", f"--cert={pki / 'wh.crt'}", f"--key={pki / 'wh.key'}")
    container = {"name": "wh", "image": AGNHOST, "readinessProbe": {"tcpSocket": {"port": 8443}},
                 "args": ["webhook", "--tls-cert-file=/certs/tls.crt", "--tls-private-key-file=/certs/tls.key",
                          "--port=8443"], "volumeMounts": [{"name": "certs", "mountPath": "/certs"}]}
    objects = [
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "wh", "namespace": ns},
         "spec": {"selector": {"matchLabels": {"app": "wh"}}, "template": {
             "metadata": {"labels": {"app": "wh"}},
             "spec": {"containers": [container], "volumes": [{"name": "certs", "secret": {"secretName": "wh"}}]}}}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "wh", "namespace": ns},
         "spec": {"selector": {"app": "wh"}, "ports": [{"port": 443, "targetPort": 8443}]}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "nobody", "namespace": ns},
         "spec": {"selector": {"app": "nobody"}, "ports": [{"port": 443, "targetPort": 8443}]}}]
    cluster("apply", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "List", "items": objects}))
    cluster("-n", ns, "rollout", "status", "deploy/wh", "--timeout=90s")
    ca = base64.b64encode((pki / "ca.crt").read_bytes()).decode()
    # until the control-plane node's kube-proxy has the Service's endpoint, calls are refused
    probe = unique("probe")
    _configure(cluster, "ValidatingWebhookConfiguration", probe, [
        _hook("probe", ns, ca, "/configmaps", objectSelector={"matchLabels": {"probe": "yes"}})])
    dry = yaml.safe_dump({"apiVersion": "v1", "kind": "ConfigMap",
                          "metadata": {"name": "probe", "namespace": ns, "labels": {"probe": "yes"}}})
    wait(lambda: cluster("create", "--dry-run=server", "-f", "-", input=dry, check=False).returncode == 0)
    cluster("delete", "validatingwebhookconfiguration", probe)
    yield ns, ca
    cluster("delete", "namespace", ns, "--wait=false")


def _hook(name: str, ns: str, ca: str, path: str, resources: str = "configmaps", **extra) -> dict:
    """One webhook for CREATE/UPDATE of `resources` in namespace `ns`, called at wh (or extra's service)."""
    service = {"name": extra.pop("service", "wh"), "namespace": ns, "path": path}
    return {"name": f"{name}.{ns}.kinns.test", "admissionReviewVersions": ["v1"], "sideEffects": "None",
            "clientConfig": {"caBundle": ca, "service": service},
            "rules": [{"apiGroups": ["", "apps"], "apiVersions": ["v1"], "resources": [resources],
                       "operations": extra.pop("operations", ["CREATE", "UPDATE"])}],
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": ns}}, **extra}


def _configure(cluster, kind: str, name: str, hooks: list[dict]) -> None:
    cluster("apply", "-f", "-", input=json.dumps({"apiVersion": "admissionregistration.k8s.io/v1", "kind": kind,
                                                  "metadata": {"name": name}, "webhooks": hooks}))


def test_a_validating_webhook_allows_and_denies(cluster, webhook):
    ns, ca = webhook
    name = unique("vwc")
    _configure(cluster, "ValidatingWebhookConfiguration", name, [_hook("deny", ns, ca, "/configmaps")])
    try:
        cluster("-n", ns, "create", "configmap", "fine", "--from-literal=a=b")
        refused = cluster("-n", ns, "create", "configmap", "bad", "--from-literal=webhook-e2e-test=webhook-disallow",
                          check=False)
        assert refused.returncode == 1
        assert f'admission webhook "deny.{ns}.kinns.test" denied the request: the configmap contains unwanted key ' \
            "and value" in refused.stderr
        assert cluster("-n", ns, "get", "configmap", "bad", check=False).returncode == 1  # nothing stored
        other = unique("ns")  # the namespace selector leaves other namespaces alone
        cluster("create", "namespace", other)
        cluster("-n", other, "create", "configmap", "bad", "--from-literal=webhook-e2e-test=webhook-disallow")
        cluster("delete", "namespace", other, "--wait=false")
        # an update goes through the webhook too
        patched = cluster("-n", ns, "patch", "configmap", "fine", "-p",
                          '{"data": {"webhook-e2e-test": "webhook-disallow"}}', check=False)
        assert "denied the request" in patched.stderr
        assert cluster("-n", ns, "get", "configmap", "fine", "-o", "jsonpath={.data}").stdout == '{"a":"b"}'
    finally:
        cluster("delete", "validatingwebhookconfiguration", name)


def test_mutating_webhooks_patch_in_order_and_apply_to_what_controllers_write(cluster, webhook):
    ns, ca = webhook
    name = unique("mwc")
    _configure(cluster, "MutatingWebhookConfiguration", name, [
        _hook("stage1", ns, ca, "/mutating-configmaps"), _hook("stage2", ns, ca, "/mutating-configmaps"),
        _hook("label", ns, ca, "/add-label", "pods", operations=["CREATE"],
              objectSelector={"matchLabels": {"app": "labelled"}})])
    try:
        cluster("-n", ns, "create", "configmap", "staged", "--from-literal=a=b")
        data = json.loads(cluster("-n", ns, "get", "configmap", "staged", "-o", "jsonpath={.data}").stdout)
        assert data == {"a": "b", "mutation-stage-1": "yes", "mutation-stage-2": "yes"}
        # the pods the ReplicaSet controller creates (as its own identity, over the API) are mutated too
        cluster("-n", ns, "create", "deployment", "labelled", f"--image={AGNHOST}", "--", "/agnhost", "pause")
        wait(lambda: cluster("-n", ns, "get", "pods", "-l", "app=labelled", "-o", "name").stdout.strip() != "")
        labels = json.loads(cluster("-n", ns, "get", "pods", "-l", "app=labelled", "-o",
                                    "jsonpath={.items[0].metadata.labels}").stdout)
        assert labels["added-label"] == "yes"
        mutated = cluster("get", "mutatingwebhookconfiguration", name, "-o", "json").stdout
        assert [h["reinvocationPolicy"] for h in json.loads(mutated)["webhooks"]] == ["Never"] * 3
    finally:
        cluster("delete", "mutatingwebhookconfiguration", name)
        cluster("-n", ns, "delete", "deployment", "labelled", "--wait=false")


def test_failure_policies_with_an_unreachable_and_a_slow_webhook(cluster, webhook):
    ns, ca = webhook
    name = unique("vwc")
    _configure(cluster, "ValidatingWebhookConfiguration", name, [
        _hook("nobody", ns, ca, "/configmaps", service="nobody", failurePolicy="Fail",
              objectSelector={"matchLabels": {"via": "nobody"}}),
        _hook("ignored", ns, ca, "/configmaps", service="nobody", failurePolicy="Ignore",
              objectSelector={"matchLabels": {"via": "ignored"}}),
        _hook("slow", ns, ca, "/always-allow-delay-5s", timeoutSeconds=2,
              objectSelector={"matchLabels": {"via": "slow"}})])
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: {ns}, labels: {{via: {via}}}}}\n"
    try:
        closed = cluster("apply", "-f", "-", check=False, input=manifest.format(name="c1", ns=ns, via="nobody"))
        assert f'Internal error occurred: failed calling webhook "nobody.{ns}.kinns.test": failed to call webhook: ' \
            f'Post "https://nobody.{ns}.svc:443/configmaps?timeout=10s": dial tcp ' in closed.stderr
        assert "connect: connection refused" in closed.stderr
        cluster("apply", "-f", "-", input=manifest.format(name="c2", ns=ns, via="ignored"))
        started = time.monotonic()
        slow = cluster("apply", "-f", "-", check=False, input=manifest.format(name="c3", ns=ns, via="slow"))
        assert time.monotonic() - started < 5
        assert f'failed calling webhook "slow.{ns}.kinns.test": failed to call webhook: Post ' \
            f'"https://wh.{ns}.svc:443/always-allow-delay-5s?timeout=2s": context deadline exceeded' in slow.stderr
        names = cluster("-n", ns, "get", "configmaps", "-l", "via", "-o", "name").stdout.split()
        assert names == ["configmap/c2"]
    finally:
        cluster("delete", "validatingwebhookconfiguration", name)


def test_a_webhook_can_refuse_a_delete_and_a_wrong_ca_fails_closed(cluster, webhook, tmp_path):
    ns, ca = webhook
    other = tmp_path / "other"
    create_pki(other, [])
    wrong = base64.b64encode((other / "ca.crt").read_bytes()).decode()
    name = unique("vwc")
    _configure(cluster, "ValidatingWebhookConfiguration", name, [
        _hook("nodelete", ns, ca, "/always-deny", operations=["DELETE"],
              objectSelector={"matchLabels": {"keep": "yes"}}),
        _hook("wrongca", ns, wrong, "/configmaps", objectSelector={"matchLabels": {"ca": "wrong"}})])
    try:
        cluster("-n", ns, "create", "configmap", "kept")
        cluster("-n", ns, "label", "configmap", "kept", "keep=yes")
        refused = cluster("-n", ns, "delete", "configmap", "kept", check=False)
        assert f'admission webhook "nodelete.{ns}.kinns.test" denied the request: this webhook denies all requests' \
            in refused.stderr
        assert cluster("-n", ns, "get", "configmap", "kept", "-o", "name").stdout.strip() == "configmap/kept"
        untrusted = cluster("-n", ns, "create", "-f", "-", check=False, input=yaml.safe_dump(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ca", "labels": {"ca": "wrong"}}}))
        assert "tls: failed to verify certificate: x509: certificate signed by unknown authority" in untrusted.stderr
    finally:
        cluster("delete", "validatingwebhookconfiguration", name)
    cluster("-n", ns, "delete", "configmap", "kept")


def test_connect_requests_are_admitted_with_their_options(cluster, webhook):
    """exec, attach and port-forward are CONNECT operations: a webhook on pods/attach sees PodAttachOptions and
    refuses stdin to container1; a policy on pods/exec reads the command."""
    ns, ca = webhook
    name, pod = unique("cn"), "to-be-attached-pod"
    _configure(cluster, "ValidatingWebhookConfiguration", name, [
        _hook("attach", ns, ca, "/pods/attach", "pods/attach", operations=["CONNECT"])])
    policy = json.loads(_policy(name, ns, [{"expression": "!('secret' in object.command)",
                                            "message": "no secrets through exec"}]))
    policy["spec"]["matchConstraints"]["resourceRules"] = [
        {"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CONNECT"], "resources": ["pods/exec"]}]
    cluster("apply", "-f", "-", input=json.dumps(policy))
    cluster("apply", "-f", "-", input=_binding(name, ns, ["Deny"]))
    try:
        cluster("-n", ns, "apply", "-f", "-", input=json.dumps({
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": pod}, "spec": {"containers": [
                {"name": "container1", "image": "busybox", "command": ["sleep", "3600"], "stdin": True}]}}))
        cluster("-n", ns, "wait", "--for=condition=Ready", f"pod/{pod}", "--timeout=60s")
        refused = cluster("-n", ns, "attach", "-i", pod, "-c", "container1", input="", check=False)
        assert f'admission webhook "attach.{ns}.kinns.test" denied the request: attaching to pod ' \
            f"'{pod}' is not allowed" in refused.stderr
        assert cluster("-n", ns, "exec", pod, "--", "echo", "fine").stdout == "fine\n"
        secret = cluster("-n", ns, "exec", pod, "--", "echo", "secret", check=False)
        assert f'pods "{pod}" is forbidden: ValidatingAdmissionPolicy \'{name}\' with binding \'{name}\' denied ' \
            "request: no secrets through exec" in secret.stderr
    finally:
        cluster("delete", "validatingadmissionpolicybinding", name)
        cluster("delete", "validatingadmissionpolicy", name)
        cluster("delete", "validatingwebhookconfiguration", name)
        cluster("-n", ns, "delete", "pod", pod, "--grace-period=0", "--force")


def test_webhook_configurations_are_validated_as_kube_apiserver_does(cluster):
    bad = {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
           "metadata": {"name": unique("bad")}, "webhooks": [{
               "name": "short.name", "admissionReviewVersions": ["v2"], "timeoutSeconds": 31,
               "clientConfig": {"url": "http://example.test/x?y=1"},
               "rules": [{"apiGroups": [""], "apiVersions": ["v1"], "resources": ["*", "pods"],
                          "operations": ["CREATE", "PUT"]}]}]}
    refused = cluster("create", "-f", "-", check=False, input=json.dumps(bad))
    for cause in ('webhooks[0].name: Invalid value: "short.name": should be a domain with at least three segments '
                  "separated by dots",
                  "webhooks[0].rules[0].operations[1]: Unsupported value: \"PUT\": supported values: \"*\", "
                  '"CONNECT", "CREATE", "DELETE", "UPDATE"',
                  "webhooks[0].rules[0].resources: Invalid value: []string{\"*\", \"pods\"}: if '*' is present, must "
                  "not specify other resources without subresources",
                  "webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun",
                  "webhooks[0].timeoutSeconds: Invalid value: 31: the timeout value must be between 1 and 30 seconds",
                  "webhooks[0].clientConfig.url: Invalid value: \"http\": 'https' is the only allowed URL scheme; "
                  "desired format: https://host[/path]",
                  'webhooks[0].clientConfig.url: Invalid value: "y=1": query parameters are not permitted in the URL',
                  'webhooks[0].admissionReviewVersions: Invalid value: []string{"v2"}: must include at least one of '
                  "v1, v1beta1"):
        assert cause in refused.stderr, refused.stderr
    assert cluster("get", "validatingwebhookconfigurations", "-o", "name").stdout.strip() == ""


def _policy(name: str, ns: str, validations: list[dict], **spec) -> str:
    policy = {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicy",
              "metadata": {"name": name},
              "spec": {"matchConstraints": {"resourceRules": [{"apiGroups": ["apps"], "apiVersions": ["v1"],
                                                               "operations": ["CREATE", "UPDATE"],
                                                               "resources": ["deployments"]}]},
                       "validations": validations, **spec}}
    return json.dumps(policy)


def _binding(name: str, ns: str, actions: list[str], **spec) -> str:
    return json.dumps({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicyBinding",
                       "metadata": {"name": name},
                       "spec": {"policyName": name, "validationActions": actions,
                                "matchResources": {"namespaceSelector": {"matchLabels": {
                                    "kubernetes.io/metadata.name": ns}}}, **spec}})


def test_a_policy_with_params_denies_warns_and_reports_its_message(cluster):
    ns, name = unique("vap"), unique("vap")
    cluster("create", "namespace", ns)
    cluster("-n", ns, "create", "configmap", "limits", "--from-literal=maxReplicas=3")
    cluster("apply", "-f", "-", input=_policy(name, ns, [
        {"expression": "object.spec.replicas <= int(params.data.maxReplicas)",
         "messageExpression": "'replicas must be at most ' + params.data.maxReplicas + ', not ' + "
                              "string(object.spec.replicas)"},
        {"expression": "variables.image.startsWith('registry.k8s.io/')", "message": "images come from registry.k8s.io",
         "reason": "Forbidden"}],
        paramKind={"apiVersion": "v1", "kind": "ConfigMap"},
        variables=[{"name": "image", "expression": "object.spec.template.spec.containers[0].image"}]))
    cluster("apply", "-f", "-", input=_binding(name, ns, ["Deny"], paramRef={
        "name": "limits", "parameterNotFoundAction": "Deny"}))
    try:
        cluster("-n", ns, "create", "deployment", "small", f"--image={AGNHOST}", "--replicas=2")
        big = cluster("-n", ns, "create", "deployment", "big", f"--image={AGNHOST}", "--replicas=5", check=False)
        assert f'deployments.apps "big" is forbidden: ValidatingAdmissionPolicy \'{name}\' with binding \'{name}\' ' \
            "denied request: replicas must be at most 3, not 5" in big.stderr
        elsewhere = cluster("-n", ns, "create", "deployment", "web", "--image=nginx", check=False)
        assert "denied request: images come from registry.k8s.io" in elsewhere.stderr
        cluster("-n", ns, "delete", "configmap", "limits")  # no params: the binding's Deny applies
        replicas = ["patch", "deployment", "small", "-p", '{"spec": {"replicas": 1}}']
        orphan = cluster("-n", ns, *replicas, check=False)
        assert "no params found for policy binding with `Deny` parameterNotFoundAction" in orphan.stderr
        cluster("apply", "-f", "-", input=_binding(name, ns, ["Warn", "Audit"], paramRef={
            "name": "limits", "parameterNotFoundAction": "Deny"}))
        warned = cluster("-n", ns, *replicas)
        assert f"Warning: Validation failed for ValidatingAdmissionPolicy '{name}' with binding '{name}': no params " \
            "found" in warned.stderr
        assert cluster("-n", ns, "get", "deploy", "small", "-o", "jsonpath={.spec.replicas}").stdout == "1"
        # the scale subresource is not `deployments`: the policy's rule does not match it
        assert cluster("-n", ns, "scale", "deployment", "small", "--replicas=9").returncode == 0
    finally:
        cluster("delete", "validatingadmissionpolicybinding", name)
        cluster("delete", "validatingadmissionpolicy", name)
        cluster("delete", "namespace", ns, "--wait=false")


def test_a_policy_asks_the_authorizer(cluster):
    """`authorizer` in a policy's expression checks what the requesting user may do: here, only who may list
    the namespace's Secrets may create ConfigMaps in it."""
    ns, name = unique("vaz"), unique("vaz")
    cluster("create", "namespace", ns)
    policy = json.loads(_policy(name, ns, [{
        "expression": "authorizer.group('').resource('secrets').namespace(object.metadata.namespace)"
                      ".check('list').allowed()",
        "messageExpression": "'you may not list secrets in ' + object.metadata.namespace + ' (you may create '"
                             "+ (authorizer.requestResource.check('create').allowed() ? '' : 'no ') + 'configmaps)'"}]))
    policy["spec"]["matchConstraints"]["resourceRules"] = [
        {"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["configmaps"]}]
    cluster("apply", "-f", "-", input=json.dumps(policy))
    cluster("apply", "-f", "-", input=_binding(name, ns, ["Deny"]))
    cluster("-n", ns, "create", "role", "maker", "--verb=create", "--resource=configmaps")
    cluster("-n", ns, "create", "rolebinding", "maker", "--role=maker", f"--serviceaccount={ns}:default")
    bot = f"--as=system:serviceaccount:{ns}:default"
    try:
        refused = cluster("-n", ns, "create", "configmap", "c1", bot, check=False)
        assert f"ValidatingAdmissionPolicy '{name}' with binding '{name}' denied request: you may not list secrets " \
            f"in {ns} (you may create configmaps)" in refused.stderr, refused.stderr
        cluster("-n", ns, "create", "role", "reader", "--verb=list", "--resource=secrets")
        cluster("-n", ns, "create", "rolebinding", "reader", "--role=reader", f"--serviceaccount={ns}:default")
        cluster("-n", ns, "create", "configmap", "c2", bot)
    finally:
        cluster("delete", "validatingadmissionpolicybinding", name)
        cluster("delete", "validatingadmissionpolicy", name)
        cluster("delete", "namespace", ns, "--wait=false")


def test_policies_and_bindings_are_validated_and_compiled(cluster):
    name = unique("vap")
    broken = cluster("create", "-f", "-", check=False, input=_policy(name, "x", [
        {"expression": "object.spec.replicas <", "reason": "Teapot"}], failurePolicy="Sometimes"))
    assert 'spec.failurePolicy: Unsupported value: "Sometimes": supported values: "Fail", "Ignore"' in broken.stderr
    assert "spec.validations[0].expression: Invalid value: \"object.spec.replicas <\": compilation failed" \
        in broken.stderr
    assert 'spec.validations[0].reason: Unsupported value: "Teapot"' in broken.stderr
    unbound = cluster("create", "-f", "-", check=False, input=_binding(name, "x", []))
    assert "spec.validationActions: Required value: at least one validation action is required" in unbound.stderr
    both = cluster("create", "-f", "-", check=False, input=_binding(name, "x", ["Deny", "Warn"]))
    assert 'spec.validationActions: Invalid value: []string{"Deny", "Warn"}: must not contain both Deny and Warn' \
        in both.stderr
    assert cluster("get", "validatingadmissionpolicies,validatingadmissionpolicybindings", "-o", "name").stdout == ""


def test_the_gateway_api_safe_upgrades_policy_refuses_older_crds(cluster):
    """The Gateway API v1.5 standard install ships a ValidatingAdmissionPolicy; with it, v1.2 CRDs are refused."""
    # kinns's own Gateway API v1.2 CRDs are there: taken over, as an upgrade would
    install = ("apply", "--server-side", "--force-conflicts", "-f", f"{UPSTREAM}/gateway-api-v1.5.1/standard-crds.yaml")
    cluster(*install)
    try:
        policy = "safe-upgrades.gateway.networking.k8s.io"
        assert cluster("get", "validatingadmissionpolicy", policy, "-o", "name").stdout.strip() == \
            f"validatingadmissionpolicy.admissionregistration.k8s.io/{policy}"
        older = cluster("apply", "--server-side", "--force-conflicts", "-f",
                        f"{UPSTREAM}/gateway-api-v1.2.0/standard-crds.yaml", check=False)
        assert older.returncode == 1
        assert f"ValidatingAdmissionPolicy '{policy}' with binding '{policy}' denied request: Installing CRDs with " \
            "version before v1.5.0 is prohibited by default." in older.stderr
        version = cluster("get", "crd", "httproutes.gateway.networking.k8s.io", "-o",
                          "jsonpath={.metadata.annotations.gateway\\.networking\\.k8s\\.io/bundle-version}").stdout
        assert version == "v1.5.1"
        cluster(*install)  # the same version again is an allowed update
    finally:
        cluster("delete", "-f", f"{UPSTREAM}/gateway-api-v1.5.1/standard-crds.yaml", "--wait=false")
