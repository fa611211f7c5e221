"""The API server driven by the real kubectl, against a cluster started by the test."""

import json
import os
import signal
import subprocess
import time

import pytest
from conftest import kinns, kube_cluster, unique, wait

pytestmark = pytest.mark.kernel

MANIFEST = """\
apiVersion: v1
kind: Namespace
metadata:
  name: {ns}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: {ns}
  labels: {{app: web, tier: front}}
data:
  color: blue
"""


@pytest.fixture(scope="module")
def api():
    with kube_cluster(nodes=1) as kubectl:
        yield kubectl


def test_version_discovery_and_bootstrap_namespaces(api):
    assert "Server Version: v1.37" in api("version").stdout
    resources = api("api-resources").stdout
    for line in ("configmaps                  cm", "deployments                 deploy", "pods"):
        assert line.split()[0] in resources
    assert "ingresses" in resources and "customresourcedefinitions" in resources
    names = api("get", "ns", "-o", "jsonpath={.items[*].metadata.name}").stdout.split()
    assert names == ["default", "ingress-nginx", "kube-node-lease", "kube-public", "kube-system",
                     "nginx-gateway"]  # + the ingress and Gateway add-ons
    header = api("get", "ns").stdout.splitlines()[0].split()
    assert header == ["NAME", "STATUS", "AGE"]


def test_create_get_label_delete_with_kubectl(api):
    ns = unique("ns")
    manifest = MANIFEST.format(ns=ns)
    out = api("create", "--validate=false", "-f", "-", input=manifest).stdout
    assert out.splitlines() == [f"namespace/{ns} created", "configmap/settings created"]
    table = api("get", "cm", "-n", ns).stdout.splitlines()
    assert table[0].split() == ["NAME", "DATA", "AGE"]
    assert [r.split()[:2] for r in table[1:]] == [["kube-root-ca.crt", "1"], ["settings", "1"]]
    obj = json.loads(api("get", "cm", "settings", "-n", ns, "-o", "json").stdout)
    assert obj["data"] == {"color": "blue"} and obj["metadata"]["uid"] and obj["metadata"]["resourceVersion"]
    assert api("label", "cm", "settings", "-n", ns, "extra=yes").stdout.strip() == "configmap/settings labeled"
    assert api("annotate", "cm", "settings", "-n", ns, "note=hi").stdout.strip() == "configmap/settings annotated"
    assert api("get", "cm", "-n", ns, "-l", "extra=yes,tier in (front)", "-o", "name").stdout.strip() == \
        "configmap/settings"
    assert api("get", "cm", "-n", ns, "-l", "app,extra!=yes", "-o", "name").stdout.strip() == ""
    assert api("get", "cm", "-n", ns, "--field-selector", "metadata.name=settings", "-o", "name").stdout.strip() \
        == "configmap/settings"
    deleted = api("delete", "cm", "settings", "-n", ns).stdout.strip()
    assert deleted == f'configmap "settings" deleted from {ns} namespace'
    assert api("delete", "ns", ns).stdout.strip() == f'namespace "{ns}" deleted'


