"""Validation as kube-apiserver's, kind by kind: a valid object passes, each invalid one gets kube's own causes."""

import copy

import pytest

from kinns.apiserver.resources import Registry
from kinns.apiserver.validation import causes_of

REGISTRY = Registry()
R = {plural: r for (_, _, plural), r in REGISTRY.resources.items()}

POD = {"metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
       "spec": {"containers": [{"name": "app", "image": "nginx",
                                "ports": [{"name": "http", "containerPort": 80, "protocol": "TCP"}],
                                "env": [{"name": "MODE", "value": "x"}],
                                "volumeMounts": [{"name": "cfg", "mountPath": "/etc/app"}],
                                "readinessProbe": {"httpGet": {"path": "/", "port": "http"}, "periodSeconds": 1},
                                "resources": {"requests": {"cpu": "100m"}, "limits": {"cpu": "1", "memory": "1Gi"}}}],
                "volumes": [{"name": "cfg", "configMap": {"name": "app", "items": [{"key": "a", "path": "a.conf"}]}}],
                "restartPolicy": "Always", "dnsPolicy": "ClusterFirst"}}
SERVICE = {"metadata": {"name": "web", "namespace": "default"},
           "spec": {"type": "ClusterIP", "selector": {"app": "web"},
                    "ports": [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}]}}
DEPLOYMENT = {"kind": "Deployment", "metadata": {"name": "web", "namespace": "default"},
              "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                       "template": {"metadata": {"labels": {"app": "web"}}, "spec": copy.deepcopy(POD["spec"])}}}
INGRESS = {"metadata": {"name": "web", "namespace": "default"},
           "spec": {"rules": [{"host": "web.example", "http": {"paths": [
               {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}}
POLICY = {"metadata": {"name": "p", "namespace": "default"},
          "spec": {"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/8",
                                                                        "except": ["10.1.0.0/16"]}}],
                                                   "ports": [{"port": 80, "endPort": 90}]}]}}


def changed(obj: dict, path: str, value: object) -> dict:
    """A copy of `obj` with the dotted `path` (list indexes as numbers) set to `value`."""
    out = copy.deepcopy(obj)
    *parents, last = path.split(".")
    target = out
    for part in parents:
        target = target[int(part)] if part.isdigit() else target.setdefault(part, {})
    if last.isdigit():
        target[int(last)] = value
    else:
        target[last] = value
    return out


def messages(plural: str, obj: dict, old: dict | None = None) -> list[str]:
    return [f"{path}: {message}" for path, _, message in causes_of(R[plural], obj, old)]


@pytest.mark.parametrize("plural, obj", [("pods", POD), ("services", SERVICE), ("deployments", DEPLOYMENT),
                                         ("ingresses", INGRESS), ("networkpolicies", POLICY)])
def test_valid_objects_pass(plural, obj):
    assert messages(plural, obj) == []


@pytest.mark.parametrize("path, value, expected", [
    ("spec.ports.0.targetPort", 99999, "spec.ports[0].targetPort: Invalid value: 99999: must be between 1 and 65535, "
                                       "inclusive"),
    ("spec.ports.0.protocol", "XTP", 'spec.ports[0].protocol: Unsupported value: "XTP": supported values: "SCTP", '
                                     '"TCP", "UDP"'),
    ("spec.ports.0.name", 'ht"tp\n-A INPUT -j ACCEPT', 'spec.ports[0].name: Invalid value: "ht\\"tp\\n-A INPUT -j '
                                                       'ACCEPT": a lowercase RFC 1123 label must consist of'),
    ("spec.externalIPs", ["x.y"], 'spec.externalIPs[0]: Invalid value: "x.y": must be a valid IP address, (e.g. '
                                  "10.9.8.7 or 2001:db8::ffff)"),
    ("spec.sessionAffinity", "Sticky", 'spec.sessionAffinity: Unsupported value: "Sticky": supported values: '
                                       '"ClientIP", "None"'),
    ("spec.internalTrafficPolicy", "Near", 'spec.internalTrafficPolicy: Unsupported value: "Near"'),
    ("spec.externalTrafficPolicy", "Local", "spec.externalTrafficPolicy: Invalid value: \"Local\": may only be set "
                                            "for externally-accessible services"),
    ("spec.type", "Magic", 'spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", '
                           '"LoadBalancer", "NodePort"'),
    ("spec.selector", {"app": "bad value!"}, 'spec.selector: Invalid value: "bad value!": a valid label must be an '
                                             "empty string or consist of alphanumeric characters"),
    ("metadata.name", "Web", 'metadata.name: Invalid value: "Web": a DNS-1035 label must consist of lower case'),
])
def test_services_are_refused_as_kube_apiserver_refuses_them(path, value, expected):
    found = messages("services", changed(SERVICE, path, value))
    assert any(m.startswith(expected) for m in found), found


def test_service_ports_need_names_when_several_and_no_duplicates():
    two = changed(SERVICE, "spec.ports", [{"port": 80, "protocol": "TCP", "targetPort": 80},
                                          {"name": "b", "port": 80, "protocol": "TCP", "targetPort": 81}])
    found = messages("services", two)
    assert "spec.ports[0].name: Required value" in found
    assert any(m.startswith("spec.ports[1]: Duplicate value:") for m in found)
    lb = changed(changed(SERVICE, "spec.type", "LoadBalancer"), "spec.loadBalancerSourceRanges", ["10.0.0.0/33"])
    assert messages("services", lb) == ['spec.loadBalancerSourceRanges[0]: Invalid value: "10.0.0.0/33": must be a '
                                        "list of IP ranges. For example, 10.240.0.0/24,10.250.0.0/24 "]
    assert messages("services", changed(SERVICE, "spec.clusterIP", "10.96.0.9"),
                    changed(SERVICE, "spec.clusterIP", "10.96.0.8")) == [
        'spec.clusterIPs[0]: Invalid value: "10.96.0.9": may not change once set']


@pytest.mark.parametrize("labels, annotations, expected", [
    ({"bad key!": "x"}, {}, 'metadata.labels: Invalid value: "bad key!": name part must consist of alphanumeric'),
    ({"app": "x" * 64}, {}, "must be no more than 63 bytes"),
    ({}, {"not/a/key": "x"}, 'metadata.annotations: Invalid value: "not/a/key": a valid label key must consist of'),
    ({}, {"big": "x" * 262145}, "metadata.annotations: Too long: may not be more than 262144 bytes"),
])
def test_labels_and_annotations(labels, annotations, expected):
    cm = {"metadata": {"name": "c", "namespace": "default", "labels": labels, "annotations": annotations}}
    found = messages("configmaps", cm)
    assert any(expected in m for m in found), found


@pytest.mark.parametrize("data, expected", [
    ({"../../../../tmp/x": "pwned"}, 'data[../../../../tmp/x]: Invalid value: "../../../../tmp/x": a valid config '
                                     "key must consist of alphanumeric characters, '-', '_' or '.'"),
    ({"..hidden": "x"}, "must not start with '..'"),
    ({"a": "x" * (1024 * 1024 + 1)}, "[]: Too long: may not be more than 1048576 bytes"),
])
def test_configmap_keys_are_file_names_and_the_data_has_a_limit(data, expected):
    found = messages("configmaps", {"metadata": {"name": "c", "namespace": "default"}, "data": data})
    assert any(expected in m for m in found), found


def test_secrets_decode_and_typed_secrets_need_their_keys():
    found = messages("secrets", {"metadata": {"name": "s", "namespace": "default"}, "type": "kubernetes.io/tls",
                                 "data": {"tls.crt": "not base64!"}})
    assert "data[tls.key]: Required value" in found
    assert 'data[tls.crt]: Invalid value: "<secret contents redacted>": illegal base64 data' in found


@pytest.mark.parametrize("path, value, expected", [
    ("spec.containers.0.ports.0.containerPort", 70000, "spec.containers[0].ports[0].containerPort: Invalid value: "
                                                       "70000: must be between 1 and 65535, inclusive"),
    ("spec.containers.0.ports.0.name", "HTTP_PORT", "spec.containers[0].ports[0].name: Invalid value: \"HTTP_PORT\": "
                                                    "must contain only alpha-numeric characters"),
    ("spec.containers.0.env.0.name", "1ST", 'spec.containers[0].env[0].name: Invalid value: "1ST": a valid '
                                            "environment variable name must consist of"),
    ("spec.volumes.0.configMap.items.0.path", "../../etc/passwd", 'spec.volumes[0].configMap.items[0].path: Invalid '
                                                                  "value: \"../../etc/passwd\": must not contain '..'"),
    ("spec.volumes.0.configMap.items.0.path", "/etc/passwd", "must be a relative path"),
    ("spec.containers.0.volumeMounts.0.name", "nope", 'spec.containers[0].volumeMounts[0].name: Not found: "nope"'),
    ("spec.containers.0.readinessProbe", {"periodSeconds": 1}, "spec.containers[0].readinessProbe: Required value: "
                                                               "must specify a handler type"),
    ("spec.containers.0.resources", {"requests": {"cpu": "2"}, "limits": {"cpu": "1"}},
     'spec.containers[0].resources.requests[cpu]: Invalid value: "2": must be less than or equal to cpu limit of 1'),
    ("spec.containers.0.resources", {"limits": {"memory": "lots"}}, "quantities must match the regular expression"),
    ("spec.restartPolicy", "Sometimes", 'spec.restartPolicy: Unsupported value: "Sometimes": supported values: '
                                        '"Always", "Never", "OnFailure"'),
    ("spec.dnsPolicy", "None", "spec.dnsConfig.nameservers: Required value: must provide at least one DNS nameserver"),
    ("spec.hostAliases", [{"ip": "300.1.1.1", "hostnames": ["a"]}], 'spec.hostAliases[0].ip: Invalid value: '
                                                                    '"300.1.1.1": must be a valid IP address'),
    ("spec.tolerations", [{"operator": "Exists", "value": "x"}], "value must be empty when `operator` is 'Exists'"),
    ("spec.containers.0.securityContext", {"runAsUser": -1}, "spec.containers[0].securityContext.runAsUser: Invalid "
                                                             "value: -1: must be between 0 and 2147483647, inclusive"),
    ("spec.containers.0.name", "App", 'spec.containers[0].name: Invalid value: "App": a lowercase RFC 1123 label'),
    ("spec.containers", [], "spec.containers: Required value"),
])
def test_pods_are_refused_as_kube_apiserver_refuses_them(path, value, expected):
    found = messages("pods", changed(POD, path, value))
    assert any(m.startswith(expected) or expected in m for m in found), found


def test_a_running_pod_changes_only_what_kube_lets_it():
    assert messages("pods", changed(POD, "spec.containers.0.image", "nginx:2"), POD) == []
    found = messages("pods", changed(POD, "spec.containers.0.ports.0.containerPort", 81), POD)
    assert found[0].startswith("spec: Forbidden: pod updates may not change fields other than")


@pytest.mark.parametrize("path, value, expected", [
    ("spec.template.metadata.labels", {"app": "other"}, "spec.template.metadata.labels: Invalid value: "
                                                        '{"app":"other"}: `selector` does not match template `labels`'),
    ("spec.selector", None, "spec.selector: Required value"),
    ("spec.replicas", -1, "spec.replicas: Invalid value: -1: must be greater than or equal to 0"),
    ("spec.strategy", {"type": "Blue"}, 'spec.strategy.type: Unsupported value: "Blue"'),
    ("spec.template.spec.restartPolicy", "Never", 'spec.template.spec.restartPolicy: Unsupported value: "Never": '
                                                  'supported values: "Always"'),
])
def test_deployments(path, value, expected):
    found = messages("deployments", changed(DEPLOYMENT, path, value))
    assert any(m.startswith(expected) for m in found), found


@pytest.mark.parametrize("path, value, expected", [
    ("spec.rules.0.host", "10.0.0.1", 'spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP '
                                      "address"),
    ("spec.rules.0.host", "*.*.example", "a wildcard DNS-1123 subdomain must start with '*.'"),
    ("spec.rules.0.http.paths.0.pathType", "Regex", 'Unsupported value: "Regex": supported values: "Exact", '
                                                    '"ImplementationSpecific", "Prefix"'),
    ("spec.rules.0.http.paths.0.path", "relative", 'spec.rules[0].http.paths[0].path: Invalid value: "relative": '
                                                   "must be an absolute path"),
    ("spec.rules.0.http.paths.0.backend", {"service": {"name": "web"}}, "spec.rules[0].http.paths[0].backend."
                                                                        "service.port: Required value"),
])
def test_ingresses(path, value, expected):
    found = messages("ingresses", changed(INGRESS, path, value))
    assert any(expected in m for m in found), found


@pytest.mark.parametrize("path, value, expected", [
    ("spec.ingress.0.ports.0.port", 70000, "spec.ingress[0].ports[0].port: Invalid value: 70000: must be between 1 "
                                           "and 65535, inclusive"),
    ("spec.ingress.0.ports.0.endPort", 70, "spec.ingress[0].ports[0].endPort: Invalid value: 70: must be greater "
                                           "than or equal to `port`"),
    ("spec.ingress.0.ports.0", {"endPort": 90}, "spec.ingress[0].ports[0].port: Required value"),
    ("spec.ingress.0.from.0.ipBlock.cidr", "10.0.0.0/33", 'spec.ingress[0].from[0].ipBlock.cidr: Invalid value: '
                                                          '"10.0.0.0/33": must be a valid CIDR value'),
    ("spec.ingress.0.from.0.ipBlock.except", ["192.168.0.0/16"], 'spec.ingress[0].from[0].ipBlock.except[0]: '
                                                                 'Invalid value: "192.168.0.0/16": must be a strict '
                                                                 "subset of `cidr`"),
    ("spec.policyTypes", ["Sideways"], 'spec.policyTypes[0]: Unsupported value: "Sideways"'),
])
def test_network_policies(path, value, expected):
    found = messages("networkpolicies", changed(POLICY, path, value))
    assert any(m.startswith(expected) for m in found), found


def test_names_namespaces_and_owners():
    assert messages("namespaces", {"metadata": {"name": "Bad.Name"}})[0].startswith(
        'metadata.name: Invalid value: "Bad.Name": a lowercase RFC 1123 label')
    found = messages("configmaps", {"metadata": {"name": "c", "namespace": "default", "ownerReferences": [
        {"apiVersion": "v1", "kind": "Pod", "name": "a", "uid": "1", "controller": True},
        {"apiVersion": "v1", "kind": "Pod", "name": "b", "uid": "2", "controller": True}, {"kind": "Pod"}]}})
    assert any("Only one reference can have Controller set to true" in m for m in found)
    assert "metadata.ownerReferences[2].apiVersion: Required value: must not be empty" in found
    assert messages("configmaps", {"metadata": {"generateName": "web-", "name": "web-abcde",
                                                "namespace": "default"}}) == []


def test_endpoint_slices_and_nodes():
    found = messages("endpointslices", {"metadata": {"name": "s", "namespace": "default"}, "addressType": "IPv4",
                                        "endpoints": [{"addresses": ["nope"]}], "ports": [{"port": 0}]})
    assert 'endpoints[0].addresses[0]: Invalid value: "nope": must be a valid IP address, (e.g. 10.9.8.7 or ' \
           "2001:db8::ffff)" in found
    assert "ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive" in found
    found = messages("nodes", {"metadata": {"name": "n"}, "spec": {"taints": [{"key": "a", "effect": "Sometimes"}]}})
    assert found == ['spec.taints[0].effect: Unsupported value: "Sometimes": supported values: "NoExecute", '
                     '"NoSchedule", "PreferNoSchedule"']