def test_errors_read_as_on_a_real_cluster_and_write_nothing(api):
    ns = unique("ns")
    api("create", "--validate=false", "-f", "-", input=MANIFEST.format(ns=ns))
    dup = api("create", "--validate=false", "-f", "-", input=MANIFEST.format(ns=ns), check=False)
    assert dup.returncode == 1
    assert f'Error from server (AlreadyExists): error when creating "STDIN": namespaces "{ns}" already exists' \
        in dup.stderr
    missing = api("get", "cm", "nothere", "-n", ns, check=False)
    assert missing.stderr.strip() == 'Error from server (NotFound): configmaps "nothere" not found'
    bad = api("create", "--validate=false", "-f", "-", check=False,
              input=f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n  namespace: {ns}\n")
    assert 'The ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 ' \
        'subdomain must consist of' in bad.stderr
    before = api("get", "cm", "settings", "-n", ns, "-o", "name").stdout
    assert before.strip() == "configmap/settings"
    assert api("get", "cm", "Bad_Name", "-n", ns, check=False).returncode == 1
    unauth = subprocess.run(["curl", "-sk", f"https://{_server(api)}/api/v1/namespaces"],
                            capture_output=True, text=True)
    assert json.loads(unauth.stdout)["code"] == 401


def _server(api) -> str:
    return json.loads(api("config", "view", "-o", "json").stdout)["clusters"][0]["cluster"]["server"].split("//")[1]


def test_watch_sees_a_change(api):
    ns = unique("ns")
    api("create", "--validate=false", "-f", "-", input=MANIFEST.format(ns=ns).split("---\n")[0])
    watcher = subprocess.Popen(["kubectl", "get", "cm", "-n", ns, "-l", "app=web", "-w", "-o", "name"],
                               stdout=subprocess.PIPE,
                               text=True, env={**os.environ, "KUBECONFIG": str(api.state / "kubeconfig")})
    try:
        time.sleep(1.0)
        api("create", "--validate=false", "-f", "-", input=MANIFEST.format(ns=ns).split("---\n")[1])
        assert watcher.stdout.readline().strip() == "configmap/settings"
    finally:
        watcher.send_signal(signal.SIGTERM)
        watcher.wait()


def test_objects_survive_an_api_server_restart(api):
    ns = unique("ns")
    api("create", "--validate=false", "-f", "-", input=MANIFEST.format(ns=ns))
    rv = json.loads(api("get", "cm", "settings", "-n", ns, "-o", "json").stdout)["metadata"]["resourceVersion"]
    pid = int((api.state / "apiserver.pid").read_text())
    os.kill(pid, signal.SIGKILL)  # a crash: the cluster's supervisor starts it again, as a node's kubelet would
    started = time.monotonic()
    wait(lambda: api("get", "--raw", "/readyz", check=False).returncode == 0 and
         int((api.state / "apiserver.pid").read_text()) != pid, 10)
    assert time.monotonic() - started < 10
    components = json.loads(kinns("status", "--name", api.name, "-o", "json").stdout)["components"]
    assert components["apiserver"]["restarts"] == 1 and components["apiserver"]["running"]
    obj = json.loads(api("get", "cm", "settings", "-n", ns, "-o", "json").stdout)
    assert obj["data"] == {"color": "blue"} and obj["metadata"]["resourceVersion"] == rv


def test_kubectl_create_subcommands_send_protobuf_and_are_understood(api):
    ns = unique("ns")
    assert api("create", "namespace", ns).stdout.strip() == f"namespace/{ns} created"
    api("create", "configmap", "c", "-n", ns, "--from-literal=a=b", "--from-literal=x=y")
    api("create", "secret", "generic", "s", "-n", ns, "--from-literal=pw=hunter2")
    api("create", "serviceaccount", "bot", "-n", ns)
    api("create", "deployment", "web", "-n", ns, "--image=nginx", "--replicas=2", "--port=80")
    api("create", "service", "clusterip", "web", "-n", ns, "--tcp=80:8080")
    api("create", "ingress", "web", "-n", ns, "--rule=foo.com/bar*=web:80")
    cm = json.loads(api("get", "cm", "c", "-n", ns, "-o", "json").stdout)
    assert cm["data"] == {"a": "b", "x": "y"}
    assert api("get", "secret", "s", "-n", ns, "-o", "jsonpath={.data.pw}").stdout == "aHVudGVyMg=="
    deploy = json.loads(api("get", "deploy", "web", "-n", ns, "-o", "json").stdout)
    assert deploy["spec"]["replicas"] == 2 and deploy["spec"]["selector"] == {"matchLabels": {"app": "web"}}
    container = deploy["spec"]["template"]["spec"]["containers"][0]
    assert container == {"name": "nginx", "image": "nginx", "ports": [{"containerPort": 80, "protocol": "TCP"}],
                         "resources": {}, "terminationMessagePath": "/dev/termination-log",
                         "terminationMessagePolicy": "File", "imagePullPolicy": "Always"}  # the server's defaults
    assert deploy["spec"]["strategy"] == {"type": "RollingUpdate",
                                          "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}
    svc = json.loads(api("get", "svc", "web", "-n", ns, "-o", "json").stdout)
    assert svc["spec"]["ports"] == [{"name": "80-8080", "protocol": "TCP", "port": 80, "targetPort": 8080}]
    assert svc["spec"]["clusterIP"].startswith("10.") and svc["spec"]["clusterIPs"] == [svc["spec"]["clusterIP"]]
    ing = json.loads(api("get", "ing", "web", "-n", ns, "-o", "json").stdout)
    path = ing["spec"]["rules"][0]["http"]["paths"][0]
    assert path == {"path": "/bar", "pathType": "Prefix",
                    "backend": {"service": {"name": "web", "port": {"number": 80}}}}


def test_apply_validates_fields_against_the_openapi_schema(api):
    ns = unique("ns")
    api("create", "namespace", ns)
    deployment = f"""\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: {ns}}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers: [{{name: web, image: nginx}}]
"""
    assert api("apply", "-f", "-", input=deployment).stdout.strip() == "deployment.apps/web created"
    again = api("apply", "-f", "-", input=deployment)
    assert again.stdout.strip() == "deployment.apps/web unchanged" and "warning" not in again.stderr
    scaled = api("apply", "-f", "-", input=deployment.replace("replicas: 2", "replicas: 3"))
    assert scaled.stdout.strip() == "deployment.apps/web configured"
    assert api("get", "deploy", "web", "-n", ns, "-o", "jsonpath={.spec.replicas}").stdout == "3"
    typo = api("apply", "-f", "-", check=False, input=deployment.replace("image: nginx", "imagee: nginx")
               .replace("name: web,", "name: web2,"))
    assert 'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field ' \
        '"spec.template.spec.containers[0].imagee"' in typo.stderr
    wrong = api("apply", "-f", "-", check=False, input=deployment.replace("replicas: 2", 'replicas: "two"')
                .replace("name: web,", "name: web3,"))
    assert "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32" \
        in wrong.stderr
    assert api("get", "deploy", "-n", ns, "-o", "name").stdout.split() == ["deployment.apps/web"]
    explained = api("explain", "deployment.spec.replicas").stdout
    assert "FIELD: replicas <integer>" in explained and "How many pods (1 when unset)." in explained
    pod = api("explain", "pod").stdout
    assert "A group of containers sharing one network namespace" in pod and "<no description>" not in pod
    assert "ClusterFirst (the cluster DNS, 10.96.0.10)" in api("explain", "pod.spec.dnsPolicy").stdout


WIDGET_CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    - {name: Color, type: string, jsonPath: .spec.color}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            description: What the widget should be.
            required: [size]
            x-kubernetes-validations:
            - {rule: "self.size % 2 == 1 || self.color == 'blue'", message: even widgets must be blue}
            properties:
              size: {type: integer, minimum: 1, maximum: 10, description: How big the widget is.}
              color:
                type: string
                enum: [red, blue]
                default: red
                x-kubernetes-validations: [{rule: self == oldSelf, message: color is immutable}]
"""


def test_a_list_is_validated_item_by_item_against_openapi_v2(api):
    """kubectl checks a `kind: List` (as the Weave Net manifest is) against /openapi/v2, in protobuf."""
    ns = unique("ns")
    api("create", "namespace", ns)
    items = f"""\
apiVersion: v1
kind: List
items:
- {{apiVersion: v1, kind: ConfigMap, metadata: {{name: a, namespace: {ns}}}, data: {{k: v}}}}
- apiVersion: apps/v1
  kind: Deployment
  metadata: {{name: web, namespace: {ns}}}
  spec:
    replicas: 1
    selector: {{matchLabels: {{app: web}}}}
    template:
      metadata: {{labels: {{app: web}}}}
      spec: {{containers: [{{name: web, image: nginx}}]}}
"""
    made = api("apply", "-f", "-", input=items).stdout.split("\n")
    assert made[:2] == ["configmap/a created", "deployment.apps/web created"]
    bad = api("apply", "-f", "-", check=False, input=items.replace("data: {k: v}", "data: {k: v}, dta: 1")
              .replace("replicas: 1", 'replicas: "one"'))
    assert 'ValidationError(ConfigMap): unknown field "dta" in io.k8s.api.core.v1.ConfigMap' in bad.stderr
    assert 'invalid type for io.k8s.api.apps.v1.DeploymentSpec.replicas: got "string", expected "integer"' \
        in bad.stderr
    swagger = json.loads(api("get", "--raw", "/openapi/v2").stdout)
    assert swagger["definitions"]["io.k8s.api.core.v1.Pod"]["x-kubernetes-group-version-kind"] == [
        {"group": "", "version": "v1", "kind": "Pod"}]
    api("delete", "namespace", ns, "--wait=false")


def test_api_services_list_what_the_server_serves_itself(api):
    rows = {line.split()[0]: line.split()[1:3] for line in api("get", "apiservices").stdout.splitlines()[1:]}
    assert rows["v1."] == rows["v1.apps"] == rows["v2.autoscaling"] == ["Local", "True"]
    crd = WIDGET_CRD.replace("widgets.example.com", "gadgets.example.org").replace("example.com", "example.org") \
        .replace("Widget", "Gadget").replace("widget", "gadget").replace("[wd]", "[gd]")
    api("apply", "-f", "-", input=crd)
    assert api("get", "apiservice", "v1.example.org", "-o", "jsonpath={.spec.groupPriorityMinimum}").stdout == "1000"
    api("delete", "crd", "gadgets.example.org")
    wait(lambda: api("get", "apiservice", "v1.example.org", check=False).returncode == 1)
    aggregated = {"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
                  "metadata": {"name": "v1beta1.metrics.k8s.io"},
                  "spec": {"group": "metrics.k8s.io", "version": "v1beta1", "groupPriorityMinimum": 100,
                           "versionPriority": 100, "service": {"namespace": "kube-system", "name": "metrics-server"}}}
    refused = api("create", "-f", "-", check=False, input=json.dumps(aggregated))
    assert "spec.service: Forbidden: kinns runs no extension API servers and proxies to none" in refused.stderr


def test_a_crd_serves_its_resource_with_schema_defaults_and_columns(api):
    assert api("apply", "-f", "-", input=WIDGET_CRD).stdout.strip() == \
        "customresourcedefinition.apiextensions.k8s.io/widgets.example.com created"
    conditions = api("get", "crd", "widgets.example.com", "-o", "jsonpath={.status.conditions[*].type}").stdout
    assert conditions == "NamesAccepted Established"
    again = api("apply", "-f", "-", input=WIDGET_CRD)  # kubectl computes the patch from the CRD type's schema
    assert "unchanged" in again.stdout and "error calculating patch" not in again.stderr
    assert "widgets" in api("api-resources", "--api-group=example.com").stdout
    widget = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {{name: {name}}}\nspec: {spec}\n"
    api("apply", "-f", "-", input=widget.format(name="w1", spec="{size: 3}"))
    rows = api("get", "wd").stdout.splitlines()
    assert rows[0].split() == ["NAME", "SIZE", "COLOR", "AGE"] and rows[1].split()[:3] == ["w1", "3", "red"]
    bad = api("apply", "-f", "-", check=False, input=widget.format(name="w2", spec="{size: 30, color: green}"))
    assert 'The Widget "w2" is invalid' in bad.stderr
    assert 'spec.color: Unsupported value: "green": supported values: "red", "blue"' in bad.stderr
    assert "spec.size: Invalid value: 30: spec.size in body should be less than or equal to 10" in bad.stderr
    extra = api("apply", "-f", "-", check=False, input=widget.format(name="w3", spec="{size: 3, extra: 1}"))
    assert 'strict decoding error: unknown field "spec.extra"' in extra.stderr
    assert api("get", "wd", "-o", "name").stdout.split() == ["widget.example.com/w1"]
    # CEL rules (x-kubernetes-validations), on create and as transition rules on update
    even = api("apply", "-f", "-", check=False, input=widget.format(name="w4", spec="{size: 4}"))
    assert 'The Widget "w4" is invalid: spec: Invalid value: "object": even widgets must be blue' in even.stderr
    api("apply", "-f", "-", input=widget.format(name="w4", spec="{size: 4, color: blue}"))
    recolor = api("apply", "-f", "-", check=False, input=widget.format(name="w4", spec="{size: 5, color: red}"))
    assert 'spec.color: Invalid value: "string": color is immutable' in recolor.stderr
    assert api("get", "wd", "w4", "-o", "jsonpath={.spec.size}").stdout == "4"  # refused: nothing written
    assert "How big the widget is." in api("explain", "widget.spec.size").stdout  # the CRD's own schema
    broken = api("apply", "-f", "-", check=False, input=WIDGET_CRD.replace("self.size % 2 == 1", "self.size %%"))
    assert "x-kubernetes-validations[0].rule" in broken.stderr and "compilation failed" in broken.stderr
    api("delete", "crd", "widgets.example.com")
    assert "widgets" not in api("api-resources", "--api-group=example.com", check=False).stdout


def test_server_side_apply_owns_fields_and_reports_conflicts(api):
    ns = unique("ns")
    api("create", "namespace", ns)
    cm = f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: owned, namespace: {ns}}}\ndata: {{a: '1', b: '2'}}\n"
    assert api("apply", "--server-side", "-f", "-", input=cm).stdout.strip() == "configmap/owned serverside-applied"
    api("patch", "cm", "owned", "-n", ns, "--type=merge", "-p", '{"data":{"a":"changed"}}')
    clash = api("apply", "--server-side", "-f", "-", input=cm, check=False)
    assert 'Apply failed with 1 conflict: conflict with "kubectl-patch" using v1: .data.a' in clash.stderr
    api("apply", "--server-side", "--force-conflicts", "-f", "-", input=cm)
    assert api("get", "cm", "owned", "-n", ns, "-o", "jsonpath={.data.a}").stdout == "1"
    # a field the applier stops sending, and nobody else owns, is removed
    api("apply", "--server-side", "-f", "-", input=cm.replace(", b: '2'", ""))
    assert json.loads(api("get", "cm", "owned", "-n", ns, "-o", "json").stdout)["data"] == {"a": "1"}
    managers = json.loads(api("get", "cm", "owned", "-n", ns, "-o", "json", "--show-managed-fields").stdout)[
        "metadata"]["managedFields"]
    assert [(m["manager"], m["operation"]) for m in managers if m["manager"] == "kubectl"] == [("kubectl", "Apply")]


def test_binding_protected_namespaces_and_stop_start(api):
    ns = unique("ns")
    api("create", "namespace", ns)
    pod = (f"apiVersion: v1\nkind: Pod\nmetadata: {{name: p, namespace: {ns}}}\nspec:\n"
           "  containers: [{name: c, image: registry.k8s.io/pause:3.10}]\n")
    api("create", "-f", "-", input=pod)
    binding = json.dumps({"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "p"},
                          "target": {"apiVersion": "v1", "kind": "Node", "name": "node01"}})
    raw = ["create", "--raw", f"/api/v1/namespaces/{ns}/pods/p/binding", "-f", "-"]
    assert json.loads(api(*raw, input=binding).stdout)["status"] == "Success"
    assert api("get", "pod", "p", "-n", ns, "-o", "jsonpath={.spec.nodeName}").stdout == "node01"
    again = api(*raw, input=binding, check=False)
    assert "already assigned to node" in again.stderr
    forbidden = api("delete", "namespace", "default", check=False)
    assert 'namespaces "default" is forbidden: this namespace may not be deleted' in forbidden.stderr
    malformed = api("apply", "-f", "-", input="apiVersion: v1\nkind: ConfigMap\nmetadata: [oops\n", check=False)
    assert malformed.returncode == 1 and "error" in malformed.stderr.lower()
    kinns("stop", "--name", api.name)
    assert api("get", "ns", check=False).returncode != 0
    kinns("start", "--name", api.name)
    assert api("get", "pod", "p", "-n", ns, "-o", "jsonpath={.spec.nodeName}").stdout == "node01"


def test_service_account_tokens_authenticate(api):
    ns = unique("ns")
    api("create", "namespace", ns)
    api("create", "serviceaccount", "robot", "-n", ns)
    token = api("create", "token", "robot", "-n", ns, "--duration=15m").stdout.strip()
    assert token.count(".") == 2
    server = _server(api)

    def listed() -> dict:
        return json.loads(subprocess.run(["curl", "-sk", "-H", f"Authorization: Bearer {token}",
                                          f"https://{server}/api/v1/namespaces/{ns}/serviceaccounts"],
                                         capture_output=True, text=True).stdout)

    assert listed()["message"] == f'serviceaccounts is forbidden: User "system:serviceaccount:{ns}:robot" cannot ' \
        f'list resource "serviceaccounts" in API group "" in the namespace "{ns}"'  # known, and not allowed yet
    api("create", "rolebinding", "robot", "-n", ns, "--clusterrole=view", f"--serviceaccount={ns}:robot")
    assert [i["metadata"]["name"] for i in listed()["items"]] == ["default", "robot"]
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    bad = subprocess.run(["curl", "-sk", "-H", f"Authorization: Bearer {forged}", f"https://{server}/api"],
                         capture_output=True, text=True)
    assert json.loads(bad.stdout)["code"] == 401


def test_services_get_cluster_ips_and_node_ports_once(api):
    ns = unique("ns")
    api("create", "namespace", ns)
    svc = ("apiVersion: v1\nkind: Service\nmetadata: {{name: {name}, namespace: " + ns + "}}\nspec:\n  type: NodePort\n"
           "  selector: {{app: web}}\n  ports: [{{port: 80, targetPort: 8080, nodePort: {port}}}]\n")
    api("create", "-f", "-", input=svc.format(name="a", port=30080))
    a = json.loads(api("get", "svc", "a", "-n", ns, "-o", "json").stdout)["spec"]
    assert a["ports"][0]["nodePort"] == 30080 and a["clusterIP"].startswith("10.")
    taken = api("create", "-f", "-", input=svc.format(name="b", port=30080), check=False)
    assert 'The Service "b" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already ' \
        'allocated' in taken.stderr
    outside = api("create", "-f", "-", input=svc.format(name="c", port=20000), check=False)
    assert "provided port is not in the valid range. The range of valid ports is 30000-32767" in outside.stderr
    assert api("get", "svc", "-n", ns, "-o", "name").stdout.split() == ["service/a"]
    api("label", "svc", "a", "-n", ns, "x=y")
    assert json.loads(api("get", "svc", "a", "-n", ns, "-o", "json").stdout)["spec"]["clusterIP"] == a["clusterIP"]
    row = api("get", "svc", "a", "-n", ns).stdout.splitlines()[1].split()
    assert row[:5] == ["a", "NodePort", a["clusterIP"], "<none>", "80:30080/TCP"]
